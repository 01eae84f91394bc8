import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defined, first } from '../../../test/defined.js';
import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../scan/analyze.js';
import { deriveApk } from '../../../test/fixtures/apk-builder.js';
import { buildDex } from '../../../test/fixtures/dex-builder.js';
import {
  COUNTRY_PICKER,
  DISGUISED_POLITICAL_TERMS,
  POLITICAL_TERMS,
  PROFANITY_TERMS,
  UI_STRINGS,
  VPN_BLOCKLIST,
} from '../../../test/fixtures/lists.js';
import { buildNativeLib } from '../../../test/fixtures/native-lib.js';
import { assembleSmali } from '../../../test/fixtures/smali.js';
import { KEYBOARD_SMALI } from '../../../test/fixtures/smali/keyboard.js';
import { CORPUS, analyzeContext, corpusApks, corpusFile, encodeWithPython, tempDir } from '../../../test/helpers.js';
import { gameLists } from '../../../test/fixtures/game-lists.js';
import { testDetector } from '../../../test/rule-tester.js';
import type { TextBlob } from '../../scan/apk-model.js';
import detector from './keyword-list.js';

/** Text stored plainly in an asset (or wherever `over` says), as the scan hands it to the detector. */
const blob = (path: string, text: string, over: Partial<TextBlob> = {}): TextBlob => ({
  artefactId: 'id:app.apk',
  location: { path },
  encoding: 'utf-8',
  encodings: [],
  origin: 'entry',
  text,
  ...over,
});

/**
 * Real vocabulary a Debian package installs (.ci/run installs wamerican and unicode-cldr-core). Both are among
 * the sources the list model's background rates were measured on: whole, they must stay below them.
 */
function systemFile(path: string, pkg: string): string {
  if (!existsSync(path)) throw new Error(`${path} missing: install Debian's ${pkg}`);
  return readFileSync(path, 'utf8');
}

/**
 * The head of a real game's list (Citizen Lab, test data only, read at run time): `www.kakaka.com`, then 22
 * political entries. Of the 23 entries 藏独 and 藏獨 fold to one, so 22 are distinct after folding. 15 have a
 * lexicon hit: all but the URL, 李源潮, 攻击党政, 分裂国家, 反政府, 反动, 反华 (and 藏獨, folded into 藏独). Ten
 * count as political evidence: the specific hits 习近平, 李克强, 攻击共党 (共党), 共匪, 台独, 疆独, 新疆独立, 反共, 藏独
 * and 西藏独立; 反右题材 and 西藏流亡政府 follow a hit with the same first character (反共, 西藏独立) and continue its
 * run, and 独立臺灣, 反革命 and 反中游行 hold only weak terms (台湾, 革命, 游行). By category: democracy-rights 4
 * (攻击共党, 共匪, 反共, 反中游行), tibet 3, then party-leaders, taiwan, xinjiang and history-politics 2 each,
 * ties kept in order of first appearance. The file name says `censor`.
 */
const censorWords = first(
  gameLists((p) => p === 'assets/CensorWords.txt').filter((l) => l.file.includes('com.kgkj.bitShot')),
  "bitShot's CensorWords.txt",
).lines.slice(0, 23);

/** Competitor phone brands as a launcher or store lists them; 小米 is an ordinary word (millet) in dictionaries. */
const BRANDS = [
  'iPhone',
  'Samsung',
  '华为',
  'OnePlus',
  '魅族',
  'Nokia',
  'vivo',
  '小米',
  'Meizu',
  '努比亚',
  'Xiaomi',
  'OPPO',
];
/** 180 entries no lexicon knows and two political ones: too few for the content signal alone. */
const mostlyUnknown = () => [...unknownTerms(180), '法轮功', '六四'];
const fewPolitical = { sensitive: 2, political: 2, count: 182, categories: 'falun-gong, tiananmen-1989' };

