import { Converter } from 'opencc-js/t2cn';

/**
 * Folds the ways a censored term is disguised to one canonical form: full-width and compatibility forms
 * (NFKC), case, Traditional to Simplified script (OpenCC t2s), and separators inserted between CJK
 * characters ("六 四", "法.轮.功", "习_近_平", zero-width spaces).
 */

const toSimplified = Converter({ from: 't', to: 'cn' });

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
// Separators that obfuscators put between CJK characters: whitespace, punctuation, symbols, zero-width.
const SEPARATOR = /[\s\p{P}\p{S}\u200b-\u200f\u2060\ufeff]/u;

export function isCjk(ch: string): boolean {
  return CJK.test(ch);
}

export function normalizeTerm(text: string): string {
  const lowered = text.normalize('NFKC').toLowerCase();
  // ASCII needs no script folding: skip the converter for the most common strings in code.
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(lowered)) return lowered.trim();
  return foldSeparators(toSimplified(lowered));
}

/** Normalises many terms with one pass of the script converter (it is costly per call). */
export function normalizeTerms(texts: string[]): string[] {
  const lowered = texts.map((t) => t.normalize('NFKC').toLowerCase().replace(/\n/g, ' '));
  const converted = toSimplified(lowered.join('\n')).split('\n');
  if (converted.length !== texts.length) return texts.map(normalizeTerm);
  // eslint-disable-next-line no-control-regex
  return converted.map((c) => (/^[\x00-\x7f]*$/.test(c) ? c.trim() : foldSeparators(c)));
}

function foldSeparators(folded: string): string {
  if (!CJK.test(folded)) return folded.trim();
  // Drop separator runs whose neighbours on both sides are CJK characters.
  const chars = Array.from(folded);
  let out = '';
  let i = 0;
  // Past the end, chars[j] is undefined and tested as '': neither a separator nor CJK.
  for (let ch = chars[0]; ch !== undefined; ch = chars[i]) {
    if (SEPARATOR.test(ch) && out.length > 0 && CJK.test(out.charAt(out.length - 1))) {
      let j = i;
      while (j < chars.length && SEPARATOR.test(chars[j] ?? '')) j++;
      if (j < chars.length && CJK.test(chars[j] ?? '')) {
        i = j;
        continue;
      }
    }
    out += ch;
    i++;
  }
  return out.trim();
}
