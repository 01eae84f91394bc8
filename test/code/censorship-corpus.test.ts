import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../src/scan/analyze.js';
import { analyzeContext, androguardFiles, corpusApks } from '../helpers.js';

/**
 * The false-positive check of the code model's censorship reading on real apps: every corpus APK and every
 * APK of Debian's androguard examples gets no censorship finding above info (none of them carries a list
 * mechanism or a region switch), and so does every standalone DEX there but one: the Xiaomi system-app DEX
 * whose ad SDK downloads the keywords its ad blocker filters by (checked in real-vendor.test.ts) and seeds
 * them with competitors' brands, which must give those two findings and no other. Slow: it analyses some 360 apps.
 */
describe('censorship findings on real apps', () => {
  it('raises none above info on the corpus and androguard APKs and DEX files, but the Xiaomi ad keywords', () => {
    const files = [...corpusApks(), ...androguardFiles('.apk'), ...androguardFiles('.dex')];
    expect(files.length).toBeGreaterThan(330);
    const raised: string[] = [];
    for (const f of files) {
      const r = analyzeFile(f, basename(f), analyzeContext());
      for (const x of r.findings)
        if (x.detectorId.startsWith('censorship/') && x.severity !== 'info')
          raised.push(`${basename(f)}: ${x.detectorId} ${x.severity} ${x.message}`);
    }
    const XIAOMI = 'dc4b1bb9d58daa82f29e60f79d5662f731a3351f.37.dex';
    expect(raised).toEqual([
      // AdsBlocker's constructor seeds its blocked words with competitors' brand names (low, as brands are).
      expect.stringMatching(
        new RegExp(`^${XIAOMI}: censorship/keyword-list low List of competitor brands: .*AdsBlocker`),
      ),
      expect.stringMatching(
        new RegExp(`^${XIAOMI}: censorship/list-refresh medium .*globalapi.ad.xiaomi.com/filter/text`),
      ),
    ]);
  }, 3_600_000);
});
