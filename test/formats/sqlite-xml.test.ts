import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSqlite, sqliteTextColumns } from '../../src/formats/sqlite-text.js';
import { looksLikeXml, xmlValueGroups } from '../../src/formats/xml-values.js';
import { CandorError } from '../../src/io/errors.js';
import { DEFAULT_LIMITS } from '../../src/io/limits.js';
import { gameLists } from '../fixtures/game-lists.js';
import { requireTool, run, tempDir } from '../helpers.js';
import { first } from '../defined.js';

const MAX = DEFAULT_LIMITS.assets.maxStrings;
const PLAIN = gameLists((p) => /\.(txt|conf|csv|xml|json|dat)$/.test(p)).slice(0, 12);

const PY_DB = String.raw`
import json, sqlite3, sys
lines = json.loads(sys.stdin.read())
db = sqlite3.connect(sys.argv[1])
db.execute('CREATE TABLE t_filter(id INTEGER PRIMARY KEY, word TEXT, mask TEXT)')
db.execute('CREATE TABLE meta(version INTEGER)')
db.executemany('INSERT INTO t_filter(word, mask) VALUES (?, ?)', [(l, '*' * len(l)) for l in lines])
db.execute('INSERT INTO meta VALUES (3)')
db.commit()
`;

describe('SQLite word tables built by sqlite3 from the real lists', () => {
  it('reads every text column of every table, as sqlite3 selects it', () => {
    const sqlite3 = requireTool('sqlite3');
    const dir = tempDir('candor-sqlite-');
    expect(PLAIN.length).toBeGreaterThanOrEqual(10);
    for (const [i, list] of PLAIN.entries()) {
      const db = join(dir, `w${i}.db`);
      // The shape games use: id, word, replacement (a mask of the same length), written by Python's sqlite3.
      run('/usr/bin/python3', ['-c', PY_DB, db], { input: JSON.stringify(list.lines) });
      const bytes = readFileSync(db);
      expect(isSqlite(bytes)).toBe(true);
      const r = sqliteTextColumns(bytes, MAX);
      const words = run(sqlite3, ['-separator', '\u0001', '-newline', '\u0002', db, 'SELECT word FROM t_filter'])
        .split('\u0002')
        .slice(0, -1);
      expect(r.columns.map((c) => `${c.table}.${c.column}`)).toEqual(['t_filter.word', 't_filter.mask']);
      expect(first(r.columns).values).toEqual(words);
      expect(first(r.columns).values).toEqual(list.lines);
    }
  });

  it('turns a damaged database into a typed error and stops at the string limit', () => {
    const dir = tempDir('candor-sqlite-bad-');
    const db = join(dir, 'x.db');
    run(requireTool('sqlite3'), [db, "CREATE TABLE w(word TEXT); INSERT INTO w VALUES ('a'),('b'),('c');"]);
    const good = readFileSync(db);
    expect(sqliteTextColumns(good, 2)).toMatchObject({ truncated: true, columns: [{ values: ['a', 'b'] }] });
    const bad = Buffer.from(good);
    bad.fill(0xee, 100, bad.length);
    try {
      const r = sqliteTextColumns(bad, MAX);
      expect(r.columns).toEqual([]);
    } catch (err) {
      expect(err).toBeInstanceOf(CandorError);
    }
    expect(() => sqliteTextColumns(Buffer.from('not a database'), MAX)).toThrow(CandorError);
  });
});

const PY_XML = String.raw`
import json, sys
import xml.etree.ElementTree as ET
lines = json.loads(sys.stdin.read())
root = ET.Element('config', version='2')
words = ET.SubElement(root, 'dirtywords')
for l in lines: ET.SubElement(words, 'word', value=l, level='1')
arr = ET.SubElement(root, 'string-array', name='filter')
for l in lines: ET.SubElement(arr, 'item').text = l
xml = ET.tostring(root, encoding='unicode')
back = ET.fromstring(xml)
print(json.dumps({'xml': xml, 'attrs': [w.get('value') for w in back.iter('word')],
                  'texts': [i.text for i in back.iter('item')]}))
`;

describe('XML configs written by Python ElementTree from the real lists', () => {
  it('groups attribute values and element texts as ElementTree reads them back', () => {
    for (const list of PLAIN) {
      // XML 1.0 cannot carry most control characters; ElementTree would refuse them.
      // eslint-disable-next-line no-control-regex -- control characters are what this pattern finds
      const lines = list.lines.map((l) => l.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '')).filter((l) => l.trim());
      const py = JSON.parse(run('/usr/bin/python3', ['-c', PY_XML], { input: JSON.stringify(lines) })) as {
        xml: string;
        attrs: string[];
        texts: string[];
      };
      expect(looksLikeXml(py.xml)).toBe(true);
      const { groups } = xmlValueGroups(py.xml, MAX);
      const byKey = Object.fromEntries(groups.map((g) => [g.key, g.values]));
      expect(byKey['word@value']).toEqual(py.attrs.map((s: string) => s.trim()).filter(Boolean));
      expect(byKey['item']).toEqual(py.texts.map((s: string) => s.trim()).filter(Boolean));
      expect(byKey['config@version']).toEqual(['2']);
    }
  });

  it('reads CDATA, entities and character references; ignores comments; survives broken markup', () => {
    const xml =
      '<?xml version="1.0"?><!-- <w v="no"/> --><r><w v="&#x4E60;&amp;&lt;"/><w v=\'b\'/><w v=c>' +
      '<t><![CDATA[六四<x>]]></t><t>a &quot;q&quot;</t><unclosed attr="';
    const g = Object.fromEntries(xmlValueGroups(xml, MAX).groups.map((x) => [x.key, x.values]));
    expect(g['w@v']).toEqual(['习&<', 'b', 'c']);
    expect(g['t']).toEqual(['六四<x>', 'a "q"']);
    expect(xmlValueGroups('<a b="1" c="2" d="3"/>', 2).truncated).toBe(true);
  });
});
