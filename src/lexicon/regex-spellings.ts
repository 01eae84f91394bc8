/**
 * Literal spellings of a keyword written as a regular expression, as real filters write them:
 * `毛[^一-龥]*[泽择澤擇主][^一-龥]*[东東席]` matches 毛泽东 with anything but Chinese between the characters.
 * Gaps (negated classes, `.`, `\W`, wide ranges, look-arounds) are dropped, each class or group is a
 * choice, and optional atoms may be left out. All spellings are produced when there are few; past a cap,
 * the "diagonal" ones (the n-th choice everywhere), which line up Simplified with Traditional variants.
 * Bounded in work and output: a hostile pattern yields a few spellings, never a blow-up.
 */

const MAX_FORMS = 64;
const MAX_DIAGONAL = 16;
/** A character range wider than this (a-z, 一-龥) matches "anything of a kind": a gap, not a choice. */
const MAX_RANGE = 10;
const MAX_DEPTH = 16;

/** The top-level alternatives of a pattern: `a|b(c|d)|e` → `a`, `b(c|d)`, `e`. */
export function topLevelAlternatives(pattern: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inClass = false;
  let start = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === '|' && depth === 0) {
      out.push(pattern.slice(start, i));
      start = i + 1;
    }
  }
  out.push(pattern.slice(start));
  return out;
}

/** Each atom is a set of alternative strings ('' when it may be left out or is a gap). */
type Atom = string[];

export function regexSpellings(pattern: string): string[] {
  const parser = { s: pattern, i: 0 };
  const forms = parseAlternation(parser, 0);
  const out = [...new Set(forms.map((f) => f.trim()).filter((f) => f.length > 0))];
  return out.length > 0 ? out : [pattern];
}

function parseAlternation(p: { s: string; i: number }, depth: number): string[] {
  const alternatives: string[][] = [];
  for (;;) {
    alternatives.push(expand(parseSequence(p, depth)));
    if (p.s[p.i] === '|') {
      p.i++;
      continue;
    }
    break;
  }
  return cap(alternatives.flat());
}

function parseSequence(p: { s: string; i: number }, depth: number): Atom[] {
  const atoms: Atom[] = [];
  while (p.i < p.s.length) {
    const c = p.s[p.i]!;
    if (c === '|' || c === ')') break;
    let atom: Atom;
    if (c === '\\') {
      const next = p.s[p.i + 1] ?? '';
      p.i += 2;
      atom = /[dDwWsSbBpP]/.test(next) ? [''] : [next];
    } else if (c === '[') {
      atom = parseClass(p);
    } else if (c === '(') {
      p.i++;
      let lookaround = false;
      if (p.s[p.i] === '?') {
        const kind = p.s.slice(p.i, p.i + 3);
        lookaround = /^\?(<?[=!])/.test(kind);
        p.i += kind.startsWith('?<') ? 3 : 2;
      }
      atom = depth >= MAX_DEPTH ? [''] : parseAlternation(p, depth + 1);
      if (p.s[p.i] === ')') p.i++;
      if (lookaround) atom = [''];
    } else if (c === '.' || c === '^' || c === '$') {
      p.i++;
      atom = [''];
    } else if ('*+?{'.includes(c)) {
      // A quantifier with nothing before it: skip it.
      p.i++;
      continue;
    } else {
      p.i++;
      atom = [c];
    }
    atoms.push(quantified(p, atom));
  }
  return atoms;
}

function quantified(p: { s: string; i: number }, atom: Atom): Atom {
  const c = p.s[p.i];
  let optional = false;
  if (c === '?' || c === '*') {
    optional = true;
    p.i++;
  } else if (c === '+') {
    p.i++;
  } else if (c === '{') {
    const m = /^\{(\d*)(,\d*)?\}/.exec(p.s.slice(p.i));
    if (m) {
      optional = m[1] === '' || m[1] === '0';
      p.i += m[0].length;
    }
  }
  // Lazy and possessive markers after a quantifier.
  if (p.s[p.i] === '?' || p.s[p.i] === '+') p.i++;
  return optional && !atom.includes('') ? [...atom, ''] : atom;
}

function parseClass(p: { s: string; i: number }): Atom {
  p.i++;
  const negated = p.s[p.i] === '^';
  if (negated) p.i++;
  const chars: string[] = [];
  let first = true;
  while (p.i < p.s.length && (p.s[p.i] !== ']' || first)) {
    first = false;
    let ch = p.s[p.i]!;
    if (ch === '\\') {
      const next = p.s[p.i + 1] ?? '';
      p.i += 2;
      // \d, \w and the like admit a whole kind of character: no choice to spell out.
      if (!/[dDwWsSbBpP]/.test(next)) chars.push(next);
      continue;
    }
    const cp = ch.codePointAt(0)!;
    ch = String.fromCodePoint(cp);
    p.i += ch.length;
    if (p.s[p.i] === '-' && p.s[p.i + 1] !== undefined && p.s[p.i + 1] !== ']') {
      const endCp = p.s.codePointAt(p.i + 1)!;
      p.i += 1 + String.fromCodePoint(endCp).length;
      if (endCp - cp <= MAX_RANGE && endCp >= cp) for (let x = cp; x <= endCp; x++) chars.push(String.fromCodePoint(x));
      continue;
    }
    chars.push(ch);
  }
  if (p.s[p.i] === ']') p.i++;
  if (negated || chars.length === 0) return [''];
  return [...new Set(chars)];
}

/** All products of the atoms' choices, or past the cap the diagonal ones. */
function expand(atoms: Atom[]): string[] {
  let total = 1;
  for (const a of atoms) {
    total *= a.length;
    if (total > MAX_FORMS) break;
  }
  if (total <= MAX_FORMS) {
    let forms = [''];
    for (const a of atoms) forms = forms.flatMap((f) => a.map((x) => f + x));
    return forms;
  }
  const widest = Math.min(MAX_DIAGONAL, Math.max(...atoms.map((a) => a.length)));
  const out: string[] = [];
  for (let j = 0; j < widest; j++) {
    // The j-th non-empty choice of each atom (wrapping), so that optional atoms are kept in.
    out.push(atoms.map((a) => pick(a, j)).join(''));
  }
  return out;
}

function pick(a: Atom, j: number): string {
  const nonEmpty = a.filter((x) => x !== '');
  if (nonEmpty.length === 0) return '';
  return nonEmpty[j % nonEmpty.length]!;
}

function cap(forms: string[]): string[] {
  return forms.length <= MAX_FORMS ? forms : forms.slice(0, MAX_FORMS);
}