testDetector(detector, {
  ctx: () => analyzeContext().detectors,
  valid: [
    {
      name: 'an English dictionary (Debian wamerican, 100,000 words)',
      input: blob('app.apk!/assets/words.txt', systemFile('/usr/share/dict/words', 'wamerican')),
    },
    {
      name: "CLDR's Chinese territory names as an XML country picker (台湾 and 香港 among them)",
      input: blob(
        'app.apk!/res/raw/territories.xml',
        defined(
          systemFile('/usr/share/unicode/cldr/common/main/zh.xml', 'unicode-cldr-core').match(
            /<territories>[\s\S]*?<\/territories>/,
          )?.[0],
          "zh.xml's territories",
        ),
      ),
    },
    {
      name: 'UI strings that mention Tibet and Taiwan',
      input: blob('app.apk!/assets/strings.txt', UI_STRINGS.join('\n')),
    },
    {
      name: 'the list of few political entries under a name that says nothing',
      input: blob('app.apk!/assets/dict.txt', mostlyUnknown().join('\n')),
    },
  ],
  invalid: [
    {
      name: "a real game's political list, read from its CensorWords.txt",
      input: blob('game.apk!/assets/CensorWords.txt', censorWords.join('\r\n')),
      messageId: 'political',
      data: {
        sensitive: 15,
        political: 10,
        count: 23,
        categories: 'democracy-rights, tibet, party-leaders, taiwan',
        why: 'content, names',
        path: 'game.apk!/assets/CensorWords.txt',
      },
      severity: 'high',
      // Ten political entries of 22 where benign vocabulary shows about one in a thousand, and a name agrees.
      confidence: 'high',
      evidence: {
        kind: 'political',
        termCount: 23,
        duplicates: 0,
        distinctNormalized: 22,
        structure: 'lines',
        origin: 'entry',
        textEncoding: 'utf-8',
        terms: censorWords,
        signals: { names: ['censor'], hidden: false, use: null },
      },
    },
    {
      // com.expressvpn.vpn is a package name: circumvention terms in Latin script count only as a whole entry.
      name: 'a VPN blocklist in JSON is a list of services',
      input: blob('app.apk!/assets/vpn.json', JSON.stringify(VPN_BLOCKLIST)),
      messageId: 'services',
      data: { sensitive: 9, political: 0, count: 10, categories: 'circumvention', why: 'content' },
      severity: 'low',
      evidence: { kind: 'services', structure: 'json', matchedLexiconTerms: expect.not.arrayContaining(['vpn']) },
    },
    {
      name: 'a profanity and porn filter is a low content filter (色情 counts though common in dictionaries)',
      input: blob('app.apk!/assets/filter.txt', PROFANITY_TERMS.join('\n')),
      messageId: 'content-filter',
      data: { sensitive: 15, count: 15, categories: 'profanity, pornography', why: 'content, names' },
      severity: 'low',
      evidence: { kind: 'content-filter', signals: { names: ['filter'] } },
    },
    {
      // Every entry has a hit, 小米 too: a common word is no evidence, but it is still a brand the list names.
      name: 'a list of phone brands is info when no code filters with it',
      input: blob('app.apk!/assets/models.txt', BRANDS.join('\n')),
      messageId: 'brands',
      data: { sensitive: 12, count: 12, path: 'app.apk!/assets/models.txt' },
      severity: 'info',
    },
    {
      name: "a maker's own app: its own brand (Meizu, 魅族) is no competitor",
      input: blob('app.apk!/assets/models.txt', BRANDS.join('\n'), { appPackage: 'com.meizu.flyme.launcher' }),
      messageId: 'brands',
      data: { sensitive: 10, count: 12 },
      evidence: { matchedLexiconTerms: expect.not.arrayContaining(['meizu', '魅族']) },
    },
    {
      name: 'few political entries under a name that says sensitive words: unknown purpose, info',
      input: blob('app.apk!/assets/mingan_words.txt', mostlyUnknown().join('\n')),
      messageId: 'unknown',
      data: { ...fewPolitical, why: 'names', path: 'app.apk!/assets/mingan_words.txt' },
      severity: 'info',
      confidence: 'low',
      evidence: { kind: 'unknown', carriedBy: ['names'] },
    },
    {
      name: 'the string constants of one method that code matches text against: unknown purpose, medium',
      input: blob('app.apk!/classes.dex', '', {
        origin: 'dex-method',
        entries: mostlyUnknown(),
        location: { path: 'app.apk!/classes.dex', className: 'Lcom/chat/a/b;', method: 'a' },
        use: () => ({ methods: ['Lcom/chat/a/b;->a'], operations: ['contains', 'load'], filters: true }),
      }),
      messageId: 'unknown',
      data: { ...fewPolitical, why: 'use', path: 'app.apk!/classes.dex Lcom/chat/a/b; a' },
      severity: 'medium',
      confidence: 'low',
      evidence: { structure: 'given', origin: 'dex-method', applyingCode: ['Lcom/chat/a/b;->a'] },
    },
    {
      name: 'the same entries hidden under base64: the decoding is named in the path',
      input: blob('app.apk!/assets/d.bin', mostlyUnknown().join('\n'), { encodings: ['base64'] }),
      messageId: 'unknown',
      data: { ...fewPolitical, why: 'hidden', path: 'app.apk!/assets/d.bin (decoded: base64)' },
      severity: 'info',
      evidence: { encodings: ['base64'], signals: { hidden: true } },
    },
  ],
});

