import { MalformedInputError } from '../io/errors.js';
import { Cursor, StringBudget, textOf } from './cursor.js';

/**
 * String constants of compiled Lua chunks, function by function, in the order the compiler numbered
 * them: PUC Lua 5.1, 5.2, 5.3 and 5.4 (`luac` output, layouts from each version's lundump.c) and
 * LuaJIT 1/2 bytecode (`luajit -b`, lj_bcwrite.c). A keyword table written in Lua source is the string
 * constants of the function that builds it (PUC Lua), or of a template table constant (LuaJIT), so a
 * function's strings are one list candidate. Nothing is executed.
 */

export type LuaVersion = '5.1' | '5.2' | '5.3' | '5.4' | 'luajit';

export interface LuaFunctionStrings {
  /** Position in the prototype tree: "main", "main/0", "main/0/2"... (LuaJIT: "proto N" in file order). */
  id: string;
  line: number;
  strings: string[];
}

export interface LuaChunk {
  version: LuaVersion;
  functions: LuaFunctionStrings[];
  /** True when the string limit stopped the reader before the end. */
  truncated: boolean;
}

/** Lua refuses to nest functions deeper than this (LUAI_MAXCCALLS); deeper is a hostile file. */
const MAX_DEPTH = 200;
const LUAC_DATA = [0x19, 0x93, 0x0d, 0x0a, 0x1a, 0x0a];

export function isLuaBytecode(buf: Uint8Array): boolean {
  return (
    buf.length >= 5 &&
    buf[0] === 0x1b &&
    ((buf[1] === 0x4c && buf[2] === 0x75 && buf[3] === 0x61) || (buf[1] === 0x4c && buf[2] === 0x4a))
  );
}

export function readLuaBytecode(buf: Uint8Array, maxStrings: number): LuaChunk {
  if (!isLuaBytecode(buf)) throw new MalformedInputError('lua/bad-magic', 'not a Lua or LuaJIT bytecode chunk');
  const budget = new StringBudget(maxStrings, 'lua');
  if (buf[1] === 0x4c && buf[2] === 0x4a) return readLuaJit(buf, budget);
  const c = new Cursor(buf, 'lua', 4);
  const version = c.u8();
  const reader = new PucReader(c, version, budget);
  reader.header();
  const functions: LuaFunctionStrings[] = [];
  reader.fn('main', 0, functions);
  return { version: reader.versionName(), functions, truncated: budget.truncated };
}

class PucReader {
  private sizeInt = 4;
  private sizeSizeT = 4;
  private sizeInstr = 4;
  private sizeNumber = 8;
  private sizeInteger = 8;

  constructor(
    private readonly c: Cursor,
    private readonly version: number,
    private readonly budget: StringBudget,
  ) {
    if (version < 0x51 || version > 0x54)
      throw new MalformedInputError(
        'lua/unsupported-version',
        `Lua bytecode version 0x${version.toString(16)} is not 5.1-5.4`,
      );
  }

  versionName(): LuaVersion {
    return `5.${this.version - 0x50}` as LuaVersion;
  }

  header(): void {
    const c = this.c;
    const format = c.u8();
    if (format !== 0)
      throw new MalformedInputError('lua/unsupported-format', `Lua bytecode format ${format} is not the official one`);
    if (this.version <= 0x52) {
      c.le = c.u8() === 1;
      this.sizeInt = c.u8();
      this.sizeSizeT = c.u8();
      this.sizeInstr = c.u8();
      this.sizeNumber = c.u8();
      c.u8(); // integral-number flag
      if (this.version === 0x52) this.tail();
    } else {
      this.tail();
      if (this.version === 0x53) {
        this.sizeInt = c.u8();
        this.sizeSizeT = c.u8();
      }
      this.sizeInstr = c.u8();
      this.sizeInteger = c.u8();
      this.sizeNumber = c.u8();
      // LUAC_INT (0x5678) tells the byte order.
      const at = c.pos;
      c.le = true;
      if (c.uint(Math.min(this.sizeInteger, 8)) !== 0x5678) {
        c.pos = at;
        c.le = false;
        if (c.uint(Math.min(this.sizeInteger, 8)) !== 0x5678)
          throw new MalformedInputError('lua/bad-header', 'LUAC_INT check value does not match');
      }
      c.skip(this.sizeNumber);
      c.u8(); // number of upvalues of the main function
    }
    for (const [name, v] of [
      ['int', this.sizeInt],
      ['size_t', this.sizeSizeT],
      ['Instruction', this.sizeInstr],
    ] as const) {
      if (v !== 4 && v !== 8) throw new MalformedInputError('lua/bad-header', `sizeof(${name}) = ${v}`);
    }
  }

