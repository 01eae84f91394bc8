import type { ImportedListIndex, ImportedListMatch } from './imported-lists.js';
import type { Lexicon, LexiconEntry, LexiconHit } from './lexicon.js';
import { EvidenceCounter, isSpecific, type CategoryGroup, type ListModel } from './list-model.js';
import { normalizeTerms } from './normalize.js';
import { log10BinomialTail } from './significance.js';

/**
 * Decides whether a list of entries is a keyword list and of which kind, from independent signals:
 * content (how far its specific sensitive terms exceed the rate benign vocabulary of the same size shows),
 * names (file, class and method names such as `badwords`, weak) and use (code that matches text against
 * the entries, or loads it into a set or automaton). Each signal is returned so that a finding can show
 * what carried it.
 */

export type ListKind = 'political' | 'services' | 'content-filter' | 'brands' | 'unknown';

export interface UseSignal {
  /** Methods that load or apply the entries, as `Lclass;->method`. */
  methods: string[];
  /** What that code does: `contains`, `indexOf`, `regex`, `replace`, `set`, `mask`, `lowercase`... */
  operations: string[];
  /** True when the code matches or replaces text with the entries (not only loads them). */
  filters: boolean;
}

export interface ClassifyOptions {
  /** Weak evidence from names: the matched words (`badword`, `mingan`, `filter`...). */
  names?: string[];
  use?: UseSignal | null;
  /** Normalised terms to ignore, such as the app vendor's own brand. */
  ignoreTerms?: ReadonlySet<string>;
  /** Decoded from a cipher or encoding: hiding text is itself a reason to look at it. */
  hidden?: boolean;
  /** Literal spellings of entries written as regular expressions (list-structure.ts), by entry. */
  forms?: ReadonlyMap<string, string[]>;
  /** Published lists the user imported into the store: overlap with one is evidence of a blocklist. */
  imported?: ImportedListIndex;
}

export interface GroupEvidence {
  /** Distinct entries with a specific hit of this group, adjacent ones sharing a first character counted once. */
  entries: number;
  /** Distinct specific lexicon terms of this group. */
  distinctTerms: number;
  /** Per-entry rate benign vocabulary shows. */
  background: number;
  /** How many times the benign rate the list shows. */
  ratio: number;
  /** log10 of the chance that benign vocabulary of this size shows as many (binomial tail). */
  log10p: number;
}

export interface ListVerdict {
  kind: ListKind | null;
  /** Distinct entries as written (after trimming). */
  termCount: number;
  /** Entries dropped as exact repeats. */
  duplicates: number;
  /** Distinct entries after case, width and script folding: what the statistics count. */
  distinctNormalized: number;
  /** Entries with any lexicon hit, weak or common ones included. */
  sensitiveCount: number;
  sensitiveShare: number;
  categories: Record<string, { count: number; share: number }>;
  sampleTerms: string[];
  matchedTerms: string[];
  cjkShare: number;
  medianLength: number;
  signals: {
    content: Record<CategoryGroup, GroupEvidence>;
    names: string[];
    use: UseSignal | null;
    hidden: boolean;
    imported: ImportedListMatch[];
  };
  /** Which signals carried the verdict, strongest first. */
  carriedBy: string[];
}

/** Content thresholds. They are set a priori, not fitted: only the background rates are measured. */
const LIST_LOG10P = -6;
const CORROBORATED_LIST_LOG10P = -4;
const POLITICAL_IN_LIST_LOG10P = -3;
const MIN_RATIO = 5;
/** Share of a candidate's entries found in an imported list that makes the overlap a signal. */
const IMPORTED_SHARE = 0.3;
const MIN_DISTINCT_TERMS = 3;
const MIN_POLITICAL_TERMS = 2;
const SAMPLE_SIZE = 20;
const MAX_MATCHED = 200;

const GROUPS: CategoryGroup[] = ['political', 'services', 'filter', 'brands', 'any'];

export function classifyList(
  rawEntries: string[],
  lexicon: Lexicon,
  model: ListModel,
  options: ClassifyOptions = {},
  cache?: Map<string, LexiconHit[]>,
): ListVerdict {
  const written = distinct(rawEntries.map((e) => e.trim()).filter((e) => e.length > 0));
  const normalized = normalizeTerms(written);
  const byNormal = new Map<string, string>();
  normalized.forEach((n, i) => {
    if (n && !byNormal.has(n)) byNormal.set(n, written[i]!);
  });
  const n = byNormal.size;
  const perCategory = new Map<string, number>();
  const samples: string[] = [];
  const matched = new Set<string>();
  let sensitive = 0;
  let cjk = 0;
  const hitsOf = (norm: string): LexiconHit[] => {
    let hits = cache?.get(norm);
    if (!hits) {
      hits = lexicon.matchNormalized(norm);
      cache?.set(norm, hits);
    }
    return hits;
  };
  const counter = new EvidenceCounter();
  for (const [norm, original] of byNormal) {
    if (/[\u3400-\u9fff]/.test(norm)) cjk++;
    const spellings = options.forms?.get(original);
    const hits = spellings ? normalizeTerms(spellings).flatMap(hitsOf) : hitsOf(norm);
    const entries: LexiconEntry[] = distinctEntries(hits).filter((e) => !options.ignoreTerms?.has(e.normalized));
    if (entries.length === 0) {
      counter.add(norm, []);
      continue;
    }
    sensitive++;
    for (const c of new Set(entries.map((e) => e.category))) perCategory.set(c, (perCategory.get(c) ?? 0) + 1);
    for (const e of entries) if (matched.size < MAX_MATCHED) matched.add(e.term);
    if (samples.length < SAMPLE_SIZE) samples.push(original);
    counter.add(
      norm,
      entries.filter((e) => isSpecific(e, model)),
    );
  }
  const content = {} as Record<CategoryGroup, GroupEvidence>;
  for (const g of GROUPS)
    content[g] = groupEvidence(counter.evidence(g), counter.distinctTerms(g), n, model.background[g]);
  const names = options.names ?? [];
  const use = options.use ?? null;
  const hidden = options.hidden === true;
  const imported = options.imported?.match(byNormal.keys()) ?? [];
  const { kind, carriedBy } = decide(content, n, { names, use, hidden, imported });
  const categories: ListVerdict['categories'] = {};
  for (const [c, k] of [...perCategory].sort((a, b) => b[1] - a[1])) {
    categories[c] = { count: k, share: round(k / Math.max(1, sensitive)) };
  }
  return {
    kind,
    termCount: written.length,
    duplicates: rawEntries.filter((e) => e.trim().length > 0).length - written.length,
    distinctNormalized: n,
    sensitiveCount: sensitive,
    sensitiveShare: round(n === 0 ? 0 : sensitive / n),
    categories,
    sampleTerms: samples,
    matchedTerms: [...matched],
    cjkShare: round(n === 0 ? 0 : cjk / n),
    medianLength: medianLength([...byNormal.keys()]),
    signals: { content, names, use, hidden, imported },
    carriedBy,
  };
}

