import { MalformedInputError } from '../io/errors.js';

/**
 * A parser for the STIX 2.1 patterning language's comparison expressions (section 9 of the STIX 2.1
 * specification): `[object-type:path op value]` joined by AND/OR, with observation expressions joined by
 * AND/OR/FOLLOWEDBY. Values are single-quoted with `\'` and `\\` escapes, so `=` and `]` inside a
 * value are part of it. Candor evaluates `=`, `!=`, `IN`, `LIKE` and `MATCHES`; qualifiers (WITHIN,
 * REPEATS, START/STOP) are parsed and ignored, since one scan is a single observation.
 */

export interface Comparison {
  objectType: string;
  /** Property path after the colon, with quoted keys unquoted: `hashes.SHA-256`. */
  path: string;
  op: '=' | '!=' | 'IN' | 'LIKE' | 'MATCHES' | '<' | '>' | '<=' | '>=';
  negated: boolean;
  values: string[];
}

/** Disjunctive normal form: OR of ANDs of comparisons. */
export type Pattern = Comparison[][];

type Token = { t: 'lbr' | 'rbr' | 'lpar' | 'rpar' | 'word' | 'str' | 'op' | 'comma'; v: string };

/** The tokens of one character. */
const PUNCTUATION = new Map<string, Token['t']>([
  ['[', 'lbr'],
  [']', 'rbr'],
  ['(', 'lpar'],
  [')', 'rpar'],
  [',', 'comma'],
]);

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src.charAt(i);
    const punctuation = PUNCTUATION.get(c);
    if (/\s/.test(c)) i++;
    else if (punctuation) {
      out.push({ t: punctuation, v: c });
      i++;
    } else if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= src.length)
          throw new MalformedInputError('stix/unterminated-string', 'unterminated string in pattern');
        if (src.charAt(i) === '\\' && i + 1 < src.length) {
          v += src.charAt(i + 1);
          i += 2;
        } else if (src.charAt(i) === "'") {
          i++;
          break;
        } else v += src.charAt(i++);
      }
      out.push({ t: 'str', v });
    } else if (/[=!<>]/.test(c)) {
      const two = src.slice(i, i + 2);
      const op = ['!=', '<=', '>='].includes(two) ? two : c;
      if (op === '!') throw new MalformedInputError('stix/bad-operator', `bad operator at ${i}`);
      out.push({ t: 'op', v: op });
      i += op.length;
    } else {
      // Object paths and keywords; a quoted key inside a path (hashes.'SHA-256') is joined to the word.
      let v = '';
      while (i < src.length && !/[\s[\]()=!<>,]/.test(src.charAt(i))) {
        if (src.charAt(i) === "'") {
          const end = src.indexOf("'", i + 1);
          if (end < 0) throw new MalformedInputError('stix/unterminated-string', 'unterminated key in pattern');
          v += src.slice(i + 1, end);
          i = end + 1;
        } else v += src.charAt(i++);
      }
      if (!v) throw new MalformedInputError('stix/bad-token', `unexpected ${JSON.stringify(c)} at ${i}`);
      out.push({ t: 'word', v });
    }
  }
  return out;
}