const ID = 'censorship/keyword-list';

function listFindings(path: string) {
  const r = analyzeFile(path, 'fixture.apk', analyzeContext());
  return r.findings.filter((f) => f.detectorId === ID);
}

function apkWith(entries: Record<string, Buffer | string>): string {
  return deriveApk({ base: corpusFile('urzip.apk'), out: join(tempDir(), 'fixture.apk'), entries });
}

describe('positive', () => {
  it('finds a MiAdBlacklistConfig-style JSON list in assets, with counts, categories and terms', () => {
    const config = JSON.stringify({
      status: 0,
      message: 'updated',
      keywords: POLITICAL_TERMS,
      version: 42,
      cacheTime: 43200000,
    });
    const [found0, ...rest] = listFindings(apkWith({ 'assets/MiAdBlacklistConfig': config }));
    const f = defined(found0, 'a finding');
    expect(rest).toEqual([]);
    expect(f.severity).toBe('high');
    expect(f.messageId).toBe('political');
    expect(f.location.path).toBe('fixture.apk!/assets/MiAdBlacklistConfig');
    const e = f.evidence;
    // The list is the `keywords` array; the response's other fields are not entries.
    expect(e.termCount).toBe(POLITICAL_TERMS.length);
    expect(e.structure).toBe('json');
    expect(e.sensitiveCount).toBeGreaterThanOrEqual(25);
    expect(Object.keys(e.categories)).toEqual(
      expect.arrayContaining(['tibet', 'taiwan', 'tiananmen-1989', 'falun-gong', 'competitor-brands']),
    );
    expect(e.encodings).toEqual([]);
    expect(e.terms).toEqual(expect.arrayContaining(['Free Tibet', '六四']));
  });

  it('finds a Traditional-script list with separators and full-width forms, one term per line', () => {
    const f = first(listFindings(apkWith({ 'res/raw/words.txt': DISGUISED_POLITICAL_TERMS.join('\n') })), 'a finding');
    expect(f?.severity).toBe('high');
    expect((f.evidence as { sensitiveCount: number }).sensitiveCount).toBe(DISGUISED_POLITICAL_TERMS.length);
  });

  it('finds a list in UTF-16LE without a BOM and in GB18030', () => {
    const utf16 = Buffer.from(POLITICAL_TERMS.join('\r\n'), 'utf16le');
    const gbBytes = encodeWithPython(POLITICAL_TERMS.join('\n'), 'gb18030');
    const found = listFindings(apkWith({ 'assets/a.dat': utf16, 'assets/b.dat': gbBytes }));
    const byPath = Object.fromEntries(
      found.map((f) => [f.location.path, (f.evidence as { textEncoding: string }).textEncoding]),
    );
    expect(byPath).toEqual({ 'fixture.apk!/assets/a.dat': 'utf-16le', 'fixture.apk!/assets/b.dat': 'gb18030' });
  });

  it('finds a String[] initialiser in DEX code, naming the class and method', () => {
    const dex = buildDex([
      { descriptor: 'Lcom/vendor/filter/SensitiveWords;', methods: [{ name: '<clinit>', strings: POLITICAL_TERMS }] },
      { descriptor: 'Lcom/vendor/ui/Main;', methods: [{ name: 'onCreate', strings: UI_STRINGS }] },
    ]);
    const found = listFindings(apkWith({ 'classes.dex': dex }));
    expect(found).toHaveLength(1);
    expect(first(found).location).toMatchObject({
      path: 'fixture.apk!/classes.dex',
      className: 'Lcom/vendor/filter/SensitiveWords;',
      method: '<clinit>',
    });
    expect((first(found).evidence as { origin: string }).origin).toBe('dex-method');
  });

  it('finds NUL-separated terms in a native library built by gcc', () => {
    const so = buildNativeLib(POLITICAL_TERMS);
    const f = first(listFindings(apkWith({ 'lib/x86_64/libwords.so': readFileSync(so) })), 'a finding');
    expect(f?.severity).toBe('high');
    expect(f.location.path).toBe('fixture.apk!/lib/x86_64/libwords.so');
    expect(f.location.offset).toBeGreaterThan(0);
  });

  it('reports a profanity or porn filter as a low-severity content filter, not censorship', () => {
    const f = first(listFindings(apkWith({ 'assets/filter.txt': PROFANITY_TERMS.join('\n') })), 'a finding');
    expect(f).toMatchObject({ severity: 'low', messageId: 'content-filter' });
    expect(f.tags).toContain('content-filter');
    expect(f.tags).not.toContain('censorship');
  });

  it('reports a VPN blocklist as a list of services', () => {
    const f = first(listFindings(apkWith({ 'assets/blacklist.json': JSON.stringify(VPN_BLOCKLIST) })), 'a finding');
    expect(f?.messageId).toBe('services');
  });
});

