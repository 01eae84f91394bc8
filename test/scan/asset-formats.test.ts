import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DETECTORS } from '../../src/detectors/index.js';
import { analyzeFile } from '../../src/scan/analyze.js';
import type { TextBlob } from '../../src/scan/apk-model.js';
import { splitList } from '../../src/lexicon/list-structure.js';
import { deriveApk } from '../fixtures/apk-builder.js';
import { gameLists } from '../fixtures/game-lists.js';
import { buildSerializedFile, buildUnityBundle } from '../fixtures/unity-builder.js';
import { analyzeContext, corpusFile, pythonZip, requireTool, run, tempDir } from '../helpers.js';
import { first } from '../defined.js';

/**
 * Every asset reader, end to end: a real game list in its shipped format, inside an APK derived from a
 * real one, must come out of the scan as a text blob holding the list's entries.
 */

const list = first(gameLists((p) => p.endsWith('cfg_blockingWords.lua')));
const BASE = corpusFile('urzip.apk');
const dir = tempDir('candor-assetfmt-');
let n = 0;

/** The blobs the keyword-list detector was given, captured by wrapping the real runner. */
function blobsOf(entries: Record<string, Buffer>): { blobs: TextBlob[]; diagnostics: string[]; findings: string[] } {
  const apk = deriveApk({ base: BASE, out: join(dir, `a${n++}.apk`), entries });
  const seen: TextBlob[] = [];
  const keywordList = DETECTORS.find((d) => d.meta.id === 'censorship/keyword-list')!;
  const original = keywordList.detect.bind(keywordList);
  (keywordList as { detect: unknown }).detect = (b: TextBlob, c: never) => {
    seen.push(b);
    return (original as (b: TextBlob, c: never) => never[])(b, c);
  };
  try {
    const r = analyzeFile(apk, apk, analyzeContext());
    return {
      blobs: seen,
      diagnostics: r.diagnostics.map((d) => d.code),
      findings: r.findings.filter((f) => f.detectorId === 'censorship/keyword-list').map((f) => f.location.path),
    };
  } finally {
    (keywordList as { detect: unknown }).detect = original;
  }
}

const entriesOf = (b: TextBlob) => b.entries ?? splitList(b.text)?.entries ?? [];
const holdsList = (b: TextBlob) => {
  const got = new Set(entriesOf(b));
  return list.lines.every((l) => got.has(l) || got.has(l.trim()));
};

function luaTable(lines: string[]): string {
  const q = (s: string) => '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
  return `local M = {}\nM.words = {\n${lines.map((l) => `  ${q(l)},`).join('\n')}\n}\nreturn M\n`;
}