export function parsePattern(src: string): Pattern {
  if (src.length > 100_000) throw new MalformedInputError('stix/too-long', 'pattern longer than 100,000 characters');
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const expect = (t: Token['t']) => {
    const tok = toks[p++];
    if (!tok || tok.t !== t) throw new MalformedInputError('stix/syntax', `expected ${t} at token ${p}`);
    return tok;
  };
  const isKw = (k: string) => {
    const tok = peek();
    return tok?.t === 'word' && tok.v.toUpperCase() === k;
  };
  // observation := '[' cmpOr ']' qualifiers* | '(' obsOr ')'
  const obsOr = (): Pattern => {
    let left = obsAnd();
    while (isKw('OR')) {
      p++;
      left = [...left, ...obsAnd()];
    }
    return left;
  };
  const obsAnd = (): Pattern => {
    let left = observation();
    while (isKw('AND') || isKw('FOLLOWEDBY')) {
      p++;
      left = product(left, observation());
    }
    return left;
  };
  const observation = (): Pattern => {
    let result: Pattern;
    if (peek()?.t === 'lpar') {
      p++;
      result = obsOr();
      expect('rpar');
    } else {
      expect('lbr');
      result = cmpOr();
      expect('rbr');
    }
    // Qualifiers: WITHIN n SECONDS, REPEATS n TIMES, START t STOP t.
    while (isKw('WITHIN') || isKw('REPEATS') || isKw('START')) {
      const kw = expect('word').v.toUpperCase();
      p += kw === 'START' ? 3 : 2;
    }
    return result;
  };
  const cmpOr = (): Pattern => {
    let left = cmpAnd();
    while (isKw('OR')) {
      p++;
      left = [...left, ...cmpAnd()];
    }
    return left;
  };
  const cmpAnd = (): Pattern => {
    let left = cmpAtom();
    while (isKw('AND')) {
      p++;
      left = product(left, cmpAtom());
    }
    return left;
  };
  const cmpAtom = (): Pattern => {
    if (peek()?.t === 'lpar') {
      p++;
      const r = cmpOr();
      expect('rpar');
      return r;
    }
    const path = expect('word').v;
    const colon = path.indexOf(':');
    if (colon <= 0) throw new MalformedInputError('stix/bad-path', `object path ${JSON.stringify(path)} has no type`);
    let negated = false;
    if (isKw('NOT')) {
      negated = true;
      p++;
    }
    let op: Comparison['op'];
    if (peek()?.t === 'op') op = expect('op').v as Comparison['op'];
    else if (isKw('IN') || isKw('LIKE') || isKw('MATCHES')) op = expect('word').v.toUpperCase() as Comparison['op'];
    else throw new MalformedInputError('stix/bad-operator', `expected an operator after ${path}`);
    const values: string[] = [];
    if (op === 'IN') {
      expect('lpar');
      values.push(value());
      while (peek()?.t === 'comma') {
        p++;
        values.push(value());
      }
      expect('rpar');
    } else values.push(value());
    return [[{ objectType: path.slice(0, colon), path: path.slice(colon + 1), op, negated, values }]];
  };
  const value = (): string => {
    const tok = toks[p++];
    if (!tok || (tok.t !== 'str' && tok.t !== 'word'))
      throw new MalformedInputError('stix/bad-value', `expected a value at token ${p}`);
    return tok.v;
  };
  const result = obsOr();
  if (p !== toks.length) throw new MalformedInputError('stix/trailing', `unexpected input after token ${p}`);
  if (result.length > 10_000)
    throw new MalformedInputError('stix/too-complex', 'pattern expands to too many alternatives');
  return result;
}

function product(a: Pattern, b: Pattern): Pattern {
  const out: Pattern = [];
  for (const x of a) for (const y of b) out.push([...x, ...y]);
  return out;
}

/** Evaluates one comparison against the values an observable has for its path. */
export function compare(c: Comparison, observed: string[]): string | null {
  // Every operator but IN has exactly one value (parsePattern reads one).
  const first = c.values[0];
  if (first === undefined) return null;
  for (const o of observed) {
    let hit = false;
    if (c.op === '=') hit = first === o || (isCaseless(c) && first.toLowerCase() === o.toLowerCase());
    else if (c.op === '!=') hit = first !== o;
    else if (c.op === 'IN')
      hit = c.values.some((v) => v === o || (isCaseless(c) && v.toLowerCase() === o.toLowerCase()));
    else if (c.op === 'LIKE') hit = likeToRegExp(first).test(o);
    else if (c.op === 'MATCHES') {
      try {
        hit = new RegExp(first).test(o);
      } catch {
        hit = false;
      }
    }
    if (hit !== c.negated) return o;
  }
  return null;
}

/** Hashes and host names compare without regard to case. */
function isCaseless(c: Comparison): boolean {
  return c.path.startsWith('hashes.') || c.objectType === 'domain-name' || c.objectType === 'x509-certificate';
}

function likeToRegExp(like: string): RegExp {
  const body = like
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${body}$`, 'i');
}
