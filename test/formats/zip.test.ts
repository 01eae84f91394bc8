import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InflateBudget, isUnsafeName, readEntry, readZipDirectory } from '../../src/containers/zip.js';
import { BufferSource } from '../../src/io/byte-source.js';
import { LimitExceededError, MalformedInputError } from '../../src/io/errors.js';
import { DEFAULT_LIMITS, resolveLimits } from '../../src/io/limits.js';
import { handZip } from '../fixtures/hand-zip.js';
import { corpusFile, pythonZip, run, tempDir } from '../helpers.js';
import { defined, first } from '../defined.js';

function open(path: string) {
  const src = new BufferSource(readFileSync(path));
  return { src, dir: readZipDirectory(src, DEFAULT_LIMITS) };
}

describe('zip reader', () => {
  it('lists the same entries as unzip on a real multidex APK', () => {
    const apk = corpusFile('app-prod-debug.apk');
    const names = run('unzip', ['-Z1', apk]).trim().split('\n').sort();
    const { dir } = open(apk);
    expect(dir.entries.map((e) => e.name).sort()).toEqual(names);
    expect(dir.anomalies).toEqual([]);
  });

  it('inflates entries byte for byte like unzip', () => {
    const apk = corpusFile('com.teleca.jamendo_35.apk');
    const { src, dir } = open(apk);
    for (const name of ['classes.dex', 'AndroidManifest.xml', 'resources.arsc']) {
      const ours = readEntry(src, dir.byName.get(name) as never, new InflateBudget(DEFAULT_LIMITS));
      const ref = execFileSync('unzip', ['-p', apk, name], { maxBuffer: 1 << 28 });
      expect(ours.equals(ref)).toBe(true);
    }
  });

  it('reads ZIP64 archives written by Python', () => {
    const out = join(tempDir(), 'z64.zip');
    run('python3', [
      '-c',
      [
        'import zipfile',
        `z=zipfile.ZipFile('${out}','w',allowZip64=True)`,
        "z.writestr(zipfile.ZipInfo('a.txt'), b'hello', compress_type=zipfile.ZIP_DEFLATED)",
        "w=z.open('big.bin','w',force_zip64=True)",
        "w.write(b'x'*1000)",
        'w.close()',
        'z.close()',
      ].join('\n'),
    ]);
    const { src, dir } = open(out);
    expect(dir.entries.map((e) => e.name)).toEqual(['a.txt', 'big.bin']);
    expect(readEntry(src, dir.byName.get('big.bin') as never, new InflateBudget(DEFAULT_LIMITS)).length).toBe(1000);
  });

  it('handles data descriptors (streamed entries) from zip -fd', () => {
    const d = tempDir();
    const out = join(d, 'dd.zip');
    run('sh', ['-c', `cd ${d} && printf 'line one\\nline two\\n' | zip -q -fd ${out} -`]);
    const { src, dir } = open(out);
    expect(dir.entries).toHaveLength(1);
    expect(readEntry(src, first(dir.entries), new InflateBudget(DEFAULT_LIMITS)).toString()).toBe(
      'line one\nline two\n',
    );
  });

  it('detects the Janus layout: a DEX prepended to the archive', () => {
    const { dir } = open(corpusFile('janus.apk'));
    expect(dir.prependedBytes).toBeGreaterThan(0);
    expect(dir.anomalies.map((a) => a.code)).toContain('zip/prepended-data');
  });

  it('reports duplicate entries and resolves them to the last one, as Android does', () => {
    const buf = handZip([
      { name: 'classes.dex', data: Buffer.from('first') },
      { name: 'classes.dex', data: Buffer.from('second') },
    ]);
    const src = new BufferSource(buf);
    const dir = readZipDirectory(src, DEFAULT_LIMITS);
    expect(dir.anomalies.map((a) => a.code)).toContain('zip/duplicate-entry');
    expect(readEntry(src, dir.byName.get('classes.dex') as never, new InflateBudget(DEFAULT_LIMITS)).toString()).toBe(
      'second',
    );
  });

  it('flags entry names that escape the archive', () => {
    const dir = readZipDirectory(
      new BufferSource(handZip([{ name: '../../etc/evil', data: Buffer.from('x') }])),
      DEFAULT_LIMITS,
    );
    expect(dir.anomalies.map((a) => a.code)).toContain('zip/unsafe-entry-name');
    expect(isUnsafeName('assets/../../x')).toBe(true);
    expect(isUnsafeName('/abs')).toBe(true);
    expect(isUnsafeName('assets/a..b/c')).toBe(false);
  });

  it('stops a zip bomb by declared ratio and by real inflated size', () => {
    const zeros = Buffer.alloc(20 * 1024 * 1024);
    const declared = handZip([{ name: 'bomb', data: zeros, deflate: true }]);
    const src = new BufferSource(declared);
    const dir = readZipDirectory(src, DEFAULT_LIMITS);
    expect(() => readEntry(src, first(dir.entries), new InflateBudget(DEFAULT_LIMITS))).toThrow(LimitExceededError);
    // The same bomb lying about its size (declares 10 bytes) is stopped by the inflater cap.
    const lying = handZip([{ name: 'bomb', data: zeros, deflate: true, declaredSize: 10 }]);
    const src2 = new BufferSource(lying);
    const dir2 = readZipDirectory(src2, DEFAULT_LIMITS);
    expect(() => readEntry(src2, first(dir2.entries), new InflateBudget(DEFAULT_LIMITS))).toThrow(LimitExceededError);
  });

  it('stops an archive with too many entries before reading them', () => {
    const many = handZip(Array.from({ length: 50 }, (_, i) => ({ name: `f${i}`, data: Buffer.from('x') })));
    expect(() => readZipDirectory(new BufferSource(many), resolveLimits({ zip: { maxEntries: 10 } }))).toThrow(
      LimitExceededError,
    );
  });

  it('shares one inflation budget across entries', () => {
    const buf = handZip([
      { name: 'a', data: Buffer.alloc(6000, 1), deflate: true },
      { name: 'b', data: Buffer.alloc(6000, 2), deflate: true },
    ]);
    const src = new BufferSource(buf);
    const dir = readZipDirectory(src, DEFAULT_LIMITS);
    const budget = new InflateBudget({ ...DEFAULT_LIMITS.zip, maxTotalInflatedBytes: 10_000 });
    readEntry(src, first(dir.entries), budget);
    expect(() => readEntry(src, defined(dir.entries[1], 'a second entry'), budget)).toThrow(LimitExceededError);
  });

  it('rejects truncated archives with a typed error', () => {
    const buf = readFileSync(corpusFile('urzip.apk'));
    for (const cut of [0, 10, 100, buf.length / 2, buf.length - 30]) {
      expect(() => readZipDirectory(new BufferSource(buf.subarray(0, Math.floor(cut))), DEFAULT_LIMITS)).toThrow(
        MalformedInputError,
      );
    }
  });

  it('reads an archive written by Python with stored and deflated entries', () => {
    const out = join(tempDir(), 'py.zip');
    pythonZip(out, [
      { name: 'assets/a.txt', data: 'alpha' },
      { name: 'assets/b.txt', data: 'beta', stored: true },
    ]);
    const { src, dir } = open(out);
    expect(dir.entries.map((e) => [e.name, e.method])).toEqual([
      ['assets/a.txt', 8],
      ['assets/b.txt', 0],
    ]);
    expect(readEntry(src, dir.byName.get('assets/b.txt') as never, new InflateBudget(DEFAULT_LIMITS)).toString()).toBe(
      'beta',
    );
  });
});
