import { defineConfig } from 'vitest/config';

/**
 * Three tiers; `npm run test:all` (what `.ci/run` and the README run) runs them all.
 * - `unit` (npm test): parsers, decoders, detectors and their rule tables, one-file scans — fast, for the
 *   edit-test loop.
 * - `integration` (npm run test:integration): whole scans of real corpora and firmware images, the CLI as
 *   a process, the stored report and its schema, bombs and hostile inputs, the real-data floors of the
 *   list classifier and the evaluation harness — each file runs many full scans.
 * - `conformance` (npm run test:conformance): Candor against reference tools over whole corpora — aapt,
 *   dexdump, apksigner, Exodus's matching, debugfs, fsck.erofs, simg2img, tshark, nDPI, pcapfix — slow,
 *   since each input runs the other tool too.
 */
const CONFORMANCE = ['test/conformance/**/*.test.ts', 'test/firmware/readers.test.ts'];
const INTEGRATION = [
  'test/cli.test.ts',
  'test/code/censorship-corpus.test.ts',
  'test/code/real-vendor.test.ts',
  'test/capture.test.ts',
  'test/decode.test.ts',
  'test/eval.test.ts',
  'test/eval-real.test.ts',
  'test/iocs.test.ts',
  'test/lexicon-real.test.ts',
  'test/schema.test.ts',
  'test/yara.test.ts',
  'test/firmware/scan.test.ts',
  'test/firmware/bad-input.test.ts',
  'test/scan/bad-input.test.ts',
  'test/scan/cache-freshness.test.ts',
  'test/scan/hostile.test.ts',
  'test/scan/store-report.test.ts',
  'test/scan/truncation.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...CONFORMANCE, ...INTEGRATION],
        },
      },
      { extends: true, test: { name: 'integration', include: INTEGRATION } },
      {
        extends: true,
        // One reference-tool run per corpus file (apksigner alone: ~340 JVM starts) outlasts the unit timeout.
        test: { name: 'conformance', include: CONFORMANCE, testTimeout: 1_200_000 },
      },
    ],
  },
});
