import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { propertyInput } from '../../bench/fuzz-arbitraries.js';
import { fuzzInput } from '../../bench/fuzz-mutate.js';
import { TARGETS, crashOf, regressionInputs } from '../../bench/fuzz-targets.js';
import { DexFile } from '../../src/formats/dex.js';
import { CandorError } from '../../src/io/errors.js';
import { DEFAULT_LIMITS } from '../../src/io/limits.js';

/**
 * Every input the fuzzer (`npm run fuzz`) found to crash or hang Candor, replayed. An input is named by
 * its target, the run's base seed and its number, and regenerated from the same corpus seeds, so no
 * derived corpus bytes are kept in the repository. Each must now end normally or as a CandorError.
 */
interface Found {
  target: string;
  engine?: 'property';
  /** Found before the small seeds were added: numbered over the target's legacySeeds. */
  legacy?: true;
  base: number;
  inputs: number[];
  was: string;
}
const FOUND: Found[] = [
  {
    target: 'har',
    legacy: true,
    base: 7,
    inputs: [1, 85, 1682],
    was: 'TypeError on serverIPAddress, headers and content.text of the wrong type',
  },
  {
    target: 'axml',
    legacy: true,
    base: 7,
    inputs: [377, 732, 8131, 12094, 104451],
    was: 'RangeError: negative typed-array length (chunk header larger than its chunk)',
  },
  {
    target: 'capture',
    legacy: true,
    base: 7,
    inputs: [937, 1437, 1969, 3554],
    was: "RangeError: Invalid time value (pcapng timestamp outside Date's range)",
  },
  { target: 'signing', legacy: true, base: 7, inputs: [10628, 11295], was: 'X509Certificate refuses the certificate' },
  {
    target: 'dex',
    legacy: true,
    base: 7,
    inputs: [10, 21],
    was: 'hang: class data and code items decoded again and again',
  },
];

const KEPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'fuzz-crashers');

describe('fuzz regressions', () => {
  for (const t of TARGETS) {
    const kept = regressionInputs(KEPT, t.name);
    if (kept.length === 0) continue;
    it(`${t.name}: the ${kept.length} crashers kept as bytes (test/fixtures/fuzz-crashers)`, () => {
      for (const b of kept) expect(crashOf(t, b)).toBeNull();
    }, 60_000);
  }

  for (const { target, engine, legacy, base, inputs, was } of FOUND) {
    const input = engine === 'property' ? propertyInput : fuzzInput;
    it(`${target}: ${was}`, () => {
      const t = TARGETS.find((x) => x.name === target);
      if (!t) throw new Error(`no fuzz target ${target}`);
      // These inputs were found before small seeds were added: their numbers count over the old list.
      const seeds = (legacy && t.legacySeeds ? t.legacySeeds : t.seeds)();
      expect(seeds.length).toBeGreaterThan(0);
      for (const i of inputs) {
        let error: unknown = null;
        try {
          t.run(input(t, seeds, base, i));
        } catch (err) {
          error = err;
        }
        if (error !== null) {
          const what = error instanceof Error ? `${error.name}: ${error.message}` : JSON.stringify(error);
          expect(error, `${target} #${i}: ${what}`).toBeInstanceOf(CandorError);
        }
        if (target === 'dex' && error === null) {
          // The hang's cause, asserted as work rather than time: each code item once, and no more
          // instructions than the file holds.
          const dex = new DexFile(input(t, seeds, base, i), DEFAULT_LIMITS);
          const { bodies } = dex.xrefs();
          expect(new Set(bodies.map((b) => b.codeOff)).size).toBe(bodies.length);
          expect(dex.members().reduce((n, m) => n + m.methods.length, 0)).toBeLessThanOrEqual(dex.buf.length / 3);
        }
      }
    }, 60_000);
  }
});
