import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InflateBudget, readEntry, readZipDirectory } from '../../src/containers/zip.js';
import { parseResourceTable } from '../../src/formats/arsc.js';
import { BufferSource } from '../../src/io/byte-source.js';
import { DEFAULT_LIMITS } from '../../src/io/limits.js';
import { resourceBlobs } from '../../src/scan/derive-blobs.js';
import type { Artefact } from '../../src/model.js';
import { gameLists } from '../fixtures/game-lists.js';
import { requireTool, run, tempDir } from '../helpers.js';
import { defined } from '../defined.js';

/** Entries aapt2 keeps verbatim: no quotes, escapes, resource references or runs of spaces. */
// eslint-disable-next-line no-control-regex -- control characters are what this pattern finds
const plain = (l: string) => !/["'\\@?<>&]|^\s|\s$|\s\s/.test(l) && !/[\x00-\x1f]/.test(l);
const gameArrays = gameLists((p) => p.endsWith('strings.xml') || p.endsWith('badwords.conf')).map((l) =>
  l.lines.filter(plain),
);
const zh = defined(gameArrays[0], 'the strings.xml list');
const def = defined(gameArrays[1], 'the badwords.conf list');

function buildApk(): string {
  const dir = tempDir('candor-arsc-');
  const xml = (items: string[], long: string) =>
    `<resources>\n  <string name="app_name">Words</string>\n  <string name="filter_line">${long}</string>\n` +
    `  <string-array name="badwords">\n${items.map((i) => `    <item>${i}</item>`).join('\n')}\n` +
    '  </string-array>\n</resources>\n';
  mkdirSync(join(dir, 'res', 'values'), { recursive: true });
  mkdirSync(join(dir, 'res', 'values-zh-rCN'), { recursive: true });
  writeFileSync(join(dir, 'res', 'values', 'strings.xml'), xml(def, def.slice(0, 40).join('|')));
  writeFileSync(join(dir, 'res', 'values-zh-rCN', 'strings.xml'), xml(zh, zh.slice(0, 40).join('|')));
  writeFileSync(
    join(dir, 'AndroidManifest.xml'),
    '<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="org.example.words"><application/></manifest>\n',
  );
  const aapt2 = requireTool('aapt2');
  run(aapt2, ['compile', '--dir', join(dir, 'res'), '-o', join(dir, 'res.zip')]);
  run(aapt2, [
    'link',
    '-o',
    join(dir, 'out.apk'),
    '--manifest',
    join(dir, 'AndroidManifest.xml'),
    join(dir, 'res.zip'),
  ]);
  return join(dir, 'out.apk');
}

/** `aapt2 dump resources`: the items of each array per configuration, as aapt2 prints them. */
function aapt2Arrays(apk: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let res = '';
  let collecting: string | null = null;
  for (const line of run(requireTool('aapt2'), ['dump', 'resources', apk]).split('\n')) {
    const r = /resource (0x[0-9a-f]+) array\//.exec(line);
    if (r?.[1]) res = r[1];
    const c = /^\s+\(([^)]*)\) \(array\) size=\d+$/.exec(line);
    if (c) out[`${res} ${c[1]}`] = [];
    // aapt2 wraps long arrays over several lines: collect from '[' to ']'.
    if (collecting !== null || /^\s+\[/.test(line)) {
      collecting = (collecting ?? '') + line.trim();
      if (collecting.endsWith(']')) {
        out[Object.keys(out).at(-1)!] = JSON.parse(collecting) as string[];
        collecting = null;
      }
    }
  }
  return out;
}

describe('resources.arsc string arrays in every configuration, built by aapt2 from the real lists', () => {
  const apk = buildApk();
  const src = new BufferSource(readFileSync(apk));
  const dir = readZipDirectory(src, DEFAULT_LIMITS);
  const table = parseResourceTable(
    readEntry(src, dir.byName.get('resources.arsc')!, new InflateBudget(DEFAULT_LIMITS)),
  );

  it('reads each configuration of the array as aapt2 dumps it', () => {
    expect(def.length).toBeGreaterThan(1000);
    const oracle = aapt2Arrays(apk);
    const got: Record<string, string[]> = {};
    for (const [id, configs] of table.bags) {
      for (const c of configs)
        got[`0x${id.toString(16)} ${c.locale.replace('-', '-r')}`] = c.strings.map((i) => table.strings!.tryGet(i)!);
    }
    expect(got).toEqual(oracle);
    expect(oracle['0x7f010000 zh-rCN']).toEqual(zh);
    expect(oracle['0x7f010000 ']).toEqual(def);
  });

  it('makes one blob per distinct configuration, and one per long delimited string', () => {
    const artefact: Artefact = { id: 'a1', parentId: null, kind: 'apk', path: apk, sha256: '', size: 0 };
    const blobs = resourceBlobs(artefact, table);
    const arrays = blobs.filter((b) => b.entries);
    expect(arrays.map((b) => b.location.entry).sort()).toEqual(['0x7f010000', '0x7f010000 (zh-CN)']);
    expect(arrays.find((b) => b.location.entry === '0x7f010000 (zh-CN)')?.entries).toEqual(zh);
    expect(
      blobs
        .filter((b) => !b.entries)
        .map((b) => b.text)
        .sort(),
    ).toEqual([def.slice(0, 40).join('|'), zh.slice(0, 40).join('|')].sort());
    expect(blobs.every((b) => b.location.path.endsWith('!/resources.arsc') && b.encodings[0] === 'arsc')).toBe(true);
  });
});
