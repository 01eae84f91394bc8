import type { Target } from './fuzz-targets.js';

/**
 * Deterministic mutations for bench/fuzz.ts: byte-level (bit flips, interesting bytes and 32-bit values,
 * truncation, chunk duplication and removal) and, for JSON seeds, a value replaced by one of another
 * type. Changing this file changes which input a (seed, number) pair names: the regression list in
 * test/scan/fuzz-regressions.test.ts must then be found again.
 */

/** xorshift32: the same number gives the same mutation, in the worker and here. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

const INTERESTING_U32 = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff0];
const JSON_VALUES: unknown[] = [
  null,
  0,
  -1,
  1e308,
  '',
  [],
  {},
  true,
  'x'.repeat(70000),
  [[[]]],
  { a: null },
  '::ffff:1.2.3.4',
  'not a url',
];

function mutateBytes(seed: Buffer, r: () => number): Buffer {
  let b = Buffer.from(seed);
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n && b.length > 0; k++) {
    const at = Math.floor(r() * b.length);
    switch (Math.floor(r() * 7)) {
      case 0:
        b.writeUInt8(b.readUInt8(at) ^ (1 << Math.floor(r() * 8)), at);
        break;
      case 1:
        b[at] = [0, 1, 0x7f, 0x80, 0xff][Math.floor(r() * 5)] as number;
        break;
      case 2:
        if (at + 4 <= b.length)
          b.writeUInt32LE((INTERESTING_U32[Math.floor(r() * INTERESTING_U32.length)] as number) >>> 0, at);
        break;
      case 3:
        if (at + 4 <= b.length) b.writeUInt32LE(Math.floor(r() * b.length * 2) >>> 0, at);
        break;
      case 4:
        b = b.subarray(0, at);
        break;
      case 5: {
        const len = Math.min(b.length - at, 1 + Math.floor(r() * 256));
        b = Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]);
        break;
      }
      default: {
        const len = Math.min(b.length - at, 1 + Math.floor(r() * 256));
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
      }
    }
  }
  return b;
}

const parsedJson = new Map<Buffer, unknown>();

function mutateJson(seed: Buffer, r: () => number): Buffer {
  let doc = parsedJson.get(seed);
  if (doc === undefined) parsedJson.set(seed, (doc = JSON.parse(seed.toString('utf8'))));
  const copy = structuredClone(doc) as Record<string, unknown>;
  for (let k = 0; k < 1 + Math.floor(r() * 3); k++) {
    let node: unknown = copy;
    let parent: Record<string, unknown> | unknown[] | null = null;
    let key: string | number = '';
    for (let depth = 0; depth < 8 && node !== null && typeof node === 'object'; depth++) {
      const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
      if (keys.length === 0 || (depth > 1 && r() < 0.25)) break;
      parent = node as Record<string, unknown>;
      key = keys[Math.floor(r() * keys.length)] as string | number;
      node = (node as Record<string, unknown>)[key as string];
    }
    if (parent) parent[key as string] = structuredClone(JSON_VALUES[Math.floor(r() * JSON_VALUES.length)]);
  }
  return Buffer.from(JSON.stringify(copy));
}

/** Input number `i` of a run with base seed `base`: the same numbers give the same bytes, always. */
export function fuzzInput(target: Target, seeds: Buffer[], base: number, i: number): Buffer {
  const r = rng(base ^ Math.imul(i + 1, 0x85ebca6b));
  const seed = seeds[Math.floor(r() * seeds.length)] as Buffer;
  return target.json && r() < 0.7 ? mutateJson(seed, r) : mutateBytes(seed, r);
}
