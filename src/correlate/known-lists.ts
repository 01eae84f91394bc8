import { loadDataFile } from '../data-files.js';

/** Published keyword-list mechanisms (data/known-lists.json), matched by entry path, string, URL or decoding chain. */

export interface KnownList {
  id: string;
  name: string;
  vendor: string;
  kind: string;
  source: string;
  description: string;
  match: { entries?: string[]; strings?: string[]; urls?: string[]; chains?: string[][] };
}

let cached: KnownList[] | null = null;
export function knownLists(): KnownList[] {
  if (!cached) cached = loadDataFile('known-lists').lists;
  return cached;
}

export function matchEntry(path: string): KnownList | undefined {
  return knownLists().find((k) => (k.match.entries ?? []).some((e) => path === e || path.endsWith(`/${e}`)));
}

export function matchChain(chain: string[]): KnownList | undefined {
  const key = JSON.stringify(chain);
  return knownLists().find((k) => (k.match.chains ?? []).some((c) => JSON.stringify(c) === key));
}

export function matchString(s: string): KnownList | undefined {
  return knownLists().find(
    (k) => (k.match.strings ?? []).includes(s) || (k.match.urls ?? []).some((u) => s.includes(u)),
  );
}
