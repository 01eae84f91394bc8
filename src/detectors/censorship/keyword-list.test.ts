import { readFileSync } from 'node:fs';
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
import { testDetector } from '../../../test/rule-tester.js';
import type { TextBlob } from '../../scan/apk-model.js';
import detector from './keyword-list.js';

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
function blob(text: string, path = 'app.apk!/assets/filter/words.txt'): TextBlob {
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

describe('rule table (real lists, real vocabulary)', () => {
  testDetector(detector, {
    ctx: () => analyzeContext().detectors,
    valid: [
      {
        // Ordinary English vocabulary of the same shape: one word per line, 400 lines.
        name: 'an English word list (Debian wamerican)',
        input: blob(
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
        input: blob(
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
        input: blob(realList('open-source/298257.txt', 2)),
        messageId: 'political',
        severity: 'high',
      },
      {
        // A real game's illegalwords.txt (3,554 lines, BOM and CRLF): 茉莉花事件, 带路党 beside porn and gambling.
        name: "a real game's filter list as it shipped (games set)",
        input: blob(realList('games/dataset1/com.happyelements.AndroidAnimal#1.14#assets#illegalwords.txt')),
        messageId: 'political',
      },
    ],
  });
});
