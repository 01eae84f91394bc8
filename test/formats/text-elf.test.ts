import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InflateBudget, readEntry, readZipDirectory } from '../../src/containers/zip.js';
import { elfStrings, parseElf } from '../../src/formats/elf.js';
import { decodeText } from '../../src/formats/text.js';
import { BufferSource } from '../../src/io/byte-source.js';
import { MalformedInputError } from '../../src/io/errors.js';
import { DEFAULT_LIMITS } from '../../src/io/limits.js';
import { buildNativeLib } from '../fixtures/native-lib.js';
import { corpusFile, encodeWithPython, run } from '../helpers.js';

const SIMPLIFIED = '这是一个测试，我们来看看这个国家的新闻。\n六四\n法轮功\n';
const TRADITIONAL = '這是一個測試，我們來看看這個國家的新聞。\n六四\n法輪功\n';

describe('text encoding detection', () => {
  it('recognises UTF-8, UTF-16 with and without BOM, GB18030 and Big5 written by Python', () => {
    expect(decodeText(Buffer.from(SIMPLIFIED))).toMatchObject({ encoding: 'utf-8', text: SIMPLIFIED });
    expect(decodeText(Buffer.from('plain ascii\n'))?.encoding).toBe('ascii');
    expect(decodeText(encodeWithPython(SIMPLIFIED, 'utf-16'))).toMatchObject({
      encoding: 'utf-16le',
      bom: true,
      text: SIMPLIFIED,
    });
    expect(decodeText(encodeWithPython(SIMPLIFIED, 'utf-16-le'))).toMatchObject({
      encoding: 'utf-16le',
      bom: false,
      text: SIMPLIFIED,
    });
    expect(decodeText(encodeWithPython(SIMPLIFIED, 'utf-16-be'))).toMatchObject({
      encoding: 'utf-16be',
      bom: false,
      text: SIMPLIFIED,
    });
    expect(decodeText(encodeWithPython(SIMPLIFIED, 'gb18030'))).toMatchObject({
      encoding: 'gb18030',
      text: SIMPLIFIED,
    });
    expect(decodeText(encodeWithPython(SIMPLIFIED, 'gbk'))).toMatchObject({ encoding: 'gb18030', text: SIMPLIFIED });
    expect(decodeText(encodeWithPython(TRADITIONAL, 'big5'))).toMatchObject({ encoding: 'big5', text: TRADITIONAL });
  });

  it('refuses binary data', () => {
    const apk = corpusFile('urzip.apk');
    expect(decodeText(readFileSync(apk))).toBeNull();
    expect(decodeText(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]))).toBeNull();
    expect(decodeText(Buffer.alloc(0))).toBeNull();
  });
});

describe('ELF reader', () => {
  it('reads the section table like readelf and finds the machine of every ABI in a real APK', () => {
    const apk = corpusFile('org.dyndns.fules.ck_20.apk');
    const src = new BufferSource(readFileSync(apk));
    const dir = readZipDirectory(src, DEFAULT_LIMITS);
    const machines: Record<string, string> = {};
    for (const e of dir.entries.filter((x) => x.name.endsWith('.so'))) {
      const info = parseElf(readEntry(src, e, new InflateBudget(DEFAULT_LIMITS)));
      machines[e.name.split('/')[1] ?? ''] = info.machineName;
    }
    expect(machines).toMatchObject({
      armeabi: 'arm',
      'armeabi-v7a': 'arm',
      'arm64-v8a': 'aarch64',
      x86: 'x86',
      x86_64: 'x86_64',
      mips: 'mips',
    });
  });

  it('extracts the strings of .rodata that a gcc-built library holds, with offsets', () => {
    const so = buildNativeLib(['globalapi.ad.xiaomi.com', '法轮功', 'MiAdBlacklistConfig']);
    const buf = readFileSync(so);
    const info = parseElf(buf);
    const readelf = [...run('readelf', ['-S', '-W', so]).matchAll(/\]\s+(\.\S+)/g)].map((m) => m[1]);
    expect(info.sections.map((s) => s.name).filter(Boolean)).toEqual(readelf);
    const strings = elfStrings(buf, info);
    for (const s of ['globalapi.ad.xiaomi.com', '法轮功', 'MiAdBlacklistConfig']) {
      const hit = strings.find((x) => x.text === s);
      expect(hit?.section).toBe('.rodata');
      expect(buf.toString('utf8', hit?.offset, (hit?.offset as number) + Buffer.byteLength(s))).toBe(s);
    }
  });

  it('rejects truncated and lying headers with typed errors', () => {
    const buf = readFileSync(buildNativeLib(['a']));
    expect(() => parseElf(buf.subarray(0, 20))).toThrow(MalformedInputError);
    const lying = Buffer.from(buf);
    lying.writeBigUInt64LE(BigInt(buf.length * 4), 0x28); // e_shoff
    expect(() => parseElf(lying)).toThrow(MalformedInputError);
  });
});
