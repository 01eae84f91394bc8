import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLuaBytecode, luaSourceStrings, readLuaBytecode } from '../../src/formats/lua.js';
import { CandorError } from '../../src/io/errors.js';
import { DEFAULT_LIMITS } from '../../src/io/limits.js';
import { distinct, gameLists } from '../fixtures/game-lists.js';
import { requireTool, run, tempDir } from '../helpers.js';
import { readFileSync } from 'node:fs';
import { defined, first } from '../defined.js';

const LISTS = gameLists((p) => /\.luac?$/.test(p));
const PUC = ['5.1', '5.2', '5.3', '5.4'];
const MAX = DEFAULT_LIMITS.assets.maxStrings;

/** Runs a chunk with the real interpreter and prints the table it returns, NUL-separated. */
function loadWith(interpreter: string, chunk: string): string[] {
  const driver = join(tempDir('candor-luadrv-'), 'dump.lua');
  writeFileSync(driver, 'for _, w in ipairs(dofile(arg[1])) do io.write(w, "\\0") end\n');
  return run(interpreter, [driver, chunk]).split('\0').slice(0, -1);
}

/** Lua source that returns the list as a table, written the way the games' config scripts are. */
function luaTable(lines: string[]): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this pattern finds
  const control = /[\x00-\x1f]/g;
  const quote = (s: string) =>
    '"' +
    s
      .replace(/\\/g, '\\\\')
      .replace(/"/g, '\\"')
      .replace(control, (c) => `\\${c.charCodeAt(0)}`) +
    '"';
  return (
    `-- generated from a real list\nlocal words = {\n${lines.map((l) => `  ${quote(l)},`).join('\n')}\n}\n` +
    'local function count() return #words, "count" end\nreturn words\n'
  );
}

/** Constants of every function as `luac -l -l` lists them (its \ddd escapes turned back into bytes). */
function luacListing(luac: string, file: string): string[][] {
  const out: string[][] = [];
  let current: string[] | null = null;
  for (const line of run(luac, ['-l', '-l', '-o', `${file}.relisted`, file]).split('\n')) {
    if (/^constants \(\d+\) for /.test(line)) {
      current = [];
      out.push(current);
      continue;
    }
    if (!current) continue;
    const m = /^\t\d+\t(?:S\t)?"(.*)"$/.exec(line);
    if (m?.[1] !== undefined) current.push(unescapeC(m[1]));
    else if (!/^\t\d+\t/.test(line)) current = null;
  }
  return out;
}

