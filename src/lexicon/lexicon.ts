import { readFileSync } from 'node:fs';
import { dataPath } from '../data-path.js';
import { normalizeTerm, normalizeTerms } from './normalize.js';

/**
 * The sensitive-term lexicon (data/lexicon/terms.txt) and a multi-pattern matcher over normalised text.
 * Latin terms match on word boundaries; one-character CJK terms and Latin terms of three letters or fewer
 * match only as a whole list entry, since as substrings they would hit ordinary words.
 */

export const POLITICAL_CATEGORIES = new Set([
  'tibet',
  'xinjiang',
  'taiwan',
  'hong-kong',
  'tiananmen-1989',
  'falun-gong',
  'democracy-rights',
  'party-leaders',
  'dissidents',
  'religion',
  'circumvention',
  'foreign-media',
  'history-politics',
]);

export interface LexiconEntry {
  term: string;
  normalized: string;
  category: string;
  weak: boolean;
  wholeEntryOnly: boolean;
  latin: boolean;
}

export interface LexiconHit {
  entry: LexiconEntry;
  /** End offset (exclusive) in the normalised text. */
  end: number;
}

interface Node {
  next: Map<number, number>;
  fail: number;
  out: number[];
}

// Characters that continue an identifier, a host or a path: a Latin term next to one is part of a longer name
// (`com.google.android`, `tor_enabled`), not the term itself.
const WORD_CHAR = /[a-z0-9._/\-@:]/;
// Chinese numerals: "六四" (4 June) inside "一九六四年" (1964) or "一六四八" is part of a number, not the date.
const CJK_NUMERAL = /[〇零一二三四五六七八九十百千万两0-9]/;

function insideNumber(text: string, start: number, end: number): boolean {
  const first = text[start] ?? '';
  const last = text[end - 1] ?? '';
  return (
    (CJK_NUMERAL.test(first) && start > 0 && CJK_NUMERAL.test(text[start - 1] ?? '')) ||
    (CJK_NUMERAL.test(last) && end < text.length && CJK_NUMERAL.test(text[end] ?? ''))
  );
}

/** Brand and service names are ordinary words in code; in these categories a Latin term must be a whole entry. */
const WHOLE_ENTRY_LATIN_CATEGORIES = new Set(['foreign-media', 'circumvention', 'competitor-brands']);

export class Lexicon {
  readonly entries: LexiconEntry[];
  readonly categories: string[];
  private readonly nodes: Node[] = [{ next: new Map(), fail: 0, out: [] }];

  constructor(entries: LexiconEntry[]) {
    this.entries = entries;
    this.categories = [...new Set(entries.map((e) => e.category))];
    entries.forEach((e, i) => this.insert(e.normalized, i));
    this.link();
  }

  static parse(text: string): Lexicon {
    const raw: Array<{ term: string; category: string; weak: boolean }> = [];
    let category = '';
    for (const rawLine of text.split('\n')) {
      const line = rawLine.trim();
      if (line === '' || line.startsWith('#')) continue;
      const section = /^\[([a-z0-9-]+)\]$/.exec(line);
      if (section) {
        category = section[1] ?? '';
        continue;
      }
      if (!category) throw new Error(`lexicon term before any [category]: ${line}`);
      for (const part of line.split('|')) {
        const term = part.trim();
        if (!term) continue;
        const weak = term.startsWith('~');
        raw.push({ term: weak ? term.slice(1) : term, category, weak });
      }
    }
    const normalized = normalizeTerms(raw.map((r) => r.term));
    const seen = new Set<string>();
    const entries: LexiconEntry[] = [];
    raw.forEach(({ term, category: cat, weak }, i) => {
      const n = normalized[i];
      if (!n || seen.has(n)) return;
      seen.add(n);
      // eslint-disable-next-line no-control-regex
      const latin = !/[^\x00-\x7f]/.test(n);
      entries.push({
        term,
        normalized: n,
        category: cat,
        weak,
        latin,
        wholeEntryOnly: latin
          ? n.replace(/[^a-z]/g, '').length <= 3 || WHOLE_ENTRY_LATIN_CATEGORIES.has(cat)
          : Array.from(n).length === 1,
      });
    });
    return new Lexicon(entries);
  }

  isPolitical(category: string): boolean {
    return POLITICAL_CATEGORIES.has(category);
  }

  /** Automaton state `s`; states are only ever created by insert, so a miss is a bug, not bad input. */
  private node(s: number): Node {
    const n = this.nodes[s];
    if (!n) throw new Error(`lexicon automaton: no state ${s}`);
    return n;
  }

  private insert(term: string, index: number): void {
    let s = 0;
    for (let i = 0; i < term.length; i++) {
      const c = term.charCodeAt(i);
      let t = this.node(s).next.get(c);
      if (t === undefined) {
        t = this.nodes.length;
        this.nodes.push({ next: new Map(), fail: 0, out: [] });
        this.node(s).next.set(c, t);
      }
      s = t;
    }
    this.node(s).out.push(index);
  }

  private link(): void {
    const queue: number[] = [];
    for (const t of this.node(0).next.values()) queue.push(t);
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi] ?? 0; // qi < queue.length
      for (const [c, t] of this.node(s).next) {
        let f = this.node(s).fail;
        while (f !== 0 && !this.node(f).next.has(c)) f = this.node(f).fail;
        const target = this.node(f).next.get(c);
        this.node(t).fail = target !== undefined && target !== t ? target : 0;
        this.node(t).out.push(...this.node(this.node(t).fail).out);
        queue.push(t);
      }
    }
  }

  /** All hits in already-normalised text, honouring word boundaries and whole-entry-only terms. */
  matchNormalized(text: string): LexiconHit[] {
    const hits: LexiconHit[] = [];
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      while (s !== 0 && !this.node(s).next.has(c)) s = this.node(s).fail;
      s = this.node(s).next.get(c) ?? 0;
      for (const idx of this.node(s).out) {
        const entry = this.entries[idx];
        if (!entry) continue; // out holds indices of entries, set by insert
        const end = i + 1;
        const start = end - entry.normalized.length;
        if (entry.wholeEntryOnly) {
          if (start !== 0 || end !== text.length) continue;
        } else if (entry.latin) {
          if (
            (start > 0 && WORD_CHAR.test(text.charAt(start - 1))) ||
            (end < text.length && WORD_CHAR.test(text.charAt(end)))
          )
            continue;
        } else if (insideNumber(text, start, end)) {
          continue;
        }
        hits.push({ entry, end });
      }
    }
    return hits;
  }

  match(text: string): LexiconHit[] {
    return this.matchNormalized(normalizeTerm(text));
  }
}

let defaultLexicon: Lexicon | null = null;

/** The bundled lexicon, parsed once per process. */
export function loadDefaultLexicon(): Lexicon {
  if (!defaultLexicon) defaultLexicon = Lexicon.parse(readFileSync(dataPath('lexicon/terms.txt'), 'utf8'));
  return defaultLexicon;
}
