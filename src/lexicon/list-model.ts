import { readFileSync } from 'node:fs';
import { dataPath } from '../data-path.js';
import { POLITICAL_CATEGORIES, type Lexicon, type LexiconEntry } from './lexicon.js';
import { normalizeTerms } from './normalize.js';

/**
 * What benign vocabulary looks like to the lexicon, measured on real word lists (dictionaries, input
 * method tables, place names, UI strings): which lexicon terms are ordinary words there, and how often an
 * entry of benign vocabulary carries a specific sensitive term. The classifier judges a candidate list
 * against these rates instead of a fixed share, so that 30 political hits among 150 entries is
 * overwhelming while 500 among 60,000 dictionary words is what any dictionary shows.
 * Fitted by `npm run fit-list-model` (scripts/fit-list-model.ts) into data/lexicon/list-model.json; the
 * evaluation refits it per fold so that no benign source is scored by a model fitted on it.
 */

export type CategoryGroup = 'political' | 'services' | 'filter' | 'brands' | 'any';

/** Political, but also the vocabulary of ordinary share menus and VPN apps: never political alone. */
export const SERVICE_CATEGORIES: ReadonlySet<string> = new Set(['foreign-media', 'circumvention', 'religion']);
export const FILTER_CATEGORIES: ReadonlySet<string> = new Set([
  'pornography',
  'gambling',
  'drugs',
  'violence-weapons',
  'profanity',
]);

export function categoryGroup(category: string): Exclude<CategoryGroup, 'any'> {
  if (SERVICE_CATEGORIES.has(category)) return 'services';
  if (POLITICAL_CATEGORIES.has(category)) return 'political';
  if (FILTER_CATEGORIES.has(category)) return 'filter';
  return 'brands';
}

export interface ListModel {
  /** Normalised lexicon terms found in so many benign entries that they are no evidence on their own. */
  commonTerms: ReadonlyMap<string, number>;
  /** Per-entry rate of a specific hit, per category group: the highest rate of any benign source. */
  background: Readonly<Record<CategoryGroup, number>>;
  /** The benign sources the model was fitted on, with their distinct entry counts. */
  fittedOn: ReadonlyArray<{ name: string; entries: number }>;
}

export interface BenignSource {
  name: string;
  entries: string[];
}

/**
 * A term is common when benign vocabulary has it in at least this share of its entries (10 per million,
 * and never fewer than 3 entries): "革命", "自由", "机场", "苹果" are ordinary words in a dictionary.
 */
const COMMON_RATE = 1e-5;
const COMMON_MIN_ENTRIES = 3;
/** No background rate is taken as lower than this: 1 in 200,000 entries, beyond what any fit can resolve. */
const MIN_BACKGROUND = 5e-6;
/** Sources smaller than this say little about rates. */
const MIN_SOURCE_ENTRIES = 1000;

/** Whether a lexicon entry is evidence on its own: neither marked weak in the lexicon nor common in benign text. */
export function isSpecific(entry: LexiconEntry, model: ListModel): boolean {
  return !entry.weak && !model.commonTerms.has(entry.normalized);
}

export function fitListModel(sources: BenignSource[], lexicon: Lexicon): ListModel {
  const normalizedSources = sources.map((s) => ({ name: s.name, entries: distinctNormalized(s.entries) }));
  // Commonness is counted over the union of the sources: every IME dictionary lists 达赖 and 达赖喇嘛, and
  // five dictionaries saying so are not five ordinary words.
  const union = new Set<string>();
  for (const s of normalizedSources) for (const e of s.entries) union.add(e);
  const perTerm = new Map<string, number>();
  for (const e of union) for (const term of embeddingTerms(lexicon, e)) perTerm.set(term, (perTerm.get(term) ?? 0) + 1);
  const total = union.size;
  const threshold = Math.max(COMMON_MIN_ENTRIES, COMMON_RATE * total);
  const commonTerms = new Map([...perTerm].filter(([, n]) => n >= threshold).sort((a, b) => b[1] - a[1]));
  const partial: ListModel = { commonTerms, background: zeroRates(), fittedOn: [] };
  const background = zeroRates();
  for (const s of normalizedSources) {
    if (s.entries.length < MIN_SOURCE_ENTRIES) continue;
    const counts = new EvidenceCounter();
    for (const e of s.entries) {
      counts.add(
        e,
        lexicon
          .matchNormalized(e)
          .map((h) => h.entry)
          .filter((x) => isSpecific(x, partial)),
      );
    }
    for (const g of Object.keys(background) as CategoryGroup[]) {
      background[g] = Math.max(background[g], counts.evidence(g) / s.entries.length);
    }
  }
  for (const g of Object.keys(background) as CategoryGroup[]) background[g] = Math.max(MIN_BACKGROUND, background[g]);
  return {
    commonTerms,
    background,
    fittedOn: normalizedSources.map((s) => ({ name: s.name, entries: s.entries.length })),
  };
}

