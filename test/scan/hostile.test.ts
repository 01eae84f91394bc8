import { spawnSync } from 'node:child_process';
import { brotliCompressSync, constants as zlibConstants } from 'node:zlib';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LimitSettingError, parseLimitSetting, resolveLimits } from '../../src/io/limits.js';
import type { Report } from '../../src/model.js';
import { scan } from '../../src/scan/scan.js';
import { Store } from '../../src/store/sqlite.js';
import { deriveApk } from '../fixtures/apk-builder.js';
import { CORPUS, ROOT, corpusFile, run, tempDir } from '../helpers.js';

/**
 * The hostile examples of ../shared/corpus/hostile/ (one per class of failure), bombs built with the real
 * compressors, and the per-file budgets: each ends as its typed diagnostic, the process survives, and the
 * rest of the scan is complete and stored. No timings are asserted: budgets are shown by their diagnostics.
 */

const HOSTILE = join(CORPUS, 'hostile');
const hostile = (name: string) => {
  const p = join(HOSTILE, name);
  if (!existsSync(p)) throw new Error(`hostile example missing: ${p} (see ../shared/corpus/hostile/README.md)`);
  return p;
};

const codes = (r: Report) => r.diagnostics.map((d) => d.code);

async function scanStored(
  inputs: string[],
  extra: Partial<Parameters<typeof scan>[0]> = {},
): Promise<{ report: Report; stored: Report | null }> {
  const store = new Store(join(tempDir('candor-hostile-'), 'candor.sqlite'));
  try {
    const report = await scan({ inputs, cwd: ROOT, store, jobs: 2, ...extra });
    return { report, stored: store.loadReport(report.scan.id) };
  } finally {
    store.close();
  }
}

describe('hostile examples end as typed diagnostics, the rest of the scan complete and stored', () => {
  const clean = corpusFile('com.teleca.jamendo_35.apk');

  it('all seven examples in one scan beside a clean app', async () => {
    const axmlApk = deriveApk({
      base: corpusFile('urzip.apk'),
      out: join(tempDir(), 'axml.apk'),
      entries: { 'AndroidManifest.xml': readFileSync(hostile('axml_typed_array_len.xml')) },
    });
    const names = [
      'apk_hang_423.apk',
      'asset_bzip2.apk',
      'overlap1000.apk',
      'har_serverIP_typeerror.har',
      'pcapng_invalid_time_252.pcapng',
      'apk_x509_pem.apk',
    ];
    const { report, stored } = await scanStored([clean, axmlApk, ...names.map(hostile)]);
    expect(stored?.scan.id).toBe(report.scan.id);
    const at = (name: string) =>
      report.diagnostics
        .filter((d) => d.path.startsWith(name.startsWith('/') ? name : hostile(name)))
        .map((d) => d.code);
    // Nothing escapes as an untyped error or a lost worker.
    expect(codes(report).filter((c) => c.startsWith('internal/'))).toEqual([]);
    // The clean app is audited as usual.
    expect(report.apps.find((a) => a.path === clean)?.package).toBe('com.teleca.jamendo');
    // DEX with lying class data: read within the file's bounds, the app still listed.
    expect(at('apk_hang_423.apk')).toContain('dex/warning');
    expect(report.apps.some((a) => a.path === hostile('apk_hang_423.apk'))).toBe(true);
    // A bzip2 bomb stops at the decoder's cap and says so.
    expect(at('asset_bzip2.apk')).toContain('limit/decoded-bytes');
    // A thousand entries sharing one bomb: the cap hit is said for each, the data inflated once.
    expect(at('overlap1000.apk').filter((c) => c === 'limit/inflated-bytes').length).toBeGreaterThan(1000);
    // A number where HAR wants a string costs that field only: the destinations remain.
    expect(at('har_serverIP_typeerror.har')).toContain('har/bad-field');
    const har = report.artefacts.find((a) => a.path === hostile('har_serverIP_typeerror.har'));
    expect(report.destinations?.some((d) => d.artefactId === har?.id)).toBe(true);
    // A timestamp Date cannot hold costs that packet's time only.
    expect(at('pcapng_invalid_time_252.pcapng')).toContain('pcapng/bad-timestamp');
    const cap = report.artefacts.find((a) => a.path === hostile('pcapng_invalid_time_252.pcapng'));
    expect(report.destinations?.some((d) => d.artefactId === cap?.id)).toBe(true);
    // A resource-map chunk whose header exceeds its size: the manifest is read on past it.
    expect(at(axmlApk)).toContain('axml/warning');
    expect(report.apps.find((a) => a.path === axmlApk)?.package).toBeTruthy();
    // A certificate node refuses is one typed warning.
    expect(at('apk_x509_pem.apk')).toContain('apksig/bad-certificate');
  }, 300_000);
});

