import type { ResourceTable } from '../formats/arsc.js';
import { edgeRow, type DexFile } from '../formats/dex.js';
import type { ExtractedString } from '../formats/elf.js';
import type { Lexicon, LexiconHit } from '../lexicon/lexicon.js';
import type { Artefact } from '../model.js';
import type { OpaqueBlob, TextBlob } from './apk-model.js';

// eslint-disable-next-line no-control-regex -- any character outside ASCII, control range included
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Turns code and native libraries into list candidates. A keyword list compiled into an app is usually
 * a String[] initialiser: its terms are the string constants of one method (often `<clinit>`). In a
 * native library, a list is a run of NUL-separated strings laid out next to each other.
 * Only candidates with several lexicon hits become blobs, so ordinary code costs one cached match per
 * distinct string.
 */

const MIN_HITS = 3;
const MIN_ENTRIES = 5;
const MAX_ENTRY_CHARS = 200;
/** Largest gap, in bytes, between two native strings that still belong to the same run. */
const NATIVE_GAP = 16;

export function dexMethodBlobs(
  artefact: Artefact,
  dex: DexFile,
  lexicon: Lexicon,
  cache: Map<string, LexiconHit[]>,
): TextBlob[] {
  const x = dex.xrefs();
  const hitByString = new Map<number, boolean>();
  const hasHit = (idx: number): boolean => {
    let h = hitByString.get(idx);
    if (h === undefined) {
      const s = dex.string(idx);
      h = false;
      if (s && s.length <= MAX_ENTRY_CHARS) {
        let hits = cache.get(s);
        if (!hits) {
          hits = lexicon.match(s);
          cache.set(s, hits);
        }
        h = hits.length > 0;
      }
      hitByString.set(idx, h);
    }
    return h;
  };
  const out: TextBlob[] = [];
  for (const [b, body] of x.bodies.entries()) {
    const { targets } = edgeRow(x.strings, b);
    if (targets.length < MIN_ENTRIES) continue;
    let hits = 0;
    for (const idx of targets) {
      if (hits >= MIN_HITS) break;
      if (hasHit(idx)) hits++;
    }
    if (hits < MIN_HITS) continue;
    const entries: string[] = [];
    const seen = new Set<number>();
    for (const idx of targets) {
      if (seen.has(idx)) continue;
      seen.add(idx);
      const s = dex.string(idx);
      if (s && s.length <= MAX_ENTRY_CHARS) entries.push(s);
    }
    const { className, method } = dex.methodOwnerAndName(body.methodIdx);
    out.push({
      artefactId: artefact.id,
      location: { path: artefact.path, className, method, offset: body.codeOff },
      encoding: 'mutf-8',
      encodings: [],
      origin: 'dex-method',
      text: entries.join('\n'),
      entries,
    });
  }
  return out;
}

/** Long DEX strings that may hold a whole list (a JSON array, a delimited line). */
export function dexLongStringBlobs(artefact: Artefact, dex: DexFile, minChars = 64): TextBlob[] {
  const out: TextBlob[] = [];
  for (let i = 0; i < dex.stringCount; i++) {
    const r = dex.stringBytes(i);
    if (!r || r[1] - r[0] < minChars) continue;
    const s = dex.string(i);
    if (!s || !/[|,;\n、，]/.test(s)) continue;
    out.push({
      artefactId: artefact.id,
      location: { path: artefact.path, offset: r[0] },
      encoding: 'mutf-8',
      encodings: [],
      origin: 'dex-string',
      text: s,
    });
  }
  return out;
}

export function nativeRunBlobs(
  artefact: Artefact,
  strings: ExtractedString[],
  lexicon: Lexicon,
  cache: Map<string, LexiconHit[]>,
): TextBlob[] {
  const out: TextBlob[] = [];
  let run: ExtractedString[] = [];
  const flush = () => {
    if (run.length >= MIN_ENTRIES) {
      // In a table that is mostly GBK, strings that also happen to be valid UTF-8 are GBK too.
      const gbkRun =
        run.filter((s) => s.encoding === 'gb18030').length >
        run.filter((s) => NON_ASCII.test(s.text) && !s.encoding && !s.gbkAlternative).length;
      const texts = run.map((s) => (gbkRun && s.gbkAlternative ? s.gbkAlternative : s.text));
      for (const [from, to] of hitClusters(texts, lexicon, cache)) {
        const part = run.slice(from, to);
        const entries = texts.slice(from, to);
        const gbk = gbkRun ? part.length : 0;
        out.push({
          artefactId: artefact.id,
          location: { path: artefact.path, offset: part[0]?.offset ?? 0 },
          encoding: gbk > part.length / 2 ? 'gb18030' : 'utf-8',
          encodings: [],
          origin: 'native-strings',
          text: entries.join('\n'),
          entries,
        });
      }
    }
    run = [];
  };
  for (const s of strings) {
    const prev = run[run.length - 1];
    const gap = prev ? s.offset - (prev.offset + (prev.byteLength ?? Buffer.byteLength(prev.text))) : 0;
    if (prev && (gap > NATIVE_GAP || gap < 0 || s.section !== prev.section)) flush();
    run.push(s);
  }
  flush();
  // A list found through its pointer table is also a run in .rodata: keep the pointer table's copy.
  const tables = out.filter(
    (b, i) =>
      strings.length &&
      b.location.offset !== undefined &&
      sectionAt(strings, b.location.offset) === '(pointer table)' &&
      i >= 0,
  );
  if (!tables.length) return out;
  const inTables = new Set(tables.flatMap((b) => b.entries ?? []));
  return out.filter(
    (b) =>
      tables.includes(b) || (b.entries ?? []).filter((e) => inTables.has(e)).length < 0.8 * (b.entries?.length ?? 0),
  );
}

