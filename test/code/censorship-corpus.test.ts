import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../src/scan/analyze.js';
import { analyzeContext, androguardFiles, corpusApks } from '../helpers.js';

/**
 * The false-positive check of the code model's censorship reading on real apps: every corpus APK and every
 * APK of Debian's androguard examples gets no censorship finding above info (none of them carries a list
 * mechanism or a region switch). Slow: it analyses some 330 apps.
 */
describe('censorship findings on real apps', () => {
  it('raises none above info on the corpus and androguard APKs', () => {
    const files = [...corpusApks(), ...androguardFiles('.apk')];
    expect(files.length).toBeGreaterThan(300);
    const raised: string[] = [];
    for (const f of files) {
      const r = analyzeFile(f, basename(f), analyzeContext());
      for (const x of r.findings)
        if (x.detectorId.startsWith('censorship/') && x.severity !== 'info')
          raised.push(`${f}: ${x.detectorId} ${x.severity} ${x.message}`);
    }
    expect(raised).toEqual([]);
  }, 3_600_000);
});
