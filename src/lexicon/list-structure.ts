import { regexSpellings, topLevelAlternatives } from './regex-spellings.js';

// eslint-disable-next-line no-control-regex -- any character outside ASCII, control range included
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Splits text into list entries when it has the shape of a list: a JSON array or object of strings,
 * XML items, one entry per line, or one line of delimited entries. Prose, code and markup that are not
 * lists return null, so a paragraph that mentions Tibet is never read as a blocklist.
 */

export type ListStructure = 'json' | 'xml' | 'lines' | 'csv' | 'regex' | 'delimited' | 'given';

export interface SplitList {
  structure: ListStructure;
  entries: string[];
  /** For regular-expression lists: the literal spellings each entry matches (a bounded sample). */
  forms?: string[][];
  /** For CSV tables: the column kept as the entries (0-based) and the column count. */
  column?: { index: number; of: number };
}

const MAX_ENTRIES = 200_000;
const MAX_ENTRY_CHARS = 200;
/** Regular expressions of real lists are long: one alternative may spell out a dozen variants. */
const MAX_REGEX_CHARS = 4000;
/** Median entry length above which a "list" is really prose. */
const MAX_MEDIAN_CHARS = 40;
const LINE_DELIMITERS = ['|', '\t', ',', ';'] as const;

export function splitList(text: string): SplitList | null {
  const trimmed = text.replace(/^\ufeff/, '').trim();
  if (trimmed.length === 0) return null;
  if (trimmed[0] === '[' || trimmed[0] === '{') {
    const json = jsonStrings(trimmed);
    if (json) return finish('json', json);
  }
  if (trimmed[0] === '<') {
    const xml = xmlTexts(trimmed);
    if (xml.length > 0) return finish('xml', xml);
  }
  const lines = trimmed
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  if (looksLikeRegexList(lines)) return regexList(lines);
  if (lines.length >= 3) {
    const delimiter = lineDelimiter(lines);
    if (delimiter === '|' || delimiter === ';') {
      return finish(
        'lines',
        lines.flatMap((l) => l.split(delimiter)),
      );
    }
    if (delimiter) {
      const table = csvColumn(lines, delimiter);
      if (table) return { ...table, column: table.column };
      return finish(
        'lines',
        lines.flatMap((l) => l.split(delimiter)),
      );
    }
    return finish('lines', lines);
  }
  for (const sep of ['|', '、', ',', '，', ';', '；', '\t', ' ']) {
    const parts = trimmed.split(sep);
    if (parts.length >= 5) return finish('delimited', parts);
  }
  return null;
}

/** The delimiter most lines share, if any: a list of "a|b|c" lines or a CSV table. */
function lineDelimiter(lines: string[]): string | null {
  const sample = lines.slice(0, 2000);
  for (const d of LINE_DELIMITERS) {
    const withIt = sample.filter((l) => l.includes(d) && !/\s{2,}/.test(l)).length;
    if (withIt >= 0.5 * sample.length) return d;
  }
  return null;
}

/**
 * A CSV table of keywords keeps one column: the words. Columns of numbers (ids, levels), of masks
 * ("***", the replacement a filter shows), of booleans or of a few repeated values (categories) are not
 * entries; a header row of ASCII names over non-ASCII rows is dropped.
 */
