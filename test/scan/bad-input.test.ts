import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveLimits } from '../../src/io/limits.js';
import { analyzeFile } from '../../src/scan/analyze.js';
import { buildDex } from '../fixtures/dex-builder.js';
import { handZip } from '../fixtures/hand-zip.js';
import { analyzeContext, androguardFiles, corpusApks, corpusFile, pythonZip, tempDir } from '../helpers.js';
import { defined, first } from '../defined.js';

/**
 * Truncated, corrupt and hostile inputs must end as diagnostics with the rest of the scan intact: never
 * an exception, a hang or unbounded memory.
 */
describe('bad input', () => {
  const dir = tempDir('candor-bad-');

  it('turns every corpus file truncated at several points into diagnostics, never a crash', () => {
    let diagnosed = 0;
    for (const file of corpusApks()) {
      const buf = readFileSync(file);
      for (const fraction of [0, 0.01, 0.1, 0.5, 0.9, 0.999]) {
        const cut = join(dir, `${basename(file)}-${fraction}`);
        writeFileSync(cut, buf.subarray(0, Math.floor(buf.length * fraction)));
        const r = analyzeFile(cut, basename(cut), analyzeContext());
        expect(r.artefacts.length + r.diagnostics.length, cut).toBeGreaterThan(0);
        for (const d of r.diagnostics) expect(d.code, `${cut}: ${d.message}`).not.toMatch(/^internal\//);
        if (r.diagnostics.length > 0) diagnosed++;
      }
    }
    expect(diagnosed).toBeGreaterThan(50);
  });

  it("reads every APK and DEX of Debian's androguard examples (hostile ones too) without an internal error", () => {
    const files = [...androguardFiles('.apk'), ...androguardFiles('.dex')];
    expect(files.length).toBeGreaterThan(350);
    for (const f of files) {
      const r = analyzeFile(f, basename(f), analyzeContext());
      for (const d of r.diagnostics) expect(d.code, `${f}: ${d.message}`).not.toMatch(/^internal\//);
    }
  });

  it('flips bytes throughout a real APK without crashing', () => {
    const buf = readFileSync(corpusFile('com.teleca.jamendo_35.apk'));
    for (let seed = 1; seed <= 40; seed++) {
      const copy = Buffer.from(buf);
      for (let k = 0; k < 64; k++) {
        const at = (seed * 7919 * (k + 1)) % copy.length;
        copy.writeUInt8(copy.readUInt8(at) ^ 0xff, at);
      }
      const p = join(dir, `flip-${seed}.apk`);
      writeFileSync(p, copy);
      const r = analyzeFile(p, 'flip.apk', analyzeContext());
      for (const d of r.diagnostics) expect(d.code, d.message).not.toMatch(/^internal\//);
    }
  });

  it('stops a zip bomb inside an APK and still audits the app', () => {
    const out = join(dir, 'bomb.apk');
    pythonZip(out, [{ name: 'assets/bomb.txt', data: 'A'.repeat(60 * 1024 * 1024) }], corpusFile('urzip.apk'));
    const r = analyzeFile(out, 'bomb.apk', {
      ...analyzeContext(),
      limits: resolveLimits({ text: { maxBytes: 128 * 1024 * 1024 } }),
    });
    expect(r.diagnostics.map((d) => d.code)).toContain('limit/compression-ratio');
    expect(first(r.apps).package).toBe('info.guardianproject.urzip');
  });

  it('bounds nesting: APKs inside APKs are opened to the configured depth', () => {
    let inner = corpusFile('urzip.apk');
    for (let depth = 1; depth <= 5; depth++) {
      const out = join(dir, `nest-${depth}.apk`);
      pythonZip(out, [{ name: `assets/inner${depth}.apk`, file: inner, stored: true }], corpusFile('urzip.apk'));
      inner = out;
    }
    const r = analyzeFile(inner, 'nest.apk', analyzeContext());
    expect(r.apps.length).toBe(analyzeContext().limits.zip.maxNestingDepth + 1);
    expect(r.diagnostics.map((d) => d.code)).toContain('limit/nesting-depth');
    expect(defined(r.apps[1], 'a second app').path).toBe('nest.apk!/assets/inner5.apk');
  });

  it('opens the APK embedded in a real APK', () => {
    const r = analyzeFile(corpusFile('apk.embedded_1.apk'), 'embedded.apk', analyzeContext());
    expect(r.artefacts.filter((a) => a.kind === 'nested-apk').length).toBeGreaterThanOrEqual(1);
    expect(r.apps.length).toBeGreaterThanOrEqual(2);
  });

  it('reports an entry name with ../ and never uses it as a path', () => {
    const out = join(dir, 'traversal.apk');
    // Declared size 40 for a 44-byte text: the header lies as well.
    writeFileSync(
      out,
      handZip([
        {
          name: '../../../../tmp/candor-escape.txt',
          data: Buffer.from('六四\n法轮功\n达赖喇嘛\n藏独\n台独\n'),
          deflate: true,
          declaredSize: 40,
        },
      ]),
    );
    const r = analyzeFile(out, 'traversal.apk', analyzeContext());
    expect(r.diagnostics.map((d) => d.code)).toContain('zip/unsafe-entry-name');
    expect(r.findings.some((f) => f.detectorId === 'integrity/zip-anomalies' && f.messageId === 'unsafe-name')).toBe(
      true,
    );
  });

  it('keeps auditing an APK whose manifest string pool lies and whose DEX offsets point outside the file', () => {
    const src = readFileSync(corpusFile('urzip.apk'));
    const dex = Buffer.from(
      buildDex([{ descriptor: 'La;', methods: [{ name: 'm', strings: ['https://example.org/x'] }] }]),
    );
    dex.writeUInt32LE(0x0fffffff, 88); // method_ids_size
    const out = join(dir, 'lying.apk');
    pythonZip(out, [{ name: 'classes2.dex', data: dex.toString('latin1') }], corpusFile('urzip.apk'));
    // latin1 round-trips through Python's UTF-8 writer badly, so write bytes through the hex form instead.
    writeFileSync(join(dir, 'dex.bin'), dex);
    pythonZip(out, [{ name: 'classes2.dex', file: join(dir, 'dex.bin') }], corpusFile('urzip.apk'));
    const r = analyzeFile(out, 'lying.apk', analyzeContext());
    expect(r.diagnostics.some((d) => d.code === 'dex/bad-section' && d.path === 'lying.apk!/classes2.dex')).toBe(true);
    expect(first(r.apps).package).toBe('info.guardianproject.urzip');
    expect(first(r.apps).dexCount).toBe(1);
    expect(src.length).toBeGreaterThan(0);
  });

  it('reports unknown and unreadable inputs as diagnostics', () => {
    const p = join(dir, 'random.bin');
    writeFileSync(p, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) & 0xff)));
    expect(analyzeFile(p, 'random.bin', analyzeContext()).diagnostics.map((d) => d.code)).toEqual([
      'input/unknown-format',
    ]);
    expect(
      analyzeFile(join(dir, 'missing.apk'), 'missing.apk', analyzeContext()).diagnostics.map((d) => d.code),
    ).toEqual(['io/unreadable']);
  });
});
