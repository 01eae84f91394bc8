import { describe, expect, it } from 'vitest';
import { StringBudget } from '../../src/formats/cursor.js';
import {
  isUnityFs,
  looksLikeSerializedFile,
  readSerializedObjects,
  readUnityFs,
  stringRuns,
  unityTexts,
} from '../../src/formats/unity.js';
import { CandorError } from '../../src/io/errors.js';
import { DEFAULT_LIMITS } from '../../src/io/limits.js';
import { gameLists } from '../fixtures/game-lists.js';
import { buildSerializedFile, buildUnityBundle, type UnityObjectSpec } from '../fixtures/unity-builder.js';
import { first } from '../defined.js';

const LISTS = gameLists((p) => /sharedassets|bin\/Data\/|\.assetbundle$|\.unity3d$/.test(p));
const OPTS = { maxStrings: DEFAULT_LIMITS.assets.maxStrings, maxOutput: DEFAULT_LIMITS.assets.maxOutputBytes };

function objectsFor(lines: string[], bytes: Buffer): UnityObjectSpec[] {
  return [
    { kind: 'text-asset', name: 'wordfilter', script: bytes },
    { kind: 'string-array', name: 'BadWords', strings: lines },
  ];
}

const bodyOf = (b: Buffer) => b.toString('utf8').replace(/^\uFEFF/, '');

describe('Unity serialized files and UnityFS bundles holding the real game lists', () => {
  it('has the Unity-named game lists to test on', () => {
    expect(LISTS.length).toBeGreaterThanOrEqual(14);
  });

  for (const version of [15, 17, 21, 22]) {
    it(`reads the TextAsset and the string array of a version ${version} serialized file`, () => {
      for (const list of LISTS) {
        const sf = buildSerializedFile(version, objectsFor(list.lines, list.bytes));
        expect(looksLikeSerializedFile(sf)).toBe(true);
        const table = readSerializedObjects(sf);
        expect(table.objects.map((o) => o.classId)).toEqual([49, 114]);
        const r = unityTexts(sf, OPTS);
        expect(r.problems).toEqual([]);
        const asset = r.texts.find((t) => t.where.includes('TextAsset "wordfilter"'));
        expect(asset?.text).toBe(bodyOf(list.bytes));
        const arrays = r.texts.filter((t) => t.entries);
        expect(arrays.flatMap((t) => t.entries!)).toEqual(list.lines);
      }
    });
  }

  for (const [name, bundle] of [
    ['LZ4HC blocks, info after the header', { compression: 3, blockSize: 128 * 1024, atEnd: false }],
    ['LZ4 blocks of 4 KiB', { compression: 2, blockSize: 4096, atEnd: false }],
    ['LZMA, info at the end', { compression: 1, blockSize: 1 << 30, atEnd: true }],
    ['stored', { compression: 0, blockSize: 1 << 20, atEnd: false }],
  ] as const) {
    it(`opens a bundle with ${name} and finds the lists in its node`, () => {
      for (const list of LISTS) {
        const b = buildUnityBundle(22, objectsFor(list.lines, list.bytes), bundle);
        expect(isUnityFs(b)).toBe(true);
        const { nodes } = readUnityFs(b, OPTS.maxOutput);
        expect(nodes.map((n) => n.path)).toEqual(['CAB-0123456789abcdef', 'CAB-0123456789abcdef.resS']);
        const r = unityTexts(b, OPTS);
        expect(r.problems).toEqual([]);
        expect(r.texts.find((t) => t.where === 'CAB-0123456789abcdef: TextAsset "wordfilter"')?.text).toBe(
          bodyOf(list.bytes),
        );
        expect(r.texts.filter((t) => t.entries).flatMap((t) => t.entries!)).toEqual(list.lines);
      }
    });
  }

  it('finds a TextAsset body in a piece of a split file whose header is in another piece', () => {
    const list = first(LISTS);
    const sf = buildSerializedFile(17, objectsFor(list.lines, list.bytes));
    const piece = sf.subarray(sf.indexOf(Buffer.from('wordfilter')) - 4);
    expect(looksLikeSerializedFile(piece)).toBe(false);
    const r = unityTexts(piece, OPTS);
    expect(r.texts.some((t) => t.text === bodyOf(list.bytes))).toBe(true);
  });
});

describe('damaged Unity data', () => {
  const list = first(gameLists((p) => /sharedassets/.test(p)));
  const b = buildUnityBundle(22, objectsFor(list.lines.slice(0, 50), list.bytes.subarray(0, 2000)), {
    compression: 3,
    blockSize: 1024,
    atEnd: false,
  });

  it('reports truncated and corrupted bundles as typed problems, never a crash', () => {
    for (let cut = 9; cut < b.length; cut += 97) {
      const r = unityTexts(b.subarray(0, cut), OPTS);
      expect(r.problems.length, `cut at ${cut}`).toBeGreaterThan(0);
    }
    const bad = Buffer.from(b);
    bad.fill(0xff, 60, 90);
    expect(() => readUnityFs(bad, OPTS.maxOutput)).toThrow(CandorError);
  });

  it('refuses a bundle whose blocks would expand past the output limit', () => {
    expect(() => readUnityFs(b, 1000)).toThrow(/limit|exceeds/);
  });

  it('stops collecting strings at the limit', () => {
    const budget = new StringBudget(10, 'unity');
    const sf = buildSerializedFile(17, objectsFor(list.lines, Buffer.from('x')));
    stringRuns(sf, 0, sf.length, budget);
    expect(budget.truncated).toBe(true);
  });
});
