import { defineConfig } from 'vitest/config';

/**
 * Two tiers. `unit` (npm test): parsers, detectors, rules, scans and the CLI on real and built inputs.
 * `conformance` (npm run test:conformance): Candor against reference tools over whole corpora — aapt,
 * dexdump, apksigner, Exodus's matching, debugfs, fsck.erofs, simg2img, tshark, nDPI, pcapfix — slow,
 * since each input runs the other tool too. `npx vitest run` runs both.
 */
const CONFORMANCE = ['test/conformance/**/*.test.ts', 'test/firmware/readers.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: CONFORMANCE },
      },
      {
        extends: true,
        // One reference-tool run per corpus file (apksigner alone: ~340 JVM starts) outlasts the unit timeout.
        test: { name: 'conformance', include: CONFORMANCE, testTimeout: 1_200_000 },
      },
    ],
  },
});