/**
 * Counts the evidence of specific hits per group, in list order, the same way in the fit and in the
 * classifier. Two rules keep one word from counting as many:
 * - a hit whose entry starts with the same character as the group's previous hit, a few entries before,
 *   continues that run: a sorted dictionary's family of compounds (中共中央政治局, 中共中央纪委, 中南海…) is one
 *   word, not a dozen pieces of evidence;
 * - one lexicon term carries at most MAX_ENTRIES_PER_TERM entries: 2,900 county names of which 30 are
 *   "…高新技术产业开发区" hold one term, not thirty.
 */
export class EvidenceCounter {
  private readonly runs: Record<CategoryGroup, number> = zeroRates();
  private readonly terms = new Map<CategoryGroup, Set<string>>();
  private readonly last = new Map<CategoryGroup, { head: string; index: number }>();
  private index = 0;

  /** `specific` are the entry's specific lexicon hits (see isSpecific); none for an entry without. */
  add(normalizedEntry: string, specific: readonly LexiconEntry[]): void {
    const head = normalizedEntry[0] ?? '';
    const groups = new Set<CategoryGroup>();
    for (const e of specific) {
      const g = categoryGroup(e.category);
      groups.add(g);
      this.termSet(g).add(e.normalized);
      this.termSet('any').add(e.normalized);
    }
    if (groups.size > 0) groups.add('any');
    for (const g of groups) {
      const prev = this.last.get(g);
      if (!(prev && prev.head === head && this.index - prev.index <= RUN_WINDOW)) this.runs[g]++;
      this.last.set(g, { head, index: this.index });
    }
    this.index++;
  }

  distinctTerms(g: CategoryGroup): number {
    return this.terms.get(g)?.size ?? 0;
  }

  /** The entries that count as evidence for a group. */
  evidence(g: CategoryGroup): number {
    return Math.min(this.runs[g], this.distinctTerms(g) * MAX_ENTRIES_PER_TERM);
  }

  private termSet(g: CategoryGroup): Set<string> {
    let t = this.terms.get(g);
    if (!t) this.terms.set(g, (t = new Set()));
    return t;
  }
}

const MAX_ENTRIES_PER_TERM = 3;

/** How far apart, in entries, two hits of a run may lie: the non-hits of a dictionary's section between them. */
const RUN_WINDOW = 64;

/**
 * The lexicon terms an ordinary word contains as a building block: not the entry itself (a dictionary that
 * lists "达赖" says it is a word, not that it is common), and not a term inside a longer term the same entry
 * matches ("达赖" in "达赖喇嘛" is the longer term's evidence, whose own count decides).
 */
function embeddingTerms(lexicon: Lexicon, entry: string): Set<string> {
  const hits = lexicon
    .matchNormalized(entry)
    .map((h) => ({ term: h.entry.normalized, start: h.end - h.entry.normalized.length, end: h.end }));
  const out = new Set<string>();
  for (const h of hits) {
    if (h.term === entry) continue;
    const covered = hits.some((o) => o !== h && o.term.length > h.term.length && o.start <= h.start && o.end >= h.end);
    if (!covered) out.add(h.term);
  }
  return out;
}

function zeroRates(): Record<CategoryGroup, number> {
  return { political: 0, services: 0, filter: 0, brands: 0, any: 0 };
}

function distinctNormalized(entries: string[]): string[] {
  const out = new Set<string>();
  for (const n of normalizeTerms(entries.map((e) => e.trim()).filter((e) => e.length > 0))) if (n) out.add(n);
  return [...out];
}

interface ListModelFile {
  commonTerms: Record<string, number>;
  background: Record<CategoryGroup, number>;
  fittedOn: Array<{ name: string; entries: number }>;
}

export function serializeListModel(m: ListModel, provenance: Record<string, unknown>): string {
  const file: ListModelFile & { provenance: Record<string, unknown> } = {
    provenance,
    background: m.background,
    fittedOn: [...m.fittedOn],
    commonTerms: Object.fromEntries(m.commonTerms),
  };
  return `${JSON.stringify(file, null, 1)}\n`;
}

export function parseListModel(text: string): ListModel {
  const f = JSON.parse(text) as Partial<ListModelFile>;
  const groups: CategoryGroup[] = ['political', 'services', 'filter', 'brands', 'any'];
  if (!f.background || !f.commonTerms || groups.some((g) => typeof f.background?.[g] !== 'number')) {
    throw new Error('list model: background rates and common terms are required');
  }
  return {
    commonTerms: new Map(Object.entries(f.commonTerms)),
    background: f.background,
    fittedOn: f.fittedOn ?? [],
  };
}

let defaultModel: ListModel | null = null;

/** The bundled model (data/lexicon/list-model.json), parsed once per process. */
export function loadDefaultListModel(): ListModel {
  return (defaultModel ??= parseListModel(readFileSync(dataPath('lexicon/list-model.json'), 'utf8')));
}
