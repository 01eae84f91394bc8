import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPe, readDotnetStrings, type HeapString } from '../../src/formats/dotnet.js';
import { CandorError } from '../../src/io/errors.js';
import { DEFAULT_LIMITS } from '../../src/io/limits.js';
import { distinct, gameLists } from '../fixtures/game-lists.js';
import { buildNativeLib } from '../fixtures/native-lib.js';
import { requireTool, run, tempDir } from '../helpers.js';

/** Unity games compile their C# into Assembly-CSharp.dll: the Unity-shipped lists, as a C# string[]. */
const LISTS = gameLists((p) => /sharedassets|bin\/Data\/|\.assetbundle$|\.unity3d$|\.bytes$/.test(p));
const MAX = DEFAULT_LIMITS.assets.maxStrings;

function csharp(lines: string[]): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this pattern finds
  const escaped = /[\x00-\x1f\u2028\u2029\u0085]/g;
  const q = (s: string) =>
    '"' +
    s
      .replace(/\\/g, '\\\\')
      .replace(/"/g, '\\"')
      .replace(escaped, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) +
    '"';
  return (
    `public static class WordFilter {\n  public static readonly string[] Words = {\n` +
    `${lines.map((l) => `    ${q(l)},`).join('\n')}\n  };\n` +
    '  public static bool Check(string s) { foreach (var w in Words) if (s.Contains(w)) return true; ' +
    'return false; }\n' +
    '}\n'
  );
}

/** Heap entries as monodis prints them: quoted ASCII, or the UTF-16LE bytes plus the flag byte. */
function monodisHeap(flag: '--userstrings' | '--strings', dll: string): HeapString[] | null {
  const out: HeapString[] = [];
  const r = spawnSync(requireTool('monodis'), [flag, dll], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  // monodis 6.8 crashes (SIGSEGV) printing some very long user strings; those files are compared to the list only.
  if (r.status !== 0) return null;
  const lines = r.stdout.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const q = /^([0-9a-f]+): "(.*)"$/.exec(line);
    if (q) {
      const [, index = '', text = ''] = q;
      if (text !== '') out.push({ index: parseInt(index, 16), text: text.replace(/\\(["\\])/g, '$1') });
      continue;
    }
    const b = /^([0-9a-f]+): bytearray \($/.exec(line);
    if (!b) continue;
    const hex: string[] = [];
    for (i++; i < lines.length; i++) {
      const part = (lines[i] ?? '').split('//')[0] ?? '';
      hex.push(...(part.match(/\b[0-9a-f]{2}\b/g) ?? []));
      if (part.includes(')')) break;
    }
    const bytes = Buffer.from(hex.join(''), 'hex');
    out.push({ index: parseInt(b[1] ?? '', 16), text: bytes.subarray(0, bytes.length & ~1).toString('utf16le') });
  }
  return out;
}

describe('.NET assemblies compiled by mcs from the real game lists', () => {
  it('reads #US and #Strings exactly as monodis lists them, and the list in source order', () => {
    const mcs = requireTool('mcs');
    const dir = tempDir('candor-dotnet-');
    expect(LISTS.length).toBeGreaterThanOrEqual(10);
    let compared = 0;
    for (const [i, list] of LISTS.entries()) {
      const src = join(dir, `w${i}.cs`);
      const dll = join(dir, `w${i}.dll`);
      writeFileSync(src, csharp(list.lines));
      run(mcs, ['-target:library', `-out:${dll}`, src]);
      const bytes = readFileSync(dll);
      expect(isPe(bytes)).toBe(true);
      const r = readDotnetStrings(bytes, MAX);
      expect(r.runtime).toMatch(/^v\d/);
      const us = monodisHeap('--userstrings', dll);
      if (us) {
        expect(r.userStrings).toEqual(us);
        compared++;
      }
      expect(r.strings).toEqual(monodisHeap('--strings', dll));
      expect(r.userStrings.map((s) => s.text)).toEqual(distinct(list.lines));
      expect(r.strings.map((s) => s.text)).toContain('WordFilter');
    }
    expect(compared).toBeGreaterThanOrEqual(LISTS.length / 2);
  });
});

describe('not .NET, or damaged', () => {
  it('says a native PE or an ELF is not a managed assembly, and truncation is a typed error', () => {
    expect(isPe(readFileSync(buildNativeLib(['a', 'b'])))).toBe(false);
    const dir = tempDir('candor-dotnet-bad-');
    const src = join(dir, 'x.cs');
    writeFileSync(src, csharp(['习近平', '六四', 'abc']));
    run(requireTool('mcs'), ['-target:library', `-out:${join(dir, 'x.dll')}`, src]);
    const good = readFileSync(join(dir, 'x.dll'));
    for (let cut = 0x40; cut < good.length; cut += 61) {
      try {
        readDotnetStrings(good.subarray(0, cut), MAX);
      } catch (err) {
        expect(err, `cut at ${cut}`).toBeInstanceOf(CandorError);
      }
    }
    const noCli = Buffer.from(good);
    const pe = noCli.readUInt32LE(0x3c);
    noCli.writeUInt32LE(0, pe + 24 + 96 + 14 * 8);
    expect(() => readDotnetStrings(noCli, MAX)).toThrow(/not a \.NET assembly/);
    expect(readDotnetStrings(good, 2).truncated).toBe(true);
  });
});
