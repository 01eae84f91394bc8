/**
 * Splits text into list entries when it has the shape of a list: a JSON array or object of strings,
 * XML items, one entry per line, or one line of delimited entries. Prose, code and markup that are not
 * lists return null, so a paragraph that mentions Tibet is never read as a blocklist.
 */

export type ListStructure = 'json' | 'xml' | 'lines' | 'delimited' | 'given';

export interface SplitList {
  structure: ListStructure;
  entries: string[];
}

const MAX_ENTRIES = 200_000;
const MAX_ENTRY_CHARS = 200;
/** Median entry length above which a "list" is really prose. */
const MAX_MEDIAN_CHARS = 40;

export function splitList(text: string): SplitList | null {
  const trimmed = text.trim();
  if (trimmed.length === 0) return null;
  if (trimmed[0] === '[' || trimmed[0] === '{') {
    const json = jsonStrings(trimmed);
    if (json) return finish('json', json);
  }
  if (trimmed[0] === '<') {
    const xml = xmlTexts(trimmed);
    if (xml.length > 0) return finish('xml', xml);
  }
  const lines = trimmed.split(/\r\n|\r|\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines.length >= 3) {
    // A CSV-like list: several fields per line, keep every field.
    const fields = lines.flatMap((l) => (/[,\t]/.test(l) && !/\s{2,}/.test(l) ? l.split(/[,\t]/) : [l]));
    return finish('lines', fields);
  }
  for (const sep of ['|', '、', ',', '，', ';', '；', '\t', ' ']) {
    const parts = trimmed.split(sep);
    if (parts.length >= 5) return finish('delimited', parts);
  }
  return null;
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
  if (lengths[Math.floor(lengths.length / 2)] > MAX_MEDIAN_CHARS) return null;
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
      consider(entries.filter(([, x]) => typeof x === 'number' || typeof x === 'boolean' || x === null).map(([k]) => k));
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
    const t = decodeEntities(m[1].trim());
    if (t) out.push(t);
  }
  return out;
}

function decodeEntities(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);/gi, (all, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (named[e.toLowerCase()]) return named[e.toLowerCase()];
    const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : all;
  });
}
