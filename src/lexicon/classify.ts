import { POLITICAL_CATEGORIES, type Lexicon, type LexiconHit } from './lexicon.js';

/**
 * Scores list entries against the lexicon and decides whether they form a censorship list, a content
 * filter, a list of services (foreign media, VPNs), or nothing.
 */

/** Political, but also the vocabulary of ordinary share menus and VPN apps: not enough alone. */
const SERVICE_CATEGORIES = new Set(['foreign-media', 'circumvention', 'religion']);
/** Categories whose presence makes a list political on its own. */
const CORE_POLITICAL = new Set([...POLITICAL_CATEGORIES].filter((c) => !SERVICE_CATEGORIES.has(c)));

export type ListKind = 'political' | 'services' | 'content-filter' | 'unknown';

export interface ListScore {
  termCount: number;
  /** Entries with at least one lexicon hit. */
  sensitiveCount: number;
  sensitiveShare: number;
  /** Entries with a non-weak hit. */
  strongCount: number;
  categories: Record<string, { count: number; share: number }>;
  sampleTerms: string[];
  matchedTerms: string[];
  kind: ListKind | null;
  cjkShare: number;
}

const MIN_SENSITIVE = 5;
const MIN_SHARE = 0.3;
const SAMPLE_SIZE = 20;
const UNKNOWN_MIN_ENTRIES = 100;
const UNKNOWN_MIN_CJK = 0.6;
const UNKNOWN_MAX_MEDIAN = 8;

function medianLength(entries: string[]): number {
  const lengths = entries.map((e) => Array.from(e).length).sort((a, b) => a - b);
  return lengths[Math.floor(lengths.length / 2)] ?? 0;
}

export function scoreEntries(entries: string[], lexicon: Lexicon, cache?: Map<string, LexiconHit[]>): ListScore {
  const perCategory = new Map<string, number>();
  let sensitive = 0;
  let strong = 0;
  let cjk = 0;
  let corePolitical = 0;
  let service = 0;
  let other = 0;
  const samples: string[] = [];
  const matched = new Set<string>();
  for (const entry of entries) {
    if (/[\u3400-\u9fff]/.test(entry)) cjk++;
    let hits = cache?.get(entry);
    if (!hits) {
      hits = lexicon.match(entry);
      cache?.set(entry, hits);
    }
    if (hits.length === 0) continue;
    sensitive++;
    if (hits.some((h) => !h.entry.weak)) strong++;
    const cats = new Set(hits.map((h) => h.entry.category));
    for (const c of cats) perCategory.set(c, (perCategory.get(c) ?? 0) + 1);
    const strongCats = new Set(hits.filter((h) => !h.entry.weak).map((h) => h.entry.category));
    if ([...strongCats].some((c) => CORE_POLITICAL.has(c))) corePolitical++;
    else if ([...strongCats].some((c) => SERVICE_CATEGORIES.has(c))) service++;
    else if (strongCats.size > 0) other++;
    for (const h of hits) matched.add(h.entry.term);
    if (samples.length < SAMPLE_SIZE) samples.push(entry);
  }
  const termCount = entries.length;
  const share = termCount === 0 ? 0 : sensitive / termCount;
  const categories: ListScore['categories'] = {};
  for (const [c, n] of [...perCategory].sort((a, b) => b[1] - a[1])) {
    categories[c] = { count: n, share: round(n / Math.max(1, sensitive)) };
  }
  let kind: ListKind | null = null;
  if (sensitive >= MIN_SENSITIVE && strong >= 3 && share >= MIN_SHARE) {
    if (corePolitical >= 3 && corePolitical >= 0.2 * strong) kind = 'political';
    else if (service > other) kind = 'services';
    else kind = 'content-filter';
  } else if (termCount >= UNKNOWN_MIN_ENTRIES && cjk / Math.max(1, termCount) >= UNKNOWN_MIN_CJK && strong >= 1 && sensitive >= 2 && medianLength(entries) <= UNKNOWN_MAX_MEDIAN) {
    // Hundreds of short Chinese entries in list form, a few of them sensitive: a keyword list whose
    // purpose the lexicon cannot tell (a country picker or a UI string table has no strong hit).
    kind = 'unknown';
  }
  return {
    termCount,
    sensitiveCount: sensitive,
    sensitiveShare: round(share),
    strongCount: strong,
    categories,
    sampleTerms: samples,
    matchedTerms: [...matched].slice(0, 200),
    kind,
    cjkShare: round(termCount === 0 ? 0 : cjk / termCount),
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