function sectionAt(strings: ExtractedString[], offset: number): string | undefined {
  return strings.find((s) => s.offset === offset)?.section;
}

/** Entries between two lexicon hits further apart than this belong to different lists (or to none). */
const CLUSTER_GAP = 40;
/** What a keyword entry never looks like: format strings, paths, code, markup. */
const CODE_LIKE = /[%{}<>=\\;]|::|^\.|\.(cpp|cc|h|c|lua|png|jpg|plist|json|xml|so)$/;
const MAX_LIST_ENTRY = 40;

/**
 * Where the lists are in a long sequence of strings (a native library's string table, an assembly's
 * user strings): stretches whose lexicon hits are at most CLUSTER_GAP entries apart, widened over the
 * neighbouring entries that still look like list entries (short, not code), so a list's first and last
 * words stay in even when the lexicon does not know them. Each stretch needs MIN_HITS hits.
 */
export function hitClusters(
  entries: string[],
  lexicon: Lexicon,
  cache: Map<string, LexiconHit[]>,
): Array<[number, number]> {
  const hits: number[] = [];
  for (const [i, t] of entries.entries()) {
    let h = cache.get(t);
    if (!h) {
      h = t.length <= MAX_ENTRY_CHARS ? lexicon.match(t) : [];
      cache.set(t, h);
    }
    if (h.length > 0) hits.push(i);
  }
  // Past either end there is no entry, so nothing list-like.
  const listLike = (i: number) => {
    const e = entries[i];
    return e !== undefined && e.length <= MAX_LIST_ENTRY && !CODE_LIKE.test(e);
  };
  // Groups of hits, each widened over list-like neighbours; groups that then touch are one list.
  const merged: Array<{ from: number; to: number; hits: number }> = [];
  const addGroup = (firstHit: number, lastHit: number, count: number) => {
    let from = firstHit;
    let to = lastHit + 1;
    while (from > 0 && listLike(from - 1)) from--;
    while (to < entries.length && listLike(to)) to++;
    const last = merged.at(-1);
    if (last && from <= last.to) {
      last.to = Math.max(last.to, to);
      last.hits += count;
    } else merged.push({ from, to, hits: count });
  };
  let group: { first: number; last: number; count: number } | null = null;
  for (const h of hits) {
    if (group && h - group.last <= CLUSTER_GAP) {
      group.last = h;
      group.count++;
      continue;
    }
    if (group) addGroup(group.first, group.last, group.count);
    group = { first: h, last: h, count: 1 };
  }
  if (group) addGroup(group.first, group.last, group.count);
  return merged.filter((m) => m.hits >= MIN_HITS && m.to - m.from >= MIN_ENTRIES).map((m) => [m.from, m.to]);
}

/** A blob whose entries are a whole heap (a .NET assembly's user strings) becomes one blob per list in it. */
export function clusterBlob(blob: TextBlob, lexicon: Lexicon, cache: Map<string, LexiconHit[]>): TextBlob[] {
  const entries = blob.entries ?? [];
  return hitClusters(entries, lexicon, cache).map(([from, to]) => {
    const part = entries.slice(from, to);
    return {
      ...blob,
      location: { ...blob.location, entry: `${blob.location.entry ?? ''}[${from}..${to})`, offset: from },
      text: part.join('\n'),
      entries: part,
    };
  });
}

/**
 * Whether text is probably an encoding of something else: one long Base64 or hex token, several lines
 * that are each Base64, or runs of percent- or unicode-escapes.
 */