/** Deterministic short Chinese "words" that are in no lexicon: stand-ins for a list's unknown terms. */
function unknownTerms(n: number): string[] {
  const chars = '春夏秋冬山水木火土金石田林森川河湖海云雨风雪花草竹松梅兰菊荷桃李杏梨';
  // Distinct for n up to chars.length squared: lists are counted without repeats.
  return Array.from(
    { length: n },
    (_, i) => chars[i % chars.length]! + chars[Math.floor(i / chars.length) % chars.length]! + '子',
  );
}

describe('positive (lists of unknown purpose)', () => {
  // 180 entries no lexicon knows and two political ones: too few for the content signal alone.
  const terms = [...unknownTerms(180), '法轮功', '六四'];

  it('reports such a list only when its name says what it is, and then at info', () => {
    expect(listFindings(apkWith({ 'assets/dict.txt': terms.join('\n') }))).toEqual([]);
    const f = first(listFindings(apkWith({ 'assets/mingan_words.txt': terms.join('\n') })), 'a finding');
    expect(f).toMatchObject({ messageId: 'unknown', severity: 'info', confidence: 'low' });
    expect(f.evidence).toMatchObject({ kind: 'unknown', termCount: terms.length, carriedBy: ['names'] });
  });

  it('rates it medium when the code that opens it matches text against its entries', () => {
    const dex = buildDex([
      {
        descriptor: 'Lcom/chat/a/b;',
        methods: [
          {
            name: 'a',
            strings: ['words.dat'],
            calls: ['Landroid/content/res/AssetManager;->open', 'Ljava/lang/String;->contains'],
          },
        ],
      },
    ]);
    const f = first(listFindings(apkWith({ 'assets/words.dat': terms.join('\n'), 'classes.dex': dex })), 'a finding');
    expect(f).toMatchObject({ messageId: 'unknown', severity: 'medium' });
    const e = f.evidence as { applyingCode: string[]; signals: { use: { operations: string[] } } };
    expect(e.applyingCode).toContain('Lcom/chat/a/b;->a');
    expect(e.signals.use.operations).toEqual(['contains', 'load']);
  });

  it('follows the entries from the loader through a field to a matcher in another class (code model)', () => {
    // The keyboard loads the asset into a set held by a third class; a fourth class masks typed words found in
    // it. The matcher is neither a caller nor a callee of the loader.
    const f = first(
      listFindings(apkWith({ 'assets/kb/w.txt': terms.join('\n'), 'classes.dex': assembleSmali(KEYBOARD_SMALI) })),
    );
    expect(f).toMatchObject({ messageId: 'unknown', severity: 'medium' });
    const e = f.evidence as { applyingCode: string[]; signals: { use: { operations: string[]; filters: boolean } } };
    expect(e.applyingCode).toEqual(expect.arrayContaining(['Lz/p/a;->a', 'Lz/p/c;->a']));
    expect(e.signals.use.operations).toEqual(expect.arrayContaining(['masking', 'set-lookup', 'whole-word']));
    expect(e.signals.use.filters).toBe(true);
  });

  it('stays at info when the code that reads the loaded set only counts it', () => {
    const counting = {
      ...KEYBOARD_SMALI,
      'z/p/c': `.class public Lz/p/c;
.super Ljava/lang/Object;
.method public static a()I
    .locals 1
    sget-object v0, Lz/p/b;->a:Ljava/util/Set;
    invoke-interface {v0}, Ljava/util/Set;->size()I
    move-result v0
    return v0
.end method
`,
    };
    const found = listFindings(
      apkWith({ 'assets/kb/w.txt': terms.join('\n'), 'classes.dex': assembleSmali(counting) }),
    );
    expect(found.map((x) => x.severity)).not.toContain('medium');
    expect(
      found.every(
        (x) => (x.evidence as { signals: { use: { filters: boolean } | null } }).signals.use?.filters !== true,
      ),
    ).toBe(true);
  });
});

