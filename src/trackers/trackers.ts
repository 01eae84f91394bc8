import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { readFileSync } from 'node:fs';
import { loadDataFile } from '../data-files.js';
import { MalformedInputError } from '../io/errors.js';

/**
 * Tracker signatures: Candor's built-in set (class-name prefixes) and Exodus Privacy's database
 * (regular expressions). Exodus matches `re.search(code_signature, name)` against slash-separated class
 * names taken from `dexdump` output (exodus-core static_analysis.py), so an Exodus pattern such as
 * `com.facebook.ads.` matches `com/facebook/ads/Foo` through the regex wildcard; Candor does the same.
 */

export interface TrackerSignature {
  id: string;
  name: string;
  source: 'builtin' | 'exodus';
  categories: string[];
  website?: string;
  /** Matches a slash-separated class name (`com/foo/Bar$1`). */
  matchClass(name: string): boolean;
  /** When the signature is a set of slash-separated class-name prefixes, those prefixes (fast path). */
  prefixes?: string[];
  /** Host suffixes or a regex source, for network attribution. */
  hosts: string[];
  networkPattern?: RegExp;
}

export interface TrackerSet {
  signatures: TrackerSignature[];
  source: string;
}

interface BuiltinFile {
  version: number;
  trackers: Array<{
    id: string;
    name: string;
    categories: string[];
    website?: string;
    code: string[];
    hosts: string[];
  }>;
}

export function loadBuiltinTrackers(): TrackerSet {
  const file: BuiltinFile = loadDataFile('trackers');
  return {
    source: `builtin v${file.version}`,
    signatures: file.trackers.map((t) => {
      const prefixes = t.code.map((p) => p.replace(/\./g, '/'));
      return {
        id: t.id,
        name: t.name,
        source: 'builtin' as const,
        categories: t.categories,
        website: t.website,
        hosts: t.hosts,
        prefixes,
        matchClass: (name: string) => prefixes.some((p) => matchesPrefix(name, p)),
      };
    }),
  };
}

/**
 * A built-in code signature: a package prefix (`com/umeng/`) takes every class under it; a class name
 * (`com/google/android/gms/ads/AdView`) takes that class and its inner classes, not `AdViewHolder`.
 */
export function matchesPrefix(name: string, p: string): boolean {
  if (!name.startsWith(p)) return false;
  return p.endsWith('/') || name.length === p.length || name[p.length] === '$';
}

/** One entry of Exodus's list: a name is required; the other fields are checked where they are read. */
const ExodusTracker = Type.Object({
  id: Type.Optional(Type.Union([Type.Number(), Type.String()])),
  name: Type.String(),
  code_signature: Type.Optional(Type.Unknown()),
  network_signature: Type.Optional(Type.Unknown()),
  website: Type.Optional(Type.Unknown()),
  categories: Type.Optional(Type.Unknown()),
});

/** Parses Exodus's `{"trackers": {...}}` API format (also accepted: a bare array of trackers). */
export function parseExodusTrackers(json: string, origin = 'exodus'): TrackerSet {
  let data: unknown;
  try {
    data = JSON.parse(json) as unknown;
  } catch (err) {
    throw new MalformedInputError('trackers/bad-json', `${origin}: ${(err as Error).message}`);
  }
  const raw = (data as { trackers?: unknown })?.trackers ?? data;
  const list: unknown[] = Array.isArray(raw)
    ? (raw as unknown[])
    : raw && typeof raw === 'object'
      ? Object.values(raw)
      : [];
  if (list.length === 0) throw new MalformedInputError('trackers/empty', `${origin}: no trackers found`);
  const signatures: TrackerSignature[] = [];
  for (const t of list) {
    if (!Value.Check(ExodusTracker, t)) continue;
    const code = typeof t.code_signature === 'string' ? t.code_signature : '';
    // exodus-core ignores signatures of three characters or fewer.
    let re: RegExp | null = null;
    if (code.length > 3) {
      try {
        re = new RegExp(code);
      } catch {
        re = null;
      }
    }
    let net: RegExp | undefined;
    if (typeof t.network_signature === 'string' && t.network_signature.length > 3) {
      try {
        net = new RegExp(t.network_signature);
      } catch {
        net = undefined;
      }
    }
    signatures.push({
      id: `exodus-${t.id}`,
      name: t.name,
      source: 'exodus',
      categories: (Array.isArray(t.categories) ? (t.categories as unknown[]) : []).map((c) => String(c).toLowerCase()),
      website: typeof t.website === 'string' ? t.website : undefined,
      hosts: [],
      networkPattern: net,
      matchClass: re ? (name: string) => re.test(name) : () => false,
    });
  }
  return { signatures, source: origin };
}

export function loadExodusTrackers(path: string): TrackerSet {
  return parseExodusTrackers(readFileSync(path, 'utf8'), path);
}

/** Names of the trackers whose host signatures match a host: built-in host suffixes, Exodus network regexes. */
export function trackersForHost(set: TrackerSet, host: string): string[] {
  const h = host.toLowerCase();
  const out: string[] = [];
  for (const sig of set.signatures) {
    if (sig.hosts.some((x) => h === x || h.endsWith(`.${x}`)) || (sig.networkPattern && sig.networkPattern.test(h)))
      out.push(sig.name);
  }
  return out;
}
