import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Converter } from 'opencc-js/cn2t';
import { describe, expect, it } from 'vitest';
import { POLITICAL_CATEGORIES, loadDefaultLexicon } from '../src/lexicon/lexicon.js';
import { splitList } from '../src/lexicon/list-structure.js';
import { normalizeTerm } from '../src/lexicon/normalize.js';
import { ROOT } from './helpers.js';

const lexicon = loadDefaultLexicon();
const terms = (text: string) => lexicon.match(text).map((h) => h.entry.term);

describe('lexicon', () => {
  it('holds at least 1,500 entries across at least 12 political categories and the non-political ones', () => {
    expect(lexicon.entries.length).toBeGreaterThanOrEqual(1500);
    const cats = new Set(lexicon.entries.map((e) => e.category));
    expect([...POLITICAL_CATEGORIES].filter((c) => cats.has(c)).length).toBeGreaterThanOrEqual(12);
    for (const c of ['pornography', 'gambling', 'drugs', 'violence-weapons', 'competitor-brands'])
      expect(cats.has(c), c).toBe(true);
    for (const c of cats) expect(lexicon.entries.filter((e) => e.category === c).length, c).toBeGreaterThanOrEqual(50);
  });

  it('has a provenance note and a category for every entry', () => {
    expect(readFileSync(join(ROOT, 'data', 'lexicon', 'PROVENANCE.md'), 'utf8')).toMatch(/Sources consulted/);
    for (const e of lexicon.entries) expect(e.category).toMatch(/^[a-z0-9-]+$/);
  });

  it('matches every Simplified entry in its Traditional form too', () => {
    const toTraditional = Converter({ from: 'cn', to: 'tw' });
    const misses = lexicon.entries
      .filter((e) => /[\u4e00-\u9fff]/.test(e.term) && !e.wholeEntryOnly)
      .filter((e) => !lexicon.match(String(toTraditional(e.term))).some((h) => h.entry === e))
      .map((e) => e.term);
    expect(misses).toEqual([]);
  });

  it('survives full-width forms, case and separators between CJK characters', () => {
    expect(terms('ＦＲＥＥ　ＴＩＢＥＴ')).toContain('free tibet');
    expect(terms('六 四')).toContain('六四');
    expect(terms('法.轮.功')).toContain('法轮功');
    expect(terms('习_近_平')).toContain('习近平');
    expect(terms('法\u200b輪\u200b功')).toContain('法轮功');
    expect(normalizeTerm('Ｌｏｎｇ Live')).toBe('long live');
  });

  it('does not match Latin terms inside longer words, identifiers or hosts', () => {
    expect(terms('editor')).toEqual([]);
    expect(terms('com.google.android.gms')).toEqual([]);
    expect(terms('tor_enabled')).toEqual([]);
    expect(terms('Visit google for more')).toEqual([]);
    expect(terms('google')).toEqual(['google']);
  });

  it('matches one-character CJK terms only as a whole entry', () => {
    expect(terms('干')).toEqual(['干']);
    expect(terms('干净')).toEqual([]);
  });
});

describe('list structure', () => {
  it('splits JSON, XML, lines, CSV and delimited lines', () => {
    expect(splitList('{"status":0,"keywords":["a","b","c"],"version":1}')).toEqual({
      structure: 'json',
      entries: ['a', 'b', 'c'],
    });
    expect(splitList('<list><item>a</item><item>b &amp; c</item><item>d</item></list>')?.entries).toEqual([
      'a',
      'b & c',
      'd',
    ]);
    expect(splitList('a\nb\r\nc\n')?.structure).toBe('lines');
    // A CSV table keeps its word column, not the ids.
    expect(splitList('a,1\nb,2\nc,3')?.entries).toEqual(['a', 'b', 'c']);
    expect(splitList('a|b|c|d|e')).toEqual({ structure: 'delimited', entries: ['a', 'b', 'c', 'd', 'e'] });
  });

  it('refuses prose and single values', () => {
    expect(
      splitList(
        'This is a paragraph about a trip.\nIt has long sentences that are not list entries at all, clearly.\n' +
          'And a third sentence that is also quite long indeed.',
      ),
    ).toBeNull();
    expect(splitList('hello')).toBeNull();
    expect(splitList('{"a": 1}')).toBeNull();
  });
});

describe('list structure of real-world tables', () => {
  it('keeps the word column of an id,word,mask table and drops its ASCII header', () => {
    const csv = 'id,word,replace\n1,法轮功,***\n2,六四,**\n3,达赖,**\n4,藏独,**';
    expect(splitList(csv)).toMatchObject({
      structure: 'csv',
      entries: ['法轮功', '六四', '达赖', '藏独'],
      column: { index: 1, of: 3 },
    });
  });

  it('splits lines that each hold several |-separated entries', () => {
    expect(splitList('平反64|冰火九重|后庭\n激情电|急需嫖|温家堡\n马加爵|活摘器官')?.entries).toEqual([
      '平反64',
      '冰火九重',
      '后庭',
      '激情电',
      '急需嫖',
      '温家堡',
      '马加爵',
      '活摘器官',
    ]);
  });

  it('reads a list of regular expressions as one entry per alternative, with their spellings', () => {
    const split = splitList('毛[^一-龥]*[泽择澤]东|[邓鄧][^一-龥]*小[^一-龥]*平\n胡.?[锦錦].?[濤涛]');
    expect(split?.structure).toBe('regex');
    expect(split?.entries).toEqual(['毛[^一-龥]*[泽择澤]东', '[邓鄧][^一-龥]*小[^一-龥]*平', '胡.?[锦錦].?[濤涛]']);
    expect(split?.forms?.[0]).toContain('毛泽东');
    expect(split?.forms?.[1]).toEqual(['邓小平', '鄧小平']);
    expect(split?.forms?.[2]).toContain('胡锦涛');
  });
});