export function looksEncoded(text: string): boolean {
  const t = text.trim();
  if (t.length < 16) return false;
  // Encoded data may be wrapped in lines, but never has spaces inside: sentences are not Base64.
  const compact = t.replace(/[\r\n]+/g, '');
  if (/^[0-9a-fA-F]+$/.test(compact)) return true;
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact) && mixedClasses(compact)) return true;
  if ((t.match(/%[0-9A-Fa-f]{2}/g)?.length ?? 0) >= 6 || (t.match(/\\u[0-9a-fA-F]{4}/g)?.length ?? 0) >= 3) return true;
  const lines = t.split(/\r?\n/).filter((l) => l.trim());
  return lines.length >= 3 && lines.every((l) => /^[A-Za-z0-9+/_-]{4,}={0,2}$/.test(l.trim()));
}

/** Base64 of anything but trivial text mixes upper case, lower case and digits; identifiers rarely do all three. */
function mixedClasses(s: string): boolean {
  return /[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9+/]/.test(s);
}

const MIN_ARRAY_BYTES = 48;
/** A Base64 list of even a dozen terms is longer than this; shorter tokens are ids, hashes and keys. */
const MIN_ENCODED_STRING = 64;

/** Long encoded-looking DEX strings and static byte-array initialisers: candidates for the decoding search. */
export function dexOpaqueBlobs(artefact: Artefact, dex: DexFile): OpaqueBlob[] {
  const out: OpaqueBlob[] = [];
  for (let i = 0; i < dex.stringCount; i++) {
    const r = dex.stringBytes(i);
    if (!r || r[1] - r[0] < MIN_ENCODED_STRING) continue;
    const s = dex.string(i);
    // Hex digests (SHA-1, SHA-256, SHA-512) are everywhere in code and never a list.
    if (s && /^[0-9a-fA-F]{40,128}$/.test(s)) continue;
    if (s && looksEncoded(s))
      out.push({
        artefactId: artefact.id,
        location: { path: artefact.path, offset: r[0] },
        origin: 'dex-string',
        bytes: Buffer.from(s),
      });
  }
  const x = dex.xrefs();
  for (const a of x.arrays) {
    if (a.elementWidth !== 1 || a.count < MIN_ARRAY_BYTES) continue;
    const body = x.bodies[a.body];
    if (!body) continue; // a payload's body is one of x.bodies
    const { className, method } = dex.methodOwnerAndName(body.methodIdx);
    out.push({
      artefactId: artefact.id,
      location: { path: artefact.path, className, method, offset: a.offset },
      origin: 'dex-array',
      bytes: dex.buf.subarray(a.offset, a.offset + a.count),
    });
  }
  return out;
}

/**
 * A string that is a list rather than a sentence: at least MIN_LIST_SEPARATORS of one separator, where a
 * comma or semicolon counts only without a following space (prose puts one after it).
 */
function delimitedList(s: string): boolean {
  for (const sep of [/\n/g, /\|/g, /、/g, /，/g, /,(?! )/g, /;(?! )/g, /；/g])
    if ((s.match(sep)?.length ?? 0) >= MIN_LIST_SEPARATORS) return true;
  return false;
}

const MIN_LIST_SEPARATORS = 8;

/** Long string resources that hold a whole list (one string of delimited words) rather than UI text. */
const MIN_LIST_RESOURCE = 64;

/**
 * String arrays of resources.arsc in every configuration (an app may ship its filter only for zh-rCN),
 * and long delimited string resources. Identical item lists of several configurations are one blob.
 */
export function resourceBlobs(artefact: Artefact, table: ResourceTable): TextBlob[] {
  const out: TextBlob[] = [];
  const path = `${artefact.path}!/resources.arsc`;
  const seen = new Set<string>();
  const pool = table.strings;
  if (!pool) return out;
  const add = (resId: number, locale: string, entries: string[] | null, text: string) => {
    const key = `${resId}:${text}`;
    if (seen.has(key)) return;
    seen.add(key);
    const id = `0x${resId.toString(16).padStart(8, '0')}`;
    out.push({
      artefactId: artefact.id,
      location: { path, entry: `${id}${locale ? ` (${locale})` : ''}`, offset: resId },
      encoding: 'utf-8',
      encodings: ['arsc'],
      origin: 'entry',
      text,
      ...(entries ? { entries } : {}),
    });
  };
  for (const [resId, configs] of table.bags) {
    for (const c of configs) {
      const entries = c.strings.map((i) => pool.tryGet(i)).filter((s): s is string => s !== null && s.length > 0);
      if (entries.length >= MIN_ENTRIES) add(resId, c.locale, entries, entries.join('\n'));
    }
  }
  for (const [resId, values] of table.values) {
    for (const v of values) {
      if (v.dataType !== 0x03) continue;
      const s = pool.tryGet(v.data);
      if (s && s.length >= MIN_LIST_RESOURCE && delimitedList(s)) add(resId, v.locale, null, s);
    }
  }
  return out;
}