function unescapeC(s: string): string {
  const bytes: number[] = [];
  const map: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '\\': 92, '"': 34 };
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '\\') {
      bytes.push(...Buffer.from(s.charAt(i)));
      continue;
    }
    const d = /^\d{1,3}/.exec(s.slice(i + 1, i + 4));
    if (d) {
      bytes.push(Number(d[0]));
      i += d[0].length;
    } else bytes.push(map[s.charAt(++i)] ?? s.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

describe('compiled Lua: real game lists compiled by luac 5.1-5.4 and LuaJIT', () => {
  const dir = tempDir('candor-lua-');
  it('has the Lua-named game lists to test on', () => {
    expect(LISTS.length).toBeGreaterThanOrEqual(10);
  });

  for (const v of PUC) {
    it(`reads every function's string constants in order, as luac${v} -l -l lists them`, () => {
      const luac = requireTool(`luac${v}`);
      for (const [i, list] of LISTS.entries()) {
        const src = join(dir, `l${i}.lua`);
        const out = join(dir, `l${i}-${v}.luac`);
        writeFileSync(src, luaTable(list.lines));
        run(luac, ['-o', out, src]);
        const bytes = readFileSync(out);
        expect(isLuaBytecode(bytes)).toBe(true);
        const chunk = readLuaBytecode(bytes, MAX);
        expect(chunk.version).toBe(v);
        expect(chunk.functions.map((f) => f.strings)).toEqual(luacListing(luac, out));
        // And the list itself, independently of luac's listing: each distinct line once, in file order.
        expect(first(chunk.functions).strings).toEqual(distinct(list.lines));
        expect(defined(chunk.functions[1], 'a second function').strings).toEqual(['count']);
      }
    });
  }

  for (const mode of [['-b'], ['-bs'], ['-bg']]) {
    it(`reads LuaJIT ${mode[0]} bytecode: the template table holds the list, as LuaJIT itself loads it`, () => {
      const luajit = requireTool('luajit');
      for (const [i, list] of LISTS.entries()) {
        const src = join(dir, `j${i}.lua`);
        const out = join(dir, `j${i}${mode[0]}.ljbc`);
        writeFileSync(src, luaTable(list.lines));
        run(luajit, [...mode, src, out]);
        const chunk = readLuaBytecode(readFileSync(out), MAX);
        expect(chunk.version).toBe('luajit');
        const loaded = loadWith(luajit, out);
        expect(loaded).toEqual(list.lines);
        const main = defined(chunk.functions.at(-1), 'the main function');
        expect(main.strings).toEqual(loaded);
        expect(first(chunk.functions).strings).toEqual(['count']);
      }
    });
  }
});

describe('Lua source', () => {
  it('groups the string literals of each table constructor, decoded as lua5.4 decodes them', () => {
    const lua = requireTool('lua5.4');
    const dir = tempDir('candor-luasrc-');
    for (const [i, list] of LISTS.entries()) {
      const src = join(dir, `s${i}.lua`);
      const text = luaTable(list.lines);
      writeFileSync(src, text);
      const loaded = loadWith(lua, src);
      const { groups } = luaSourceStrings(text, MAX);
      expect(groups[0]).toEqual(loaded);
      expect(groups[0]).toEqual(list.lines);
    }
  });

  it('reads long strings, escapes and skips comments', () => {
    const text =
      '--[==[ {"not", "this"} ]==]\nlocal a = [[\n习近平\n六四\n]] -- "nor this"\n' +
      'local t = { "\\228\\185\\160", \'\\x41\\u{4E2D}\', "a\\z\n   b" }';
    const { groups } = luaSourceStrings(text, MAX);
    expect(groups).toEqual([['习近平\n六四\n'], ['习', 'A中', 'ab']]);
  });

  it('stops at the string limit and says so', () => {
    const r = luaSourceStrings('{ "a", "b", "c", "d" }', 2);
    expect(r.truncated).toBe(true);
    expect(r.groups.flat()).toEqual(['a', 'b']);
  });
});

describe('damaged bytecode', () => {
  it('turns truncation, bad headers and impossible counts into typed errors', () => {
    const dir = tempDir('candor-luabad-');
    const src = join(dir, 'x.lua');
    writeFileSync(src, luaTable(['a', 'b', 'c']));
    for (const v of PUC) {
      const out = join(dir, `x${v}.luac`);
      run(requireTool(`luac${v}`), ['-o', out, src]);
      const good = readFileSync(out);
      for (let cut = 5; cut < good.length; cut += 7) {
        expect(() => readLuaBytecode(good.subarray(0, cut), MAX), `${v} cut at ${cut}`).toThrow(CandorError);
      }
      const bad = Buffer.from(good);
      bad[5] = 7; // format byte
      expect(() => readLuaBytecode(bad, MAX)).toThrow(/format/);
    }
    expect(() => readLuaBytecode(Buffer.from('\x1bLua\x60\x00'), MAX)).toThrow(/5\.1-5\.4/);
    // A LuaJIT prototype claiming more constants than it has bytes.
    const lj = Buffer.from([0x1b, 0x4c, 0x4a, 2, 2, 9, 0, 0, 0, 0, 0xff, 0xff, 0x03, 0, 0, 0]);
    expect(() => readLuaBytecode(lj, MAX)).toThrow(CandorError);
  });
});