  private tail(): void {
    for (const b of LUAC_DATA)
      if (this.c.u8() !== b)
        throw new MalformedInputError('lua/bad-header', 'LUAC_DATA check bytes do not match (damaged chunk)');
  }

  /** A count: `int` up to 5.3, the MSB-first varint of 5.4. Bounded by the bytes left, as each item takes one. */
  private count(): number {
    const n = this.version === 0x54 ? this.varint() : this.c.uint(this.sizeInt);
    if (n > this.c.remaining)
      throw new MalformedInputError('lua/bad-count', `count ${n} at ${this.c.pos} exceeds the chunk`);
    return n;
  }

  private varint(): number {
    let x = 0;
    for (let i = 0; i < 10; i++) {
      const b = this.c.u8();
      x = x * 128 + (b & 0x7f);
      if (b & 0x80) return x;
    }
    throw new MalformedInputError('lua/bad-varint', `varint too long at ${this.c.pos}`);
  }

  /** A string, or null for Lua's NULL string (absent source, stripped names). */
  private string(): Uint8Array | null {
    const c = this.c;
    let size: number;
    if (this.version <= 0x52) size = c.uint(this.sizeSizeT);
    else if (this.version === 0x53) {
      size = c.u8();
      if (size === 0xff) size = c.uint(this.sizeSizeT);
    } else size = this.varint();
    if (size === 0) return null;
    // 5.1 and 5.2 store the trailing NUL; 5.3 and 5.4 store size+1 and no NUL.
    const bytes = c.bytes(this.version <= 0x52 ? size : size - 1);
    return this.version <= 0x52 ? bytes.subarray(0, bytes.length - 1) : bytes;
  }

  private int(): number {
    return this.version === 0x54 ? this.varint() : this.c.uint(this.sizeInt);
  }

  fn(id: string, depth: number, out: LuaFunctionStrings[]): void {
    if (depth > MAX_DEPTH) throw new MalformedInputError('lua/too-deep', `functions nested deeper than ${MAX_DEPTH}`);
    const c = this.c;
    const v = this.version;
    if (v !== 0x52) this.string(); // source
    const line = this.int();
    this.int(); // lastlinedefined
    if (v === 0x51) c.u8(); // nups
    c.skip(3); // numparams, is_vararg, maxstacksize
    c.skip(this.count() * this.sizeInstr);
    const entry: LuaFunctionStrings = { id, line, strings: [] };
    out.push(entry);
    const n = this.count();
    for (let i = 0; i < n; i++) {
      const t = c.u8();
      if (t === 0) continue;
      if (v <= 0x52) {
        if (t === 1) c.u8();
        else if (t === 3) c.skip(this.sizeNumber);
        else if (t === 4) this.keep(entry);
        else throw badConstant(t, c.pos);
      } else if (t === 1 || t === 0x11) {
        if (v === 0x53) c.u8();
      } else if (t === 3) c.skip(v === 0x53 ? this.sizeNumber : this.sizeInteger);
      else if (t === 0x13) c.skip(v === 0x53 ? this.sizeInteger : this.sizeNumber);
      else if (t === 4 || t === 0x14) this.keep(entry);
      else throw badConstant(t, c.pos);
    }
    if (v <= 0x52) this.protos(id, depth, out);
    if (v >= 0x52) c.skip(this.count() * (v === 0x54 ? 3 : 2)); // upvalue descriptors
    if (v >= 0x53) this.protos(id, depth, out);
    if (v === 0x52) this.string(); // source sits in the debug part in 5.2
    if (v === 0x54) {
      c.skip(this.count()); // lineinfo, one signed byte each
      const abs = this.count();
      for (let i = 0; i < abs; i++) {
        this.varint();
        this.varint();
      }
    } else c.skip(this.count() * this.sizeInt);
    const locals = this.count();
    for (let i = 0; i < locals; i++) {
      this.string();
      this.int();
      this.int();
    }
    const upvalueNames = this.count();
    for (let i = 0; i < upvalueNames; i++) this.string();
  }

