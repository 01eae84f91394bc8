import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inputArbitrary } from '../../bench/fuzz-arbitraries.js';
import { TARGETS, crashOf } from '../../bench/fuzz-targets.js';

/**
 * Property-based fuzzing with fast-check, one property per fuzz target (every parser and the whole
 * analysis of one file): for real seeds with a few edits, the target ends normally or with a CandorError,
 * never another error or an `internal/*` diagnostic. A fixed seed keeps the run repeatable; on failure
 * fast-check shrinks the input and prints the edits. Longer runs: `npm run fuzz -- --engine property`.
 */
const RUNS: Record<string, number> = { 'analyze-file': 50, decode: 120, dex: 200, har: 150, capture: 150 };

describe('fuzz properties (fast-check)', () => {
  for (const target of TARGETS) {
    it(`${target.name}: no untyped error on edited real seeds`, () => {
      const seeds = target.seeds();
      expect(seeds.length, `${target.name} has seeds`).toBeGreaterThan(0);
      fc.assert(
        fc.property(inputArbitrary(seeds), (b) => {
          const crash = crashOf(target, b);
          if (crash !== null) throw new Error(crash);
        }),
        { seed: 1313, numRuns: RUNS[target.name] ?? 300 },
      );
    }, 120_000);
  }
});