describe('asset formats inside an APK', () => {
  it('compiled Lua (luac 5.1, LuaJIT): the function building the table is one blob, chain names the compiler', () => {
    const src = join(dir, 'w.lua');
    writeFileSync(src, luaTable(list.lines));
    run(requireTool('luac5.1'), ['-o', join(dir, 'w51.luac'), src]);
    run(requireTool('luajit'), ['-b', src, join(dir, 'wjit.luac')]);
    const r = blobsOf({
      'assets/src/config/words.luac': readFileSync(join(dir, 'w51.luac')),
      'assets/src/config/jit.luac': readFileSync(join(dir, 'wjit.luac')),
    });
    const lua51 = r.blobs.find((b) => b.location.path.endsWith('words.luac') && holdsList(b));
    expect(lua51?.encodings).toEqual(['luac-5.1']);
    expect(lua51?.location.method).toBe('main');
    const jit = r.blobs.find((b) => b.location.path.endsWith('jit.luac') && holdsList(b));
    expect(jit?.encodings).toEqual(['luajit']);
    expect(r.findings.some((p) => p.endsWith('words.luac'))).toBe(true);
  });

  it('Lua source: the table literal, not the raw lines of code', () => {
    const r = blobsOf({ 'assets/src/config/words.lua': Buffer.from(luaTable(list.lines)) });
    const b = r.blobs.filter((x) => x.location.path.endsWith('words.lua'));
    expect(b.length).toBe(1);
    expect(first(b).encodings).toEqual(['lua-source']);
    expect(first(b).entries).toEqual(list.lines);
  });

  it('Unity: a LZ4HC bundle, a hash-named serialized file, and split pieces joined in numeric order', () => {
    const objects = [{ kind: 'text-asset' as const, name: 'wordfilter', script: list.bytes }];
    const bundle = buildUnityBundle(22, objects, { compression: 3, blockSize: 65536, atEnd: false });
    const sf = buildSerializedFile(17, [{ kind: 'string-array', name: 'Filter', strings: list.lines }]);
    const split = buildSerializedFile(15, objects);
    const third = Math.ceil(split.length / 3);
    const r = blobsOf({
      'assets/Text/WordFilter.assetbundle': bundle,
      'assets/bin/Data/0123456789abcdef0123456789abcdef': sf,
      // Stored out of order: the reader must sort by the piece number, not by zip order.
      'assets/bin/Data/sharedassets1.assets.split2': split.subarray(2 * third),
      'assets/bin/Data/sharedassets1.assets.split0': split.subarray(0, third),
      'assets/bin/Data/sharedassets1.assets.split1': split.subarray(third, 2 * third),
    });
    const fromBundle = r.blobs.find((b) => b.location.path.endsWith('WordFilter.assetbundle') && holdsList(b));
    expect(fromBundle?.encodings).toEqual(['unityfs']);
    expect(fromBundle?.location.entry).toBe('CAB-0123456789abcdef: TextAsset "wordfilter"');
    expect(r.blobs.find((b) => b.location.path.endsWith('0123456789abcdef') && holdsList(b))?.encodings).toEqual([
      'unity-serialized',
    ]);
    const joined = r.blobs.find(
      (b) => b.location.path.endsWith('!/assets/bin/Data/sharedassets1.assets') && holdsList(b),
    );
    expect(joined?.encodings).toEqual(['unity-split', 'unity-serialized']);
    expect(joined?.location.entry).toBe('TextAsset "wordfilter"');
  });

  it('a .NET assembly, an SQLite table, an XML config with attribute values, and a zip inside the assets', () => {
    const cs = join(dir, 'w.cs');
    const q = (s: string) => '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
    writeFileSync(
      cs,
      `public static class F { public static readonly string[] W = {\n${list.lines.map(q).join(',\n')}\n}; }\n`,
    );
    run(requireTool('mcs'), ['-target:library', `-out:${join(dir, 'Assembly-CSharp.dll')}`, cs]);
    const db = join(dir, 'w.db');
    run(
      '/usr/bin/python3',
      [
        '-c',
        [
          'import json,sqlite3,sys',
          'd=sqlite3.connect(sys.argv[1])',
          'd.execute("create table kw(id integer primary key, word text)")',
          'd.executemany("insert into kw(word) values (?)", [(l,) for l in json.loads(sys.stdin.read())])',
          'd.commit()',
        ].join('\n'),
        db,
      ],
      { input: JSON.stringify(list.lines) },
    );
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
    const words = list.lines.map((l) => `  <word value="${esc(l)}" level="1"/>`).join('\n');
    const xml = `<?xml version="1.0" encoding="utf-8"?>\n<dirtyword>\n${words}\n</dirtyword>\n`;
    const zip = join(dir, 'pack.zip');
    pythonZip(zip, [{ name: 'cfg/badword.txt', data: list.lines.join('\n') }]);
    const r = blobsOf({
      'assets/bin/Data/Managed/Assembly-CSharp.dll': readFileSync(join(dir, 'Assembly-CSharp.dll')),
      'assets/data/words.db': readFileSync(db),
      'assets/android/dirtywordconfig.xml': Buffer.from(xml),
      'assets/res/pack.dat': readFileSync(zip),
    });
    expect(r.blobs.find((b) => b.location.path.endsWith('Assembly-CSharp.dll') && holdsList(b))?.encodings).toEqual([
      'dotnet-us',
    ]);
    expect(r.blobs.find((b) => b.location.path.endsWith('words.db') && holdsList(b))?.location.entry).toBe('kw.word');
    const x = r.blobs.find((b) => b.location.path.endsWith('dirtywordconfig.xml') && holdsList(b));
    expect(x?.location.entry).toBe('word@value');
    const z = r.blobs.find((b) => b.location.path.endsWith('pack.dat') && holdsList(b));
    expect(z?.encodings).toEqual(['zip']);
    expect(z?.location.entry).toBe('cfg/badword.txt');
  });

  it('a damaged Lua chunk and a truncated bundle are warnings, and the scan goes on', () => {
    const src = join(dir, 'd.lua');
    writeFileSync(src, luaTable(list.lines));
    run(requireTool('luac5.3'), ['-o', join(dir, 'd.luac'), src]);
    const bundle = buildUnityBundle(22, [{ kind: 'text-asset', name: 'w', script: list.bytes }], {
      compression: 2,
      blockSize: 4096,
      atEnd: false,
    });
    const r = blobsOf({
      'assets/a.luac': readFileSync(join(dir, 'd.luac')).subarray(0, 200),
      'assets/b.assetbundle': bundle.subarray(0, 300),
      'assets/ok.txt': Buffer.from(list.lines.join('\n')),
    });
    expect(r.diagnostics.some((c) => c.startsWith('lua/'))).toBe(true);
    expect(r.diagnostics.some((c) => c.startsWith('unity/') || c.startsWith('lz4/'))).toBe(true);
    expect(r.blobs.some((b) => b.location.path.endsWith('ok.txt') && holdsList(b))).toBe(true);
  });
});