function csvColumn(lines: string[], delimiter: string): SplitList | null {
  const rows = lines.map((l) => l.split(delimiter).map((f) => f.trim().replace(/^"(.*)"$/, '$1')));
  const width = mode(rows.map((r) => r.length));
  if (width < 2) return null;
  const regular = rows.filter((r) => r.length === width);
  if (regular.length < 0.8 * rows.length) return null;
  let body = regular;
  const head = regular[0]!;
  if (
    head.every((f) => /^[A-Za-z_][\w ]*$/.test(f)) &&
    regular.slice(1).some((r) => r.some((f) => NON_ASCII.test(f)))
  ) {
    body = regular.slice(1);
  }
  const scores: number[] = [];
  for (let c = 0; c < width; c++) {
    const values = body.map((r) => r[c] ?? '');
    const filled = values.filter((v) => v.length > 0);
    const distinctShare = new Set(filled).size / Math.max(1, filled.length);
    const notWords = filled.filter((v) => /^-?[\d.]+$|^[*＊#]+$|^(true|false)$/i.test(v)).length;
    scores.push(
      filled.length === 0 || notWords > 0.5 * filled.length || distinctShare < 0.2 ? -1 : filled.length * distinctShare,
    );
  }
  const best = scores.indexOf(Math.max(...scores));
  if (best < 0 || scores[best]! < 0) return null;
  const split = finish(
    'csv',
    body.map((r) => r[best] ?? ''),
  );
  return split ? { ...split, column: { index: best, of: width } } : null;
}

function mode(xs: number[]): number {
  const counts = new Map<number, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  let best = 0;
  let bestCount = -1;
  for (const [x, n] of counts) if (n > bestCount) [best, bestCount] = [x, n];
  return best;
}

// Syntax only regular expressions use: classes with ranges or negation, lazy or bounded repeats, groups.
const REGEX_SYNTAX = /\[\^|\]\*\??|\]\{\d*,?\d*\}|\)\?|\(\?[:!=]|\.\*\??|\[[^\]]{2,}\]/;

function looksLikeRegexList(lines: string[]): boolean {
  const sample = lines.slice(0, 500);
  return sample.length > 0 && sample.filter((l) => REGEX_SYNTAX.test(l)).length >= 0.3 * sample.length;
}

/** A list of regular expressions: each top-level alternative of each line is an entry. */
function regexList(lines: string[]): SplitList | null {
  const entries: string[] = [];
  const forms: string[][] = [];
  for (const line of lines) {
    for (const alt of topLevelAlternatives(line)) {
      const a = alt.trim();
      if (a.length === 0 || a.length > MAX_REGEX_CHARS) continue;
      entries.push(a);
      forms.push(regexSpellings(a));
      if (entries.length >= MAX_ENTRIES) break;
    }
  }
  if (entries.length < 1) return null;
  return { structure: 'regex', entries, forms };
}

function finish(structure: ListStructure, raw: string[]): SplitList | null {
  const entries: string[] = [];
  for (const r of raw) {
    const e = r.trim().replace(/^["']|["']$/g, '');
    if (e.length > 0 && e.length <= MAX_ENTRY_CHARS) entries.push(e);
    if (entries.length >= MAX_ENTRIES) break;
  }
  if (entries.length < 3) return null;
  const lengths = entries.map((e) => e.length).sort((a, b) => a - b);
  const median = lengths[Math.floor(lengths.length / 2)] ?? 0; // entries.length >= 3
  if (median > MAX_MEDIAN_CHARS) return null;
  return { structure, entries };
}

/**
 * The list inside a JSON document: the largest group of sibling strings (an array's string elements, an
 * object's string values, or an object's keys when its values are flags or counts). A config response such
 * as `{"status":0,"keywords":[...],"version":42}` yields its `keywords`, not its field names.
 */
function jsonStrings(text: string): string[] | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  let best: string[] = [];
  let visited = 0;
  const consider = (group: string[]) => {
    if (group.length > best.length) best = group.slice(0, MAX_ENTRIES);
  };
  const walk = (v: unknown, depth: number): void => {
    if (depth > 64 || ++visited > MAX_ENTRIES * 4) return;
    if (Array.isArray(v)) {
      consider(v.filter((x): x is string => typeof x === 'string'));
      v.forEach((x) => walk(x, depth + 1));
    } else if (v && typeof v === 'object') {
      const entries = Object.entries(v);
      consider(entries.filter(([, x]) => typeof x === 'string').map(([, x]) => x as string));
      consider(
        entries.filter(([, x]) => typeof x === 'number' || typeof x === 'boolean' || x === null).map(([k]) => k),
      );
      entries.forEach(([, x]) => walk(x, depth + 1));
    }
  };
  walk(data, 0);
  return best;
}

function xmlTexts(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/>([^<>]+)</g)) {
    if (out.length >= MAX_ENTRIES) break;
    const t = decodeEntities((m[1] ?? '').trim());
    if (t) out.push(t);
  }
  return out;
}

function decodeEntities(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);/gi, (all, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    const name = named[e.toLowerCase()];
    if (name) return name;
    const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : all;
  });
}