  private protos(id: string, depth: number, out: LuaFunctionStrings[]): void {
    const n = this.count();
    for (let i = 0; i < n; i++) this.fn(`${id}/${i}`, depth + 1, out);
  }

  private keep(entry: LuaFunctionStrings): void {
    const s = this.string();
    if (s && this.budget.take()) entry.strings.push(textOf(s));
  }
}

function badConstant(t: number, at: number): MalformedInputError {
  return new MalformedInputError('lua/bad-constant', `unknown constant type ${t} at ${at - 1}`);
}

const LJ_STRIP = 0x02;

function readLuaJit(buf: Uint8Array, budget: StringBudget): LuaChunk {
  const c = new Cursor(buf, 'luajit', 3);
  const version = c.u8();
  if (version !== 1 && version !== 2)
    throw new MalformedInputError('lua/unsupported-version', `LuaJIT bytecode version ${version}`);
  const flags = uleb(c);
  const stripped = (flags & LJ_STRIP) !== 0;
  if (!stripped) c.skip(uleb(c)); // chunk name
  const functions: LuaFunctionStrings[] = [];
  for (let index = 0; ; index++) {
    if (c.remaining === 0) break; // some writers omit the terminating zero
    const len = uleb(c);
    if (len === 0) break;
    c.need(len);
    const end = c.pos + len;
    const p = new Cursor(buf, 'luajit', c.pos, end);
    functions.push(readLuaJitProto(p, index, stripped, budget));
    c.pos = end;
  }
  return { version: 'luajit', functions, truncated: budget.truncated };
}

function readLuaJitProto(c: Cursor, index: number, stripped: boolean, budget: StringBudget): LuaFunctionStrings {
  c.skip(3); // flags, numparams, framesize
  const numuv = c.u8();
  const sizekgc = uleb(c);
  uleb(c); // sizekn
  const sizebc = uleb(c);
  let line = 0;
  if (!stripped && uleb(c) > 0) {
    line = uleb(c);
    uleb(c); // numline
  }
  c.skip(sizebc * 4 + numuv * 2);
  if (sizekgc > c.remaining)
    throw new MalformedInputError('lua/bad-count', `${sizekgc} GC constants in a ${c.remaining}-byte prototype`);
  // Written from the last constant index to the first: reversed, they are in the order the source used them.
  const groups: string[][] = [];
  for (let i = 0; i < sizekgc; i++) {
    const t = uleb(c);
    const group: string[] = [];
    if (t >= 5) keepLj(c, t - 5, group, budget);
    else if (t === 1) {
      const narray = uleb(c);
      const nhash = uleb(c);
      if (narray + nhash > c.remaining)
        throw new MalformedInputError(
          'lua/bad-count',
          `table constant of ${narray}+${nhash} items exceeds the prototype`,
        );
      for (let k = 0; k < narray; k++) tableValue(c, group, budget);
      for (let k = 0; k < nhash * 2; k++) tableValue(c, group, budget);
    } else if (t === 2 || t === 3) {
      uleb(c);
      uleb(c);
    } else if (t === 4) for (let k = 0; k < 4; k++) uleb(c);
    groups.push(group);
  }
  const strings = groups.reverse().flat();
  return { id: `proto ${index}`, line, strings };
}

function tableValue(c: Cursor, group: string[], budget: StringBudget): void {
  const t = uleb(c);
  if (t >= 5) keepLj(c, t - 5, group, budget);
  else if (t === 3) uleb(c);
  else if (t === 4) {
    uleb(c);
    uleb(c);
  }
}

function keepLj(c: Cursor, len: number, group: string[], budget: StringBudget): void {
  const bytes = c.bytes(len);
  if (budget.take()) group.push(textOf(bytes));
}

