import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { first } from '../../../test/defined.js';
import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../scan/analyze.js';
import { deriveApk } from '../../../test/fixtures/apk-builder.js';
import { buildDex } from '../../../test/fixtures/dex-builder.js';
import { buildNativeLib } from '../../../test/fixtures/native-lib.js';
import { analyzeContext, corpusFile, tempDir } from '../../../test/helpers.js';
import detector from './packers.js';
import { testDetector, type InvalidCase, type ValidCase } from '../../../test/rule-tester.js';
import { apkWith } from '../../../test/fixtures/models.js';
import { loadDataFile } from '../../data-files.js';

// Every rule of data/packers.json with its own examples: each name it must identify, each near miss it must not.
const parts = (e: { lib: string } | { asset: string } | { class: string }) =>
  'lib' in e ? { libs: [e.lib] } : 'asset' in e ? { assets: [e.asset] } : { classes: [e.class] };
const what = (e: { lib: string } | { asset: string } | { class: string }) => first(Object.entries(e)).join(' ');
const rules = loadDataFile('packers').rules;
const invalid: Array<InvalidCase<'app'>> = rules.flatMap((r) =>
  r.examples.match.map((e) => ({
    name: `${r.id}: ${what(e)}`,
    input: apkWith(parts(e)),
    messageId: 'identified',
    data: { category: r.category, name: r.name },
    evidence: { id: r.id },
  })),
);
const valid: Array<ValidCase<'app'>> = rules.flatMap((r) =>
  r.examples.noMatch.map((e) => ({ name: `${r.id} near miss: ${what(e)}`, input: apkWith(parts(e)) })),
);
valid.push({
  name: 'an app with ordinary libraries and assets',
  input: apkWith({ libs: ['libc++_shared.so', 'libsqlite.so'], assets: ['fonts.json'], classes: ['org/example/Main'] }),
});
testDetector(detector, { valid, invalid });

const ID = 'integrity/packers';
const ids = (path: string) =>
  analyzeFile(path, 'p.apk', analyzeContext())
    .findings.filter((f) => f.detectorId === ID)
    .map((f) => `${f.evidence.category}:${f.evidence.id}`);

describe('built APKs', () => {
  it('identifies a 360 Jiagu-packed app by its library and stub class, and its anti-analysis checks', () => {
    const dex = buildDex([
      {
        descriptor: 'Lcom/stub/StubApp;',
        methods: [
          {
            name: 'attachBaseContext',
            strings: ['goldfish', 'ro.kernel.qemu', '/dev/qemu_pipe', 'TracerPid'],
            calls: ['Landroid/os/Debug;->isDebuggerConnected'],
          },
        ],
      },
      { descriptor: 'Lcom/x/Main;', methods: [{ name: 'm', strings: ['ALLATORIxDEMO'] }] },
    ]);
    const apk = deriveApk({
      base: corpusFile('urzip.apk'),
      out: join(tempDir(), 'p.apk'),
      entries: { 'classes.dex': dex, 'lib/armeabi-v7a/libjiagu.so': readFileSync(buildNativeLib(['jiagu'])) },
    });
    expect(ids(apk)).toEqual(
      expect.arrayContaining([
        'packer:jiagu-360',
        'anti-vm:emulator-checks',
        'anti-debug:debugger-checks',
        'obfuscator:allatori',
      ]),
    );
  });

  it('names the compiler of real DEX files (D8, R8) and flags minified names and abnormal headers', () => {
    expect(ids(corpusFile('okhttp.d8.038.dex'))).toContain('compiler:d8');
    expect(ids(corpusFile('SystemWebView-repack.apk'))).toContain('compiler:r8');
    const minified = buildDex(
      Array.from({ length: 30 }, (_, i) => ({
        descriptor: `Lo/${String.fromCharCode(97 + (i % 26))}${i >= 26 ? 'a' : ''};`,
        methods: [{ name: 'a', strings: ['x'] }],
      })),
    );
    const odd = Buffer.from(minified);
    odd.writeUInt32LE(16, 44); // link_size
    const p = join(tempDir(), 'min.dex');
    writeFileSync(p, odd);
    expect(ids(p)).toEqual(expect.arrayContaining(['obfuscator:minified-names', 'abnormal:dex-header']));
  });
});

describe('real APKs', () => {
  it('finds no packer, obfuscator or anti-analysis code in plain FOSS apps', () => {
    for (const apk of ['com.teleca.jamendo_35.apk', 'a2dp.Vol_137.apk', 'souch.smsbypass_9.apk'])
      expect(ids(corpusFile(apk)), apk).toEqual([]);
  });
});