function decide(
  c: Record<CategoryGroup, GroupEvidence>,
  n: number,
  s: { names: string[]; use: UseSignal | null; hidden: boolean; imported: ImportedListMatch[] },
): { kind: ListKind | null; carriedBy: string[] } {
  const significant = (g: GroupEvidence, log10p: number, minTerms: number) =>
    g.distinctTerms >= minTerms && g.log10p <= log10p && g.ratio >= MIN_RATIO;
  // A name that says "sensitive words", code that filters text with the entries, or the effort of hiding
  // them is independent evidence: with it, less content suffices.
  const knownOverlap = s.imported.some((m) => m.shareOfList >= IMPORTED_SHARE);
  const corroborated = s.names.length > 0 || s.use?.filters === true || s.hidden || knownOverlap;
  const listLevel = corroborated ? CORROBORATED_LIST_LOG10P : LIST_LOG10P;
  const sensitiveList = significant(c.any, listLevel, MIN_DISTINCT_TERMS);
  const carriedBy: string[] = [];
  if (s.use?.filters) carriedBy.push('use');
  if (s.names.length > 0) carriedBy.push('names');
  if (s.hidden) carriedBy.push('hidden');
  if (knownOverlap) carriedBy.push('imported-list');
  // A blocklist that also blocks a few unambiguous political terms censors political speech; a pure list of
  // political terms needs no other category to show it.
  const political =
    (sensitiveList && significant(c.political, POLITICAL_IN_LIST_LOG10P, MIN_POLITICAL_TERMS)) ||
    significant(c.political, listLevel, MIN_DISTINCT_TERMS);
  if (political) return { kind: 'political', carriedBy: ['content', ...carriedBy] };
  if (sensitiveList) {
    const groups: Array<'filter' | 'services' | 'brands'> = ['filter', 'services', 'brands'];
    const top = groups.sort((a, b) => c[b].entries - c[a].entries)[0];
    const kind: ListKind = top === 'filter' ? 'content-filter' : top === 'services' ? 'services' : 'brands';
    return { kind, carriedBy: ['content', ...carriedBy] };
  }
  if (significant(c.brands, listLevel, MIN_DISTINCT_TERMS))
    return { kind: 'brands', carriedBy: ['content', ...carriedBy] };
  // Below the content threshold a list is reported only when something else says it is one (code that
  // filters text with it, a name that says so, or the effort of hiding it) and it holds some sensitive
  // terms the background does not explain.
  // Brand names alone are no content here: device-quirk tables of codecs and models are full of them.
  const someContent = [c.political, c.services, c.filter].some(
    (g) => g.ratio >= 2 && (g.distinctTerms >= 2 || g.log10p <= -2),
  );
  if (n >= 5 && someContent && (s.use?.filters || s.names.length > 0 || s.hidden)) {
    return { kind: 'unknown', carriedBy };
  }
  // Much of it is a published blocklist the user imported: a list, whatever the lexicon knows of it.
  if (n >= 5 && knownOverlap) return { kind: 'unknown', carriedBy };
  return { kind: null, carriedBy };
}

function groupEvidence(entries: number, distinctTerms: number, n: number, background: number): GroupEvidence {
  const rate = n === 0 ? 0 : entries / n;
  return {
    entries,
    distinctTerms,
    background,
    ratio: round(rate / background),
    log10p: round(log10BinomialTail(entries, n, background)),
  };
}

function distinctEntries(hits: LexiconHit[]): LexiconEntry[] {
  return [...new Set(hits.map((h) => h.entry))];
}

function distinct(xs: string[]): string[] {
  return [...new Set(xs)];
}

function medianLength(entries: string[]): number {
  const lengths = entries.map((e) => Array.from(e).length).sort((a, b) => a - b);
  return lengths[Math.floor(lengths.length / 2)] ?? 0;
}

function round(x: number): number {
  if (!Number.isFinite(x)) return x > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE;
  return Math.round(x * 1000) / 1000;
}