function uleb(c: Cursor): number {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 5; i++) {
    const b = c.u8();
    v += (b & 0x7f) * mul;
    if (b < 0x80) return v;
    mul *= 128;
  }
  throw new MalformedInputError('lua/bad-varint', `ULEB128 too long at ${c.pos}`);
}

/**
 * String literals of Lua source, grouped by the innermost table constructor that holds them; long
 * strings (`[[...]]`, `[==[...]==]`) are groups of their own, since a list is often one long string of
 * lines. Comments are skipped; escapes are decoded as Lua 5.x does.
 */
export function luaSourceStrings(text: string, maxStrings: number): { groups: string[][]; truncated: boolean } {
  const budget = new StringBudget(maxStrings, 'lua');
  const groups: string[][] = [];
  const stack: string[][] = [];
  const top: string[] = [];
  let i = 0;
  const n = text.length;
  const add = (s: string) => {
    if (budget.take()) (stack[stack.length - 1] ?? top).push(s);
  };
  while (i < n && !budget.truncated) {
    const ch = text[i];
    if (ch === '-' && text[i + 1] === '-') {
      const lb = longBracket(text, i + 2);
      if (lb) i = lb.end;
      else {
        const nl = text.indexOf('\n', i);
        i = nl < 0 ? n : nl + 1;
      }
    } else if (ch === '"' || ch === "'") {
      const r = shortString(text, i);
      add(r.value);
      i = r.end;
    } else if (ch === '[' && (text[i + 1] === '[' || text[i + 1] === '=')) {
      const lb = longBracket(text, i);
      if (lb) {
        if (budget.take()) groups.push([lb.value.replace(/^\r?\n/, '')]);
        i = lb.end;
      } else i++;
    } else if (ch === '{') {
      if (stack.length < MAX_DEPTH) stack.push([]);
      i++;
    } else if (ch === '}') {
      const g = stack.pop();
      if (g && g.length) groups.push(g);
      i++;
    } else i++;
  }
  for (const g of stack) if (g.length) groups.push(g);
  if (top.length) groups.push(top);
  return { groups, truncated: budget.truncated };
}

function longBracket(text: string, at: number): { value: string; end: number } | null {
  if (text[at] !== '[') return null;
  let level = 0;
  let p = at + 1;
  while (text[p] === '=') {
    level++;
    p++;
  }
  if (text[p] !== '[') return null;
  const close = `]${'='.repeat(level)}]`;
  const end = text.indexOf(close, p + 1);
  if (end < 0) return { value: text.slice(p + 1), end: text.length };
  return { value: text.slice(p + 1, end), end: end + close.length };
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
  '\n': '\n',
};

function shortString(text: string, at: number): { value: string; end: number } {
  const quote = text[at];
  let out = '';
  // Decimal and hex escapes are bytes: collect them and decode runs as UTF-8, as the file's author meant.
  let bytes: number[] = [];
  const flushBytes = () => {
    if (bytes.length) out += textOf(Uint8Array.from(bytes));
    bytes = [];
  };
  let i = at + 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === quote || ch === '\n') {
      flushBytes();
      return { value: out, end: i + 1 };
    }
    if (ch !== '\\') {
      flushBytes();
      out += ch;
      i++;
      continue;
    }
    const e = text[i + 1] ?? '';
    if (/[0-9]/.test(e)) {
      const m = /^[0-9]{1,3}/.exec(text.slice(i + 1, i + 4))!;
      bytes.push(Number(m[0]) & 0xff);
      i += 1 + m[0].length;
    } else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
      bytes.push(parseInt(text.slice(i + 2, i + 4), 16));
      i += 4;
    } else if (e === 'u' && text[i + 2] === '{') {
      const close = text.indexOf('}', i + 3);
      const cp = close > 0 ? parseInt(text.slice(i + 3, close), 16) : NaN;
      flushBytes();
      if (Number.isFinite(cp) && cp <= 0x10ffff) out += String.fromCodePoint(cp);
      i = close > 0 ? close + 1 : i + 2;
    } else if (e === 'z') {
      i += 2;
      while (i < text.length && /\s/.test(text.charAt(i))) i++;
    } else {
      flushBytes();
      out += SIMPLE_ESCAPES[e] ?? e;
      i += 2;
    }
  }
  flushBytes();
  return { value: out, end: i };
}
