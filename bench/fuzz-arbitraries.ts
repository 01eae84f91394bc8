import fc from 'fast-check';
import type { Target } from './fuzz-targets.js';

/**
 * fast-check arbitraries over a target's real seeds: a seed and a short list of edits (overwrite a byte or
 * a 32-bit word, cut, duplicate or remove a chunk). Unlike bench/fuzz-mutate.ts, fast-check shrinks a
 * failing input: fewer edits, smaller values, earlier offsets, so a crasher comes out near-minimal.
 * Offsets and lengths are fractions of the input so that shrinking keeps them inside it.
 */
type Edit =
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'u32'; at: number; value: number }
  | { kind: 'cut'; at: number }
  | { kind: 'dup' | 'drop'; at: number; len: number };

const at = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const U32 = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff0];
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('byte' as const), at, value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant('u32' as const),
    at,
    value: fc.oneof(fc.constantFrom(...U32), fc.integer({ min: 0, max: 0xffffffff })),
  }),
  fc.record({ kind: fc.constant('cut' as const), at }),
  fc.record({ kind: fc.constantFrom('dup' as const, 'drop' as const), at, len: fc.integer({ min: 1, max: 256 }) }),
);

function apply(seed: Buffer, edits: Edit[]): Buffer {
  let b = Buffer.from(seed);
  for (const e of edits) {
    if (b.length === 0) break;
    const i = Math.floor(e.at * b.length);
    if (e.kind === 'byte') b[i] = e.value;
    else if (e.kind === 'u32') {
      if (i + 4 <= b.length) b.writeUInt32LE(e.value >>> 0, i);
    } else if (e.kind === 'cut') b = b.subarray(0, i);
    else {
      const len = Math.min(b.length - i, e.len);
      b =
        e.kind === 'dup'
          ? Buffer.concat([b.subarray(0, i + len), b.subarray(i, i + len), b.subarray(i + len)])
          : Buffer.concat([b.subarray(0, i), b.subarray(i + len)]);
    }
  }
  return b;
}

/** Inputs for `target`: one of its seeds with one to six edits. */
export function inputArbitrary(seeds: Buffer[]): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 6 }))
    .map(([s, edits]) => apply(seeds[s] as Buffer, edits));
}

/** Input number `i` of a property run with base seed `base`, regenerated the same in a worker and here. */
export function propertyInput(target: Target, seeds: Buffer[], base: number, i: number): Buffer {
  void target;
  return fc.sample(inputArbitrary(seeds), { seed: (base ^ Math.imul(i + 1, 0x9e3779b1)) | 0, numRuns: 1 })[0] as Buffer;
}
