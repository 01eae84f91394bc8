import { describe, expect, it } from 'vitest';
import { fuzzInput } from '../../bench/fuzz-mutate.js';
import { TARGETS } from '../../bench/fuzz-targets.js';
import { DexFile } from '../../src/formats/dex.js';
import { CandorError } from '../../src/io/errors.js';
import { DEFAULT_LIMITS } from '../../src/io/limits.js';

/**
 * Every input the fuzzer (`npm run fuzz`) found to crash or hang Candor, replayed. An input is named by
 * its target, the run's base seed and its number, and regenerated from the same corpus seeds, so no
 * derived corpus bytes are kept in the repository. Each must now end normally or as a CandorError.
 */
const FOUND: Array<{ target: string; base: number; inputs: number[]; was: string }> = [
  {
    target: 'har',
    base: 7,
    inputs: [1, 85, 1682],
    was: 'TypeError on serverIPAddress, headers and content.text of the wrong type',
  },
  {
    target: 'axml',
    base: 7,
    inputs: [377, 732, 8131, 12094, 104451],
    was: 'RangeError: negative typed-array length (chunk header larger than its chunk)',
  },
  {
    target: 'capture',
    base: 7,
    inputs: [937, 1437, 1969, 3554],
    was: "RangeError: Invalid time value (pcapng timestamp outside Date's range)",
  },
  { target: 'signing', base: 7, inputs: [10628, 11295], was: 'X509Certificate refuses the certificate' },
  { target: 'dex', base: 7, inputs: [10, 21], was: 'hang: class data and code items decoded again and again' },
];

describe('fuzz regressions', () => {
  for (const { target, base, inputs, was } of FOUND) {
    it(`${target}: ${was}`, () => {
      const t = TARGETS.find((x) => x.name === target);
      if (!t) throw new Error(`no fuzz target ${target}`);
      // These inputs were found before small seeds were added: their numbers count over the old list.
      const seeds = (t.legacySeeds ?? t.seeds)();
      expect(seeds.length).toBeGreaterThan(0);
      for (const i of inputs) {
        let error: unknown = null;
        try {
          t.run(fuzzInput(t, seeds, base, i));
        } catch (err) {
          error = err;
        }
        if (error !== null) expect(error, `${target} #${i}: ${String(error)}`).toBeInstanceOf(CandorError);
        if (target === 'dex' && error === null) {
          // The hang's cause, asserted as work rather than time: each code item once, and no more
          // instructions than the file holds.
          const dex = new DexFile(fuzzInput(t, seeds, base, i), DEFAULT_LIMITS);
          const { bodies } = dex.xrefs();
          expect(new Set(bodies.map((b) => b.codeOff)).size).toBe(bodies.length);
          expect(dex.members().reduce((n, m) => n + m.methods.length, 0)).toBeLessThanOrEqual(dex.buf.length / 3);
        }
      }
    }, 60_000);
  }
});
