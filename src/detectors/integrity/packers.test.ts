import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../scan/analyze.js';
import { deriveApk } from '../../../test/fixtures/apk-builder.js';
import { buildDex } from '../../../test/fixtures/dex-builder.js';
import { buildNativeLib } from '../../../test/fixtures/native-lib.js';
import { analyzeContext, corpusFile, tempDir } from '../../../test/helpers.js';

const ID = 'integrity/packers';
const ids = (path: string) => analyzeFile(path, 'p.apk', analyzeContext()).findings.filter((f) => f.detectorId === ID).map((f) => `${f.evidence.category}:${f.evidence.id}`);

describe('positive', () => {
  it('identifies a 360 Jiagu-packed app by its library and stub class, and its anti-analysis checks', () => {
    const dex = buildDex([
      { descriptor: 'Lcom/stub/StubApp;', methods: [{ name: 'attachBaseContext', strings: ['goldfish', 'ro.kernel.qemu', '/dev/qemu_pipe', 'TracerPid'], calls: ['Landroid/os/Debug;->isDebuggerConnected'] }] },
      { descriptor: 'Lcom/x/Main;', methods: [{ name: 'm', strings: ['ALLATORIxDEMO'] }] },
    ]);
    const apk = deriveApk({ base: corpusFile('urzip.apk'), out: join(tempDir(), 'p.apk'), entries: { 'classes.dex': dex, 'lib/armeabi-v7a/libjiagu.so': readFileSync(buildNativeLib(['jiagu'])) } });
    expect(ids(apk)).toEqual(expect.arrayContaining(['packer:jiagu-360', 'anti-vm:emulator-checks', 'anti-debug:debugger-checks', 'obfuscator:allatori']));
  });

  it('names the compiler of real DEX files (D8, R8) and flags minified names and abnormal headers', () => {
    expect(ids(corpusFile('okhttp.d8.038.dex'))).toContain('compiler:d8');
    expect(ids(corpusFile('SystemWebView-repack.apk'))).toContain('compiler:r8');
    const minified = buildDex(Array.from({ length: 30 }, (_, i) => ({ descriptor: `Lo/${String.fromCharCode(97 + (i % 26))}${i >= 26 ? 'a' : ''};`, methods: [{ name: 'a', strings: ['x'] }] })));
    const odd = Buffer.from(minified);
    odd.writeUInt32LE(16, 44); // link_size
    const p = join(tempDir(), 'min.dex');
    writeFileSync(p, odd);
    expect(ids(p)).toEqual(expect.arrayContaining(['obfuscator:minified-names', 'abnormal:dex-header']));
  });
});

describe('negative', () => {
  it('finds no packer, obfuscator or anti-analysis code in plain FOSS apps', () => {
    for (const apk of ['com.teleca.jamendo_35.apk', 'a2dp.Vol_137.apk', 'souch.smsbypass_9.apk']) expect(ids(corpusFile(apk)), apk).toEqual([]);
  });
});
