import { splitList } from './list-structure.js';
import { normalizeTerms } from './normalize.js';

/**
 * Published blocklists a user imported (`candor lexicon import FILE`), kept in the store and matched
 * against every list candidate: Candor ships no published list (their licences forbid it, or their
 * provenance is unclear), but an investigator who holds one can ask which lists of a phone overlap it.
 */

export interface ImportedList {
  name: string;
  source: string;
  terms: string[];
}

export interface ImportedListMatch {
  name: string;
  source: string;
  /** Distinct entries the candidate shares with the imported list (after case, width and script folding). */
  shared: number;
  /** Shares of the candidate's entries and of the imported list's entries. */
  shareOfList: number;
  shareOfImported: number;
}

/** Enough overlap to name: a few entries in common and a real share of one of the two lists. */
const MIN_SHARED = 5;
const MIN_SHARE = 0.2;

export class ImportedListIndex {
  private readonly byTerm = new Map<string, number[]>();
  private readonly sizes: number[];

  constructor(readonly lists: readonly ImportedList[]) {
    this.sizes = lists.map((l, i) => {
      const distinct = new Set(normalizeTerms(l.terms).filter((t) => t.length > 0));
      for (const t of distinct) {
        const ids = this.byTerm.get(t);
        if (ids) ids.push(i);
        else this.byTerm.set(t, [i]);
      }
      return distinct.size;
    });
  }

  /** The imported lists a candidate overlaps, most shared first; `normalized` are its distinct folded entries. */
  match(normalized: Iterable<string>): ImportedListMatch[] {
    const shared = new Map<number, number>();
    let n = 0;
    for (const e of normalized) {
      n++;
      for (const id of this.byTerm.get(e) ?? []) shared.set(id, (shared.get(id) ?? 0) + 1);
    }
    const out: ImportedListMatch[] = [];
    for (const [id, k] of shared) {
      const l = this.lists[id]!;
      const shareOfList = k / Math.max(1, n);
      const shareOfImported = k / Math.max(1, this.sizes[id]!);
      if (k >= MIN_SHARED && Math.max(shareOfList, shareOfImported) >= MIN_SHARE) {
        out.push({
          name: l.name,
          source: l.source,
          shared: k,
          shareOfList: round(shareOfList),
          shareOfImported: round(shareOfImported),
        });
      }
    }
    return out.sort((a, b) => b.shared - a.shared);
  }
}

/** The terms of a list file in any shape Candor reads (lines, JSON, CSV, XML, delimited). */
export function parseImportedList(text: string): string[] {
  const split = splitList(text);
  if (!split) return [];
  return [...new Set(split.entries.map((e) => e.trim()).filter((e) => e.length > 0))];
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
