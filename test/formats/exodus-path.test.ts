import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DexFile } from '../../src/formats/dex.js';
import { exodusPath } from '../../src/formats/dex-queries.js';
import { DEFAULT_LIMITS } from '../../src/io/limits.js';
import { androguardFiles } from '../helpers.js';

/** Exodus Privacy's own pattern; exodusPath must give what it gives, without its backtracking. */
const EXODUS = /[A-Z]+((?:\w+\/)+\w+)/;
const viaRegex = (s: string) => EXODUS.exec(s)?.[1] ?? null;

describe('exodusPath', () => {
  it('agrees with the Exodus regex on every type and proto descriptor of real DEX files', () => {
    const dexes = androguardFiles('.dex').slice(0, 20);
    expect(dexes.length).toBeGreaterThan(5);
    let checked = 0;
    for (const p of dexes) {
      const dex = new DexFile(readFileSync(p), DEFAULT_LIMITS);
      for (let t = 0; t < dex.typeCount; t++) {
        const d = dex.typeDescriptor(t);
        if (d === null) continue;
        expect(exodusPath(d), d).toBe(viaRegex(d));
        checked++;
      }
      for (let q = 0; q < dex.protoCount; q++) {
        const d = dex.protoDescriptor(q);
        expect(exodusPath(d), d).toBe(viaRegex(d));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('agrees with the regex on short strings of the characters that matter (property)', () => {
    const chars = fc.constantFrom('A', 'B', 'a', 'z', '0', '_', '/', ';', '(', ')', 'L', '$', 'é');
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 14 }), (s) => exodusPath(s) === viaRegex(s)),
      { seed: 13, numRuns: 20_000 },
    );
  });

  it('returns at once on a long run of capitals without a slash (the regex backtracks for minutes)', () => {
    expect(exodusPath(`L${'A'.repeat(200_000)};`)).toBeNull();
    expect(exodusPath(`L${'A'.repeat(200_000)}/b;`)).toBe(`${'A'}/b`);
  });
});
