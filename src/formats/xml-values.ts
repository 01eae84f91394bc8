import { StringBudget } from './cursor.js';

/**
 * Values of a text XML config, grouped by where they sit: `<item word="..."/>` puts a list in attribute
 * values, `<string-array><item>...</item>` in element text. Each group is `element@attribute` or
 * `element` (text), so the largest sibling groups are the list candidates. A tolerant tokenizer rather
 * than a DOM: game configs are often not well-formed, and nothing here resolves entities beyond the five
 * predefined ones and character references (no DTD, no external entities).
 */

export interface XmlGroup {
  key: string;
  values: string[];
}

const MAX_DEPTH = 256;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeXmlEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (match, e: string) => {
    if (e[0] !== '#') return NAMED[e] ?? match;
    const cp = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
  });
}

export function looksLikeXml(text: string): boolean {
  return /^\s*(<\?xml|<!--|<[A-Za-z_])/.test(text.replace(/^\uFEFF/, ''));
}

export function xmlValueGroups(text: string, maxStrings: number): { groups: XmlGroup[]; truncated: boolean } {
  const budget = new StringBudget(maxStrings, 'xml');
  const groups = new Map<string, string[]>();
  const add = (key: string, v: string) => {
    const t = v.trim();
    if (!t || !budget.take()) return;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(t);
  };
  const stack: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n && !budget.truncated) {
    const lt = text.indexOf('<', i);
    const textEnd = lt < 0 ? n : lt;
    const open = stack.at(-1);
    if (textEnd > i && open !== undefined) add(open, decodeXmlEntities(text.slice(i, textEnd)));
    if (lt < 0) break;
    if (text.startsWith('<!--', lt)) {
      const e = text.indexOf('-->', lt + 4);
      i = e < 0 ? n : e + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      const e = text.indexOf(']]>', lt + 9);
      if (open !== undefined) add(open, text.slice(lt + 9, e < 0 ? n : e));
      i = e < 0 ? n : e + 3;
    } else if (text[lt + 1] === '?' || text[lt + 1] === '!') {
      const e = text.indexOf('>', lt + 2);
      i = e < 0 ? n : e + 1;
    } else if (text[lt + 1] === '/') {
      const e = text.indexOf('>', lt + 2);
      stack.pop();
      i = e < 0 ? n : e + 1;
    } else {
      const tag = readTag(text, lt + 1);
      for (const [attr, value] of tag.attributes) add(`${tag.name}@${attr}`, decodeXmlEntities(value));
      if (!tag.selfClosing && stack.length < MAX_DEPTH) stack.push(tag.name);
      i = tag.end;
    }
  }
  return { groups: [...groups].map(([key, values]) => ({ key, values })), truncated: budget.truncated };
}

function readTag(
  text: string,
  at: number,
): { name: string; attributes: Array<[string, string]>; selfClosing: boolean; end: number } {
  const name = /^[^\s/>]*/.exec(text.slice(at, at + 256))![0];
  let i = at + name.length;
  const attributes: Array<[string, string]> = [];
  while (i < text.length) {
    while (i < text.length && /\s/.test(text.charAt(i))) i++;
    if (text[i] === '>') return { name, attributes, selfClosing: false, end: i + 1 };
    if (text[i] === '/' && text[i + 1] === '>') return { name, attributes, selfClosing: true, end: i + 2 };
    const an = /^[^\s=/>]+/.exec(text.slice(i, i + 256));
    if (!an) {
      i++;
      continue;
    }
    i += an[0].length;
    while (i < text.length && /\s/.test(text.charAt(i))) i++;
    if (text[i] !== '=') {
      attributes.push([an[0], '']);
      continue;
    }
    i++;
    while (i < text.length && /\s/.test(text.charAt(i))) i++;
    const quote = text[i];
    if (quote === '"' || quote === "'") {
      const e = text.indexOf(quote, i + 1);
      const end = e < 0 ? text.length : e;
      attributes.push([an[0], text.slice(i + 1, end)]);
      i = end + 1;
    } else {
      const v = /^[^\s>]*/.exec(text.slice(i, i + 4096))![0];
      attributes.push([an[0], v]);
      i += v.length;
    }
  }
  return { name, attributes, selfClosing: false, end: text.length };
}