describe('negative', () => {
  it('does not report a long Chinese list without any strong sensitive term (a place or word list)', () => {
    expect(listFindings(apkWith({ 'assets/places.txt': [...unknownTerms(200), '台湾', '香港'].join('\n') }))).toEqual(
      [],
    );
  });

  it('does not report UI strings that mention Tibet or Taiwan, or a country picker', () => {
    const dex = buildDex([
      { descriptor: 'Lcom/travel/Countries;', methods: [{ name: 'list', strings: COUNTRY_PICKER }] },
    ]);
    const found = listFindings(
      apkWith({
        'assets/strings.txt': UI_STRINGS.join('\n'),
        'assets/countries.json': JSON.stringify(COUNTRY_PICKER),
        'assets/about.html': `<html><body><p>${UI_STRINGS.join(' ')}</p></body></html>`,
        'classes.dex': dex,
      }),
    );
    expect(found).toEqual([]);
  });

  it('reports no keyword list in any benign corpus app', () => {
    for (const apk of corpusApks()) {
      const r = analyzeFile(apk, 'x', analyzeContext());
      expect(
        r.findings.filter((f) => f.detectorId === ID && f.severity !== 'low'),
        apk,
      ).toEqual([]);
    }
  });
});

/** A plain asset of an in-memory app, as the scan hands it to the detector. */
function assetBlob(text: string, path = 'app.apk!/assets/filter/words.txt'): TextBlob {
  return { artefactId: 'id:app.apk', location: { path }, encoding: 'utf-8', encodings: [], origin: 'entry', text };
}
const CENSORSHIP_LISTS = join(CORPUS, 'censorship-lists');
/** A real list of the corpus (CC BY-NC-SA, test data only: read in place, never copied). */
const realList = (rel: string, skipLines = 0) =>
  readFileSync(join(CENSORSHIP_LISTS, rel), 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .slice(skipLines)
    .join('\n');

describe('rule table: whole real lists and real vocabulary', () => {
  testDetector(detector, {
    ctx: () => analyzeContext().detectors,
    valid: [
      {
        // Ordinary English vocabulary of the same shape: one word per line, 400 lines.
        name: 'an English word list (Debian wamerican)',
        input: assetBlob(
          readFileSync('/usr/share/dict/american-english', 'utf8')
            .split('\n')
            .filter((w) => /^[a-z]{4,}$/.test(w))
            .slice(2000, 2400)
            .join('\n'),
          'app.apk!/assets/dict/words.txt',
        ),
      },
      {
        // Real Chinese vocabulary: the most frequent words of jieba's dictionary (Debian python3-jieba).
        name: "a Chinese word list (jieba's dictionary)",
        input: assetBlob(
          readFileSync('/usr/lib/python3/dist-packages/jieba/dict.txt', 'utf8')
            .split('\n')
            .map((l) => l.split(' '))
            .filter((p) => p.length === 3 && (p[0] ?? '').length >= 2)
            .sort((a, b) => Number(b[1]) - Number(a[1]))
            .slice(0, 400)
            .map((p) => p[0])
            .join('\n'),
          'app.apk!/assets/dict/common.txt',
        ),
      },
    ],
    invalid: [
      {
        // LightNovel2's blocklist (open-source set): 台独, 藏独, 达赖, 刘晓波, 法轮功 beside insults.
        name: "a real app's political blocklist (open-source set)",
        input: assetBlob(realList('open-source/298257.txt', 2)),
        messageId: 'political',
        severity: 'high',
      },
      {
        // A real game's illegalwords.txt (3,554 lines, BOM and CRLF): 茉莉花事件, 带路党 beside porn and gambling.
        name: "a real game's filter list as it shipped (games set)",
        input: assetBlob(realList('games/dataset1/com.happyelements.AndroidAnimal#1.14#assets#illegalwords.txt')),
        messageId: 'political',
      },
    ],
  });
});