describe('decompression bombs built with the real tools stop at their cap', () => {
  it('gzip, zlib, bzip2, zstd, xz and brotli assets each end as limit/decoded-bytes', async () => {
    const zeros = 64 * 1024 * 1024;
    const bomb = (cmd: string) =>
      Buffer.from(run('sh', ['-c', `head -c ${zeros} /dev/zero | ${cmd} | base64 -w0`]), 'base64');
    const assets: Record<string, Buffer> = {
      'assets/g.bin': bomb('gzip -9'),
      'assets/z.bin': bomb(
        `python3 -c "import sys,zlib; sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read(), 9))"`,
      ),
      'assets/b.bin': bomb('bzip2 -9'),
      'assets/s.bin': bomb('zstd -19 -q'),
      'assets/x.bin': bomb('xz -9'),
      // Node's brotli is Google's encoder itself; Debian's python3 has no brotli module.
      'assets/r.bin': brotliCompressSync(Buffer.alloc(zeros), { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }),
    };
    const apk = deriveApk({ base: corpusFile('urzip.apk'), out: join(tempDir(), 'bombs.apk'), entries: assets });
    const { report, stored } = await scanStored([apk]);
    expect(stored).not.toBeNull();
    const limitAt = (entry: string) =>
      report.diagnostics.filter((d) => d.path.endsWith(entry) && d.code === 'limit/decoded-bytes');
    for (const entry of Object.keys(assets)) {
      const hits = limitAt(entry);
      expect(hits.length, entry).toBe(1);
      // The diagnostic names the limit's value.
      expect(hits[0]?.message, entry).toContain(String(resolveLimits().decode.maxOutput));
    }
    expect(report.apps[0]?.package).toBeTruthy();
  }, 300_000);
});

describe('per-file budgets', () => {
  it('files past their time budget stop as limit/file-time; the scan still completes and is stored', async () => {
    const store = new Store(join(tempDir('candor-budget-'), 'candor.sqlite'));
    try {
      const files = [corpusFile('com.teleca.jamendo_35.apk'), corpusFile('urzip.apk')];
      const report = await scan({ inputs: files, cwd: ROOT, store, jobs: 1, limits: { file: { timeMs: 1 } } });
      for (const f of files) {
        const stopped = report.diagnostics.filter((d) => d.path === f);
        expect(
          stopped.map((d) => d.code),
          f,
        ).toEqual(['limit/file-time']);
        expect(stopped[0]?.message).toContain('file.timeMs');
      }
      expect(store.loadReport(report.scan.id)?.diagnostics.map((d) => d.code)).toEqual([
        'limit/file-time',
        'limit/file-time',
      ]);
    } finally {
      store.close();
    }
  }, 120_000);

  it('a worker out of heap is limit/file-memory for its file; the scan goes on with a fresh worker', async () => {
    const files = [corpusFile('urzip.apk'), corpusFile('com.teleca.jamendo_35.apk')];
    const report = await scan({ inputs: files, cwd: ROOT, jobs: 1, limits: { file: { memoryMb: 2 } } });
    for (const f of files)
      expect(report.diagnostics.filter((d) => d.path === f).map((d) => d.code)).toEqual(['limit/file-memory']);
  }, 120_000);
});

describe('limits tree', () => {
  it('parses --limit settings with units and refuses unknown names and bad values', () => {
    const o = parseLimitSetting('zip.maxEntryBytes=64M');
    parseLimitSetting('file.timeMs=90s', o);
    expect(resolveLimits(o).zip.maxEntryBytes).toBe(64 * 1024 * 1024);
    expect(resolveLimits(o).file.timeMs).toBe(90_000);
    expect(resolveLimits(o).zip.maxEntries).toBe(resolveLimits().zip.maxEntries);
    for (const bad of [
      'zip.nope=1',
      'zip.maxEntries=abc',
      'zip.maxEntries=0',
      'zip.maxEntries',
      'zip.maxEntries=5s',
      'nope.x=1',
    ]) {
      expect(() => parseLimitSetting(bad), bad).toThrow(LimitSettingError);
    }
    expect(() => resolveLimits({ zip: { maxEntries: -1 } })).toThrow(LimitSettingError);
  });

  it('a bad --limit is a one-line usage error with exit code 2', () => {
    const tsx = import.meta.resolve('tsx');
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        tsx,
        join(ROOT, 'src', 'cli', 'run.ts'),
        'scan',
        '--no-db',
        '--limit',
        'zip.maxEntries=lots',
        corpusFile('urzip.apk'),
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('zip.maxEntries');
  });

  it('a limit set through the API reaches the parsers', async () => {
    const dir = tempDir();
    const many = join(dir, 'many.zip');
    run('python3', [
      '-c',
      `import zipfile\nz=zipfile.ZipFile(${JSON.stringify(many)},'w')\n` +
        "for i in range(20): z.writestr(f'f{i}.txt', 'x')\nz.close()",
    ]);
    writeFileSync(join(dir, 'keep.txt'), 'plain text\n');
    const report = await scan({
      inputs: [many, join(dir, 'keep.txt')],
      cwd: dir,
      jobs: 1,
      limits: { zip: { maxEntries: 10 } },
    });
    expect(report.diagnostics.find((d) => d.path === many)?.code).toBe('limit/zip-entries');
    expect(report.artefacts.some((a) => a.path === join(dir, 'keep.txt'))).toBe(true);
  }, 60_000);
});
