import type { DexFile } from '../formats/dex.js';
import {
  arrayPayload,
  codeRegisters,
  invokeKind,
  isAget,
  isAput,
  isConstNumber,
  isIf,
  isIget,
  isIput,
  isMove,
  isSget,
  isSput,
  switchPayload,
  walkCode,
  type InvokeKind,
} from './dalvik.js';
import { lambdaTarget } from './dex-tables.js';

/**
 * Constant propagation inside one method: a linear sweep over its instructions that keeps, per register,
 * an abstract value (string and number constants, objects built here with the calls made on them,
 * arrays, results of calls, field reads, parameters) and which call results or field reads the register
 * depends on. At a forward branch target the values of the arms that reach it are joined: a register
 * holding the same value on every arm keeps it, different constants become the set of them (`alt`),
 * anything else is unknown; at a loop header the constants the loop body overwrites are unknown. The
 * sweep stays linear in the method's size. The output is a `MethodSummary`: call sites with their
 * argument values and how their results are used (and which calls they are passed to), field reads and
 * writes, comparisons, returns, and how each parameter is used.
 */

export type Value =
  | { k: 'str'; s: string }
  | { k: 'num'; v: number }
  | { k: 'obj'; cls: string; ctor: Value[]; calls: ObjCall[]; site: number }
  | { k: 'arr'; type: string; elems: Value[] }
  | { k: 'ret'; site: number }
  | { k: 'field'; field: string }
  | { k: 'param'; i: number }
  | { k: 'class'; desc: string }
  | { k: 'cat'; parts: Value[] }
  /** One of several constants, from the arms of a branch join (`x = eu ? "a" : "b"`). */
  | { k: 'alt'; opts: Value[] }
  | { k: 'unknown' };

export interface ObjCall {
  name: string;
  args: Value[];
}

export const UNKNOWN: Value = Object.freeze({ k: 'unknown' });

/** How a call's result or a field read is used in the method (bit flags). */
export const USE_BRANCH = 1;
export const USE_RETURN = 2;
export const USE_STORE = 4;
export const USE_ARG = 8;

/** A call that a value is passed to: call-site index in the summary, argument index (0 = receiver). */
export interface PassedTo {
  site: number;
  arg: number;
}

export interface CallSite {
  pc: number;
  kind: InvokeKind;
  /** `Lcls;->name(proto)ret` of the referenced method (for invoke-custom, of the lambda's implementation). */
  ref: string;
  /** Class and name, without the prototype: `Lcls;->name`. */
  callee: string;
  args: Value[];
  /** USE_* flags of the result, directly or through values derived from it. */
  use: number;
  /** Fields the result (or something derived from it) is stored into. */
  storedTo: string[];
  /** Calls the result (or something derived from it) is passed to as an argument (at most MAX_PASSED). */
  passedTo?: PassedTo[];
  /** Method index (in this DEX) of a lambda implementation. */
  lambda?: number;
}

export interface FieldAccess {
  pc: number;
  field: string;
  write: boolean;
  /** Written value (writes), or the USE_* flags of the read value (reads). */
  value?: Value;
  use: number;
  /** Call sites / field reads whose results the written value depends on. */
  from?: number[];
  /** Reads: calls the read value is passed to as an argument. */
  passedTo?: PassedTo[];
}

/** How a parameter's value is used in the method (logical index, `this` first in instance methods). */
export interface ParamUse {
  use: number;
  storedTo: string[];
  passedTo: PassedTo[];
}

export interface Comparison {
  pc: number;
  op: number;
  left: Value;
  right: Value;
  /** Call sites the compared values depend on. */
  sites: number[];
}

export interface MethodSummary {
  calls: CallSite[];
  fields: FieldAccess[];
  comparisons: Comparison[];
  returns: Value[];
  /** Call sites whose results (or derived values) the method returns. */
  returnSites: number[];
  newInstances: string[];
  strings: string[];
  numbers: number[];
  /** Instructions walked; the body was cut short when true. */
  units: number;
  truncated: boolean;
  /** Instance method: parameter 0 is `this`. */
  hasThis: boolean;
  /** Per logical parameter (`this` has none: its uses are everywhere). */
  params: ParamUse[];
}

/** Resolves a static or instance field read to the constant it always holds, when the model knows one. */
export type FieldResolver = (field: string) => Value | undefined;

const MAX_OBJ_CALLS = 64;
const MAX_ELEMS = 4096;
const MAX_DEPS = 8;
/** Origins: call sites are numbered from 0; field reads from FIELD_ORIGIN up. */
const FIELD_ORIGIN = 1 << 20;
/** Parameter origins from PARAM_ORIGIN up (by logical index). */
const PARAM_ORIGIN = 1 << 26;
const MAX_PASSED = 4;
const MAX_ALTS = 8;
/** Case keys kept as a switch's comparison (a country switch has a few dozen). */
const MAX_SWITCH_KEYS = 64;
/** Register writes logged for pending branch joins; past it, new branches keep the fall-through values. */
const MAX_LOG = 1 << 20;

export interface SummarizeOptions {
  /** The method's prototype, `(ILjava/lang/String;)V`: places the parameters in their registers. */
  proto?: string;
  resolveField?: FieldResolver;
  /** Canonical name of a field reference (the class that declares it). */
  fieldKey?: (signature: string) => string;
  /** Canonical name of the DEX's field index `idx` (preferred over `fieldKey`: the model caches it per index). */
  fieldAt?: (idx: number) => string;
}

export function summarize(dex: DexFile, codeOff: number, opts: SummarizeOptions = {}): MethodSummary {
  const buf = dex.buf;
  const { registers, ins } = codeRegisters(buf, codeOff);
  const regs = new Array<Value>(registers).fill(UNKNOWN);
  const deps = new Array<number[] | null>(registers).fill(null);
  const out: MethodSummary = {
    calls: [],
    fields: [],
    comparisons: [],
    returns: [],
    returnSites: [],
    newInstances: [],
    strings: [],
    numbers: [],
    units: 0,
    truncated: false,
    hasThis: false,
    params: [],
  };
  const resolveField = opts.resolveField;
  // Static fields, and fields of `this`, that this method has written, with the last value: a read of one is
  // that value (an enum's <clinit> builds $VALUES from the constants it has just made, a constructor reads
  // back what it has just set), not a field constant that is being made from this very method.
  // At a branch join a field written in one arm holds either value: the writes made while a branch was
  // pending are logged (field, value before) like the registers', and joined where the arms meet.
  const written = new Map<string, Value>();
  const wlogF: string[] = [];
  const wlogPrev: Array<Value | undefined> = [];
  const pendingWrites = new Map<number, number[]>();
  /** `v` undefined: the field holds again what it held on entry (no path to here wrote it). */
  const write = (field: string, v: Value | undefined) => {
    if (pendingCount > 0) {
      wlogF.push(field);
      wlogPrev.push(written.get(field));
    }
    if (v === undefined) written.delete(field);
    else written.set(field, v);
  };
  /** A field's value on entry to the method, as a read with nothing written before it sees it. */
  const incoming = (field: string): Value => resolveField?.(field) ?? { k: 'field', field };
  const isThis = (reg: number) => {
    const v = regs[reg];
    return out.hasThis && v?.k === 'param' && v.i === 0;
  };
  const fieldAt = opts.fieldAt;
  const fieldKey = opts.fieldKey;
  const fieldName = (idx: number) =>
    fieldAt ? fieldAt(idx) : fieldKey ? fieldKey(dex.fieldSignature(idx)) : dex.fieldSignature(idx);
  // Parameters take the last `ins` registers; `this` comes first in instance methods; long and double take two.
  const widths = paramTypes(opts.proto ?? '()V').map((t) => (t === 'J' || t === 'D' ? 2 : 1));
  const paramWords = widths.reduce((a, b) => a + b, 0);
  out.hasThis = ins - paramWords === 1;
  let r = registers - ins;
  let logical = 0;
  if (out.hasThis && r >= 0) {
    out.params.push({ use: 0, storedTo: [], passedTo: [] });
    regs[r++] = { k: 'param', i: logical++ };
  }
  for (const w of widths) {
    out.params.push({ use: 0, storedTo: [], passedTo: [] });
    if (r >= 0 && r < registers) {
      regs[r] = { k: 'param', i: logical };
      deps[r] = [PARAM_ORIGIN + logical];
    }
    logical++;
    r += w;
  }
  const loops = loopWrites(buf, codeOff);
  let last: { value: Value; deps: number[] | null } | null = null;
  const mark = (d: number[] | null, flag: number, field?: string) => {
    if (!d) return;
    for (const o of d) {
      if (o >= PARAM_ORIGIN) {
        const p = out.params[o - PARAM_ORIGIN];
        if (!p) continue;
        p.use |= flag;
        if (field && !p.storedTo.includes(field) && p.storedTo.length < 4) p.storedTo.push(field);
      } else if (o >= FIELD_ORIGIN) {
        const f = out.fields[o - FIELD_ORIGIN];
        if (f) f.use |= flag;
      } else {
        const c = out.calls[o];
        if (!c) continue;
        c.use |= flag;
        if (field && !c.storedTo.includes(field) && c.storedTo.length < 4) c.storedTo.push(field);
      }
    }
  };
  /** Records that the values depending on `d` are passed to call `site` as argument `arg`. */
  const passed = (d: number[] | null, site: number, arg: number) => {
    for (const o of d ?? []) {
      const holder: { passedTo?: PassedTo[] } | undefined =
        o >= PARAM_ORIGIN
          ? out.params[o - PARAM_ORIGIN]
          : o >= FIELD_ORIGIN
            ? out.fields[o - FIELD_ORIGIN]
            : out.calls[o];
      if (!holder) continue;
      const list = (holder.passedTo ??= []);
      if (list.length < MAX_PASSED && !list.some((x) => x.site === site && x.arg === arg)) list.push({ site, arg });
    }
  };
  const union = (a: number[] | null, b: number[] | null): number[] | null => {
    if (!a) return b;
    if (!b || a === b) return a;
    const u = [...a];
    for (const x of b) if (!u.includes(x) && u.length < MAX_DEPS) u.push(x);
    return u;
  };
  // A log of the values registers held before each write, kept while a forward branch is pending: the
  // state at the branch is the current one with the writes since undone, so a join costs the writes of
  // the skipped arm, not a copy of every register.
  const logR: number[] = [];
  const logV: Value[] = [];
  const logD: Array<number[] | null> = [];
  const pending = new Map<number, number[]>();
  let pendingCount = 0;
  const set = (r: number, v: Value, d: number[] | null = null) => {
    if (r >= registers) return;
    if (pendingCount > 0) {
      logR.push(r);
      logV.push(regs[r] ?? UNKNOWN);
      logD.push(deps[r] ?? null);
    }
    regs[r] = v;
    deps[r] = d;
  };
  let reachable = true;
  const snapshot = (target: number, pc: number) => {
    if (target <= pc || logR.length >= MAX_LOG) return;
    const list = pending.get(target);
    if (list) list.push(logR.length);
    else pending.set(target, [logR.length]);
    const writes = pendingWrites.get(target);
    if (writes) writes.push(wlogF.length);
    else pendingWrites.set(target, [wlogF.length]);
    pendingCount++;
  };
  /** Joins the fields written since each arm branched (`starts`: log positions) with what the arm held. */
  const joinWrites = (starts: number[]) => {
    const arms = starts.map((t0) => {
      const at = new Map<string, Value | undefined>();
      for (let i = t0; i < wlogF.length; i++) {
        const f = wlogF[i] ?? '';
        if (!at.has(f)) at.set(f, wlogPrev[i]);
      }
      return at;
    });
    const changed = new Set<string>();
    for (const at of arms) for (const f of at.keys()) changed.add(f);
    for (const f of changed) {
      const now = written.get(f);
      // What each arrival holds; undefined: what the field held on entry (nothing written on that path).
      const held: Array<Value | undefined> = reachable ? [now] : [];
      for (const at of arms) held.push(at.has(f) ? at.get(f) : now);
      const made = held.filter((x): x is Value => x !== undefined);
      const first = made[0];
      // Lazy initialisation (`if (l == null) l = new L()`): the field holds that object, or one made the
      // same way before, so the object is kept; constants join into a set; anything else is unknown.
      const lazy = first?.k === 'obj' && made.every((x) => x.k === 'obj' && x.cls === first.cls);
      if (!first) write(f, undefined);
      else write(f, lazy ? first : held.map((x) => x ?? incoming(f)).reduce(joinValues, first));
    }
  };
  const arrive = (pc: number) => {
    const starts = pending.get(pc);
    if (starts) {
      pending.delete(pc);
      pendingCount -= starts.length;
      // Each branch's registers as they were when it branched (those written since, undone).
      const arms = starts.map((t0) => {
        const at = new Map<number, { v: Value; d: number[] | null }>();
        for (let i = t0; i < logR.length; i++) {
          const r = logR[i] ?? 0;
          if (!at.has(r)) at.set(r, { v: logV[i] ?? UNKNOWN, d: logD[i] ?? null });
        }
        return at;
      });
      const changed = new Set<number>();
      for (const at of arms) for (const r of at.keys()) changed.add(r);
      const joined: Array<[number, Value, number[] | null]> = [];
      for (const r of changed) {
        let v: Value | null = reachable ? (regs[r] ?? UNKNOWN) : null;
        let d: number[] | null = reachable ? (deps[r] ?? null) : null;
        for (const at of arms) {
          const arm = at.get(r) ?? { v: regs[r] ?? UNKNOWN, d: deps[r] ?? null };
          v = v === null ? arm.v : joinValues(v, arm.v);
          d = union(d, arm.d);
        }
        joined.push([r, v ?? UNKNOWN, d]);
      }
      for (const [r, v, d] of joined) set(r, v, d);
      joinWrites(pendingWrites.get(pc) ?? []);
      pendingWrites.delete(pc);
    }
    // A loop header: what the body overwrites is not the constant seen on entry.
    for (const r of loops.get(pc) ?? []) {
      const v = regs[r];
      if (v && (v.k === 'num' || v.k === 'str' || v.k === 'cat' || v.k === 'alt')) set(r, UNKNOWN, deps[r] ?? null);
    }
    if (pendingCount === 0 && logR.length) {
      logR.length = 0;
      logV.length = 0;
      logD.length = 0;
    }
    if (pendingCount === 0 && wlogF.length) {
      wlogF.length = 0;
      wlogPrev.length = 0;
    }
    reachable = true;
  };
  const walk = walkCode(buf, codeOff, (insn) => {
    const op = insn.op;
    arrive(insn.pc);
    if (op >= 0x0e && op <= 0x11)
      reachable = false; // return-*
    else if (op === 0x27)
      reachable = false; // throw
    else if (op >= 0x28 && op <= 0x2a) {
      snapshot(insn.target, insn.pc);
      reachable = false;
      last = null;
      return;
    } else if (isIf(op)) snapshot(insn.target, insn.pc);
    const cases = op === 0x2b || op === 0x2c ? switchPayload(buf, codeOff, insn.pc, insn.target) : null;
    // Each case starts from the registers at the switch; the arms meet again where they end.
    for (const t of cases?.targets ?? []) snapshot(t, insn.pc);
    const pending = last;
    last = null;
    if (op >= 0x0a && op <= 0x0c) {
      if (pending) set(insn.a, pending.value, pending.deps);
      return;
    }
    if (isMove(op)) return set(insn.a, regs[insn.b] ?? UNKNOWN, deps[insn.b] ?? null);
    if (isConstNumber(op)) {
      out.numbers.push(insn.lit);
      return set(insn.a, { k: 'num', v: insn.lit });
    }
    switch (op) {
      case 0x0d: // move-exception
        return set(insn.a, UNKNOWN);
      case 0x0f:
      case 0x10:
      case 0x11:
        out.returns.push(regs[insn.a] ?? UNKNOWN);
        mark(deps[insn.a] ?? null, USE_RETURN);
        for (const o of deps[insn.a] ?? [])
          if (o < FIELD_ORIGIN && !out.returnSites.includes(o)) out.returnSites.push(o);
        return;
      case 0x1a:
      case 0x1b: {
        const s = dex.string(insn.idx) ?? '';
        out.strings.push(s);
        return set(insn.a, { k: 'str', s });
      }
      case 0x1c:
        return set(insn.a, { k: 'class', desc: dex.typeDescriptor(insn.idx) ?? '?' });
      case 0x1f:
        return; // check-cast keeps the value
      case 0x20:
      case 0x21:
        return set(insn.a, UNKNOWN, deps[insn.b] ?? null);
      case 0x22: {
        const cls = dex.typeDescriptor(insn.idx) ?? '?';
        out.newInstances.push(cls);
        return set(insn.a, { k: 'obj', cls, ctor: [], calls: [], site: -1 });
      }
      case 0x23: {
        const n = regs[insn.b];
        const len = n && n.k === 'num' && n.v >= 0 && n.v <= MAX_ELEMS ? n.v : 0;
        return set(insn.a, {
          k: 'arr',
          type: dex.typeDescriptor(insn.idx) ?? '?',
          elems: new Array<Value>(len).fill(UNKNOWN),
        });
      }
      case 0x24:
      case 0x25: {
        const elems = insn.regs.slice(0, insn.nregs).map((r) => regs[r] ?? UNKNOWN);
        last = { value: { k: 'arr', type: dex.typeDescriptor(insn.idx) ?? '?', elems }, deps: null };
        return;
      }
      case 0x26: {
        const a = regs[insn.a];
        const elems = arrayPayload(buf, codeOff, insn.target);
        if (elems && a && a.k === 'arr') a.elems = elems.slice(0, MAX_ELEMS).map((v) => ({ k: 'num', v }));
        return;
      }
    }
    if (isIf(op)) {
      const left = regs[insn.a] ?? UNKNOWN;
      const right = op >= 0x38 ? ({ k: 'num', v: 0 } as Value) : (regs[insn.b] ?? UNKNOWN);
      const d = op >= 0x38 ? (deps[insn.a] ?? null) : union(deps[insn.a] ?? null, deps[insn.b] ?? null);
      mark(d, USE_BRANCH);
      out.comparisons.push({ pc: insn.pc, op, left, right, sites: (d ?? []).filter((o) => o < FIELD_ORIGIN) });
      return;
    }
    if (cases) {
      // A switch compares its value with every case key (an MCC, a region code, a string's hash).
      const d = deps[insn.a] ?? null;
      mark(d, USE_BRANCH);
      const keys: Value[] = cases.keys.slice(0, MAX_SWITCH_KEYS).map((v) => ({ k: 'num', v }));
      out.comparisons.push({
        pc: insn.pc,
        op,
        left: regs[insn.a] ?? UNKNOWN,
        right: keys.length === 1 ? (keys[0] ?? UNKNOWN) : { k: 'alt', opts: keys },
        sites: (d ?? []).filter((o) => o < FIELD_ORIGIN),
      });
      return;
    }
    if (op >= 0x2d && op <= 0x31) {
      // cmp-long etc. feed an if-*: keep both operands as a comparison, carry the dependencies.
      const d = union(deps[insn.b] ?? null, deps[insn.c] ?? null);
      out.comparisons.push({
        pc: insn.pc,
        op,
        left: regs[insn.b] ?? UNKNOWN,
        right: regs[insn.c] ?? UNKNOWN,
        sites: (d ?? []).filter((o) => o < FIELD_ORIGIN),
      });
      return set(insn.a, UNKNOWN, d);
    }
    if (isAget(op)) {
      const arr = regs[insn.b];
      const i = regs[insn.c];
      const v = arr && arr.k === 'arr' && i && i.k === 'num' ? (arr.elems[i.v] ?? UNKNOWN) : UNKNOWN;
      return set(insn.a, v, union(deps[insn.b] ?? null, deps[insn.c] ?? null));
    }
    if (isAput(op)) {
      const arr = regs[insn.b];
      const i = regs[insn.c];
      if (arr && arr.k === 'arr' && i && i.k === 'num' && i.v >= 0 && i.v < MAX_ELEMS)
        arr.elems[i.v] = regs[insn.a] ?? UNKNOWN;
      return;
    }
    if (isIget(op) || isSget(op)) {
      const field = fieldName(insn.idx);
      const origin = FIELD_ORIGIN + out.fields.length;
      out.fields.push({ pc: insn.pc, field, write: false, use: 0 });
      const own = isSget(op) || isThis(insn.b) ? written.get(field) : undefined;
      const known = own ? (own.k === 'unknown' ? undefined : ownCopy(own)) : ownCopy(resolveField?.(field));
      const d = isIget(op) ? union([origin], deps[insn.b] ?? null) : [origin];
      return set(insn.a, known ?? { k: 'field', field }, d);
    }
    if (isIput(op) || isSput(op)) {
      const field = fieldName(insn.idx);
      const d = deps[insn.a] ?? null;
      mark(d, USE_STORE, field);
      if (isSput(op) || isThis(insn.b)) write(field, regs[insn.a] ?? UNKNOWN);
      out.fields.push({
        pc: insn.pc,
        field,
        write: true,
        value: regs[insn.a] ?? UNKNOWN,
        use: 0,
        ...(d ? { from: d.filter((o) => o < FIELD_ORIGIN) } : {}),
      });
      return;
    }
    const kind = invokeKind(op);
    if (kind) {
      const argRegs = insn.regs.slice(0, insn.nregs);
      let ref: string;
      let lambda: number | undefined;
      if (kind === 'custom') {
        const t = lambdaTarget(dex, insn.idx);
        if (t !== null) lambda = t;
        ref = t !== null ? dex.methodSignature(t) : `<call-site ${insn.idx}>`;
      } else ref = dex.methodSignature(insn.idx);
      const callee = ref.slice(0, ref.indexOf('('));
      // One argument per parameter: long and double take two registers, the value sits in the first.
      const args: Value[] = [];
      const argAt: number[] = [];
      let k = 0;
      if (kind !== 'static' && kind !== 'custom') argAt.push(argRegs[k++] ?? -1);
      for (const t of paramTypes(ref.slice(ref.indexOf('(')))) {
        if (k >= argRegs.length) break;
        argAt.push(argRegs[k] ?? -1);
        k += t === 'J' || t === 'D' ? 2 : 1;
      }
      for (const r of argAt) args.push(regs[r] ?? UNKNOWN);
      const site = out.calls.length;
      let d: number[] | null = null;
      for (const r of argRegs) d = union(d, deps[r] ?? null);
      mark(d, USE_ARG);
      out.calls.push({
        pc: insn.pc,
        kind,
        ref,
        callee,
        args,
        use: 0,
        storedTo: [],
        ...(lambda !== undefined ? { lambda } : {}),
      });
      argAt.forEach((r, j) => passed(deps[r] ?? null, site, j));
      const result = applyCall(kind, ref, callee, args, site);
      last = { value: result, deps: union([site], d) };
      return;
    }
    // Arithmetic and conversions: the result depends on the operands; numbers are folded when simple.
    if (op >= 0x7b && op <= 0xe2) {
      const srcA = op >= 0x90 && op <= 0xaf ? insn.b : op >= 0xb0 && op <= 0xcf ? insn.a : insn.b;
      const d =
        op >= 0x90 && op <= 0xaf
          ? union(deps[insn.b] ?? null, deps[insn.c] ?? null)
          : op >= 0xb0 && op <= 0xcf
            ? union(deps[insn.a] ?? null, deps[insn.b] ?? null)
            : (deps[srcA] ?? null);
      set(insn.a, fold(op, insn, regs), d);
      return;
    }
  });
  out.units = walk.units;
  out.truncated = walk.truncated;
  return out;
}

/** Two values meeting at a branch join: the same value stays, different constants become a set of them. */
export function joinValues(a: Value, b: Value): Value {
  if (a === b || sameValue(a, b)) return a;
  const opts: Value[] = [];
  for (const v of [a, b]) {
    for (const x of v.k === 'alt' ? v.opts : [v]) {
      if (x.k !== 'num' && x.k !== 'str') return UNKNOWN;
      if (!opts.some((o) => sameValue(o, x))) opts.push(x);
    }
  }
  return opts.length <= MAX_ALTS ? { k: 'alt', opts } : UNKNOWN;
}

function sameValue(a: Value, b: Value): boolean {
  if (a.k !== b.k) return false;
  switch (a.k) {
    case 'str':
      return a.s === (b as typeof a).s;
    case 'num':
      return a.v === (b as typeof a).v;
    case 'field':
      return a.field === (b as typeof a).field;
    case 'param':
      return a.i === (b as typeof a).i;
    case 'ret':
      return a.site === (b as typeof a).site;
    case 'class':
      return a.desc === (b as typeof a).desc;
    case 'unknown':
      return true;
    case 'cat': {
      const x = constString(a);
      return x !== null && x === constString(b);
    }
    case 'alt':
      return (
        a.opts.length === (b as typeof a).opts.length &&
        a.opts.every((o) => (b as typeof a).opts.some((p) => sameValue(o, p)))
      );
    default:
      return false;
  }
}

/** Loop headers (targets of backward branches) and the registers the loop body writes. */
function loopWrites(buf: Buffer, codeOff: number): Map<number, number[]> {
  const writes: Array<{ pc: number; regs: number[] }> = [];
  const back: Array<{ from: number; to: number }> = [];
  walkCode(buf, codeOff, (insn) => {
    const op = insn.op;
    if ((isIf(op) || (op >= 0x28 && op <= 0x2a)) && insn.target >= 0 && insn.target <= insn.pc)
      back.push({ from: insn.pc, to: insn.target });
    const w = writtenRegisters(op, insn.a);
    if (w.length) writes.push({ pc: insn.pc, regs: w });
  });
  const out = new Map<number, number[]>();
  if (!back.length) return out;
  for (const b of back) {
    const set = new Set(out.get(b.to) ?? []);
    for (const w of writes) if (w.pc >= b.to && w.pc <= b.from) for (const r of w.regs) set.add(r);
    out.set(b.to, [...set]);
  }
  return out;
}

/** Registers an instruction writes (vA, and vA+1 for wide results). */
function writtenRegisters(op: number, a: number): number[] {
  const wide =
    op === 0x04 ||
    op === 0x05 ||
    op === 0x06 ||
    op === 0x0b ||
    (op >= 0x16 && op <= 0x19) ||
    op === 0x45 ||
    op === 0x53 ||
    op === 0x61 ||
    (op >= 0x9b && op <= 0xa5) ||
    (op >= 0xab && op <= 0xaf) ||
    (op >= 0xbb && op <= 0xc5) ||
    (op >= 0xcb && op <= 0xcf) ||
    [0x81, 0x83, 0x86, 0x88, 0x89, 0x8b].includes(op);
  const writes =
    (op >= 0x01 && op <= 0x0d) ||
    (op >= 0x12 && op <= 0x1c) ||
    (op >= 0x20 && op <= 0x23) ||
    (op >= 0x2d && op <= 0x31) ||
    (op >= 0x44 && op <= 0x4a) ||
    (op >= 0x52 && op <= 0x58) ||
    (op >= 0x60 && op <= 0x66) ||
    (op >= 0x7b && op <= 0xe2);
  if (!writes) return [];
  return wide ? [a, a + 1] : [a];
}

/**
 * A field's constant as this method's own value: calls, element stores and array fills in this method
 * change the copy, not the constant other methods read (which would make a summary depend on which
 * methods were summarised before it).
 */
function ownCopy(v: Value | undefined): Value | undefined {
  if (!v) return v;
  if (v.k === 'obj') return { ...v, ctor: [...v.ctor], calls: [...v.calls] };
  if (v.k === 'arr') return { ...v, elems: [...v.elems] };
  return v;
}

/** Parameter types of a prototype `(I[BLjava/lang/String;)V`. */
export function paramTypes(proto: string): string[] {
  const inner = proto.slice(1, proto.indexOf(')'));
  const out: string[] = [];
  const re = /\[*(?:L[^;]+;|[ZBSCIJFDV])/g;
  for (let m = re.exec(inner); m; m = re.exec(inner)) out.push(m[0]);
  return out;
}

/** Folds the arithmetic that builds constants (12 * 60 * 60 * 1000, shifts, int-to-long). */
function fold(op: number, insn: { a: number; b: number; c: number; lit: number }, regs: Value[]): Value {
  const num = (r: number) => {
    const v = regs[r];
    return v && v.k === 'num' ? v.v : null;
  };
  // int-to-long, long-to-int, int-to-* conversions keep the value.
  if (op >= 0x81 && op <= 0x8f) return num(insn.b) === null ? UNKNOWN : { k: 'num', v: num(insn.b) as number };
  let x: number | null;
  let y: number | null;
  let base: number;
  if ((op >= 0xa6 && op <= 0xaf) || (op >= 0xc6 && op <= 0xcf)) return UNKNOWN; // float and double
  if (op >= 0x90 && op <= 0xaf) {
    x = num(insn.b);
    y = num(insn.c);
    base = (op - 0x90) % 11;
  } else if (op >= 0xb0 && op <= 0xcf) {
    x = num(insn.a);
    y = num(insn.b);
    base = (op - 0xb0) % 11;
  } else if (op >= 0xd0 && op <= 0xe2) {
    x = num(insn.b);
    y = insn.lit;
    base = (op <= 0xd7 ? [0, 9, 2, 3, 4, 5, 6, 7][op - 0xd0] : [0, 9, 2, 3, 4, 5, 6, 7, 8, 9, 10][op - 0xd8]) ?? 0;
    if (op <= 0xd7 && op === 0xd1) return x === null ? UNKNOWN : { k: 'num', v: y - x }; // rsub-int
    if (op === 0xd9) return x === null ? UNKNOWN : { k: 'num', v: y - x }; // rsub-int/lit8
  } else return UNKNOWN;
  if (x === null || y === null) return UNKNOWN;
  // add sub mul div rem and or xor shl shr ushr
  const r =
    [
      x + y,
      x - y,
      x * y,
      y ? Math.trunc(x / y) : NaN,
      y ? x % y : NaN,
      x & y,
      x | y,
      x ^ y,
      x * 2 ** (y & 63),
      Math.floor(x / 2 ** (y & 63)),
      x >>> (y & 31),
    ][base] ?? NaN;
  return Number.isFinite(r) ? { k: 'num', v: r } : UNKNOWN;
}

/** What a call returns, for the APIs that build strings, collections and requests. */
function applyCall(kind: InvokeKind, ref: string, callee: string, args: Value[], site: number): Value {
  const recv = kind !== 'static' && kind !== 'custom' ? args[0] : undefined;
  const params = recv !== undefined ? args.slice(1) : args;
  const name = callee.slice(callee.indexOf('->') + 2);
  const ret = ref.slice(ref.indexOf(')') + 1);
  if (recv && recv.k === 'obj') {
    if (name === '<init>') {
      recv.ctor = params;
      recv.site = site;
      return UNKNOWN;
    }
    if (recv.calls.length < MAX_OBJ_CALLS) recv.calls.push({ name, args: params });
    if (recv.cls === 'Ljava/lang/StringBuilder;' || recv.cls === 'Ljava/lang/StringBuffer;') {
      if (name === 'toString')
        return {
          k: 'cat',
          parts: [...recv.ctor, ...recv.calls.filter((c) => c.name === 'append').map((c) => c.args[0] ?? UNKNOWN)],
        };
    }
    // Builders return themselves: a method returning the receiver's own type keeps the same object.
    if (ret === recv.cls) return recv;
  }
  switch (callee) {
    case 'Ljava/lang/String;->concat':
      return { k: 'cat', parts: [recv ?? UNKNOWN, params[0] ?? UNKNOWN] };
    case 'Ljava/lang/String;->valueOf':
    case 'Ljava/lang/String;->trim':
    case 'Ljava/lang/Object;->toString':
    case 'Ljava/lang/String;->toString':
    case 'Landroid/net/Uri;->parse':
      return (
        (recv && callee !== 'Landroid/net/Uri;->parse' && callee !== 'Ljava/lang/String;->valueOf'
          ? recv
          : params[0]) ?? UNKNOWN
      );
    case 'Ljava/lang/String;->format':
      return formatValue(params[0]?.k === 'str' ? params : params.slice(1));
    case 'Ljava/util/Arrays;->asList':
    case 'Lkotlin/collections/CollectionsKt;->listOf':
    case 'Lkotlin/collections/SetsKt;->setOf':
    case 'Lkotlin/collections/SetsKt;->hashSetOf':
      return params[0] && params[0].k === 'arr'
        ? { k: 'arr', type: 'Ljava/util/List;', elems: params[0].elems }
        : UNKNOWN;
    case 'Ljava/lang/Integer;->valueOf':
    case 'Ljava/lang/Long;->valueOf':
      return params[0] && params[0].k === 'num' ? params[0] : { k: 'ret', site };
    // Unboxing a boxed constant (`DEFAULT_CACHETIME.longValue()`) is the constant.
    case 'Ljava/lang/Long;->longValue':
    case 'Ljava/lang/Long;->intValue':
    case 'Ljava/lang/Integer;->intValue':
    case 'Ljava/lang/Integer;->longValue':
      return recv && recv.k === 'num' ? recv : { k: 'ret', site };
    case 'Ljava/lang/Integer;->parseInt':
    case 'Ljava/lang/Long;->parseLong':
      return params[0] && params[0].k === 'str' && /^-?\d+$/.test(params[0].s)
        ? { k: 'num', v: Number(params[0].s) }
        : { k: 'ret', site };
  }
  return { k: 'ret', site };
}

function formatValue(params: Value[]): Value {
  const fmt = params[0];
  if (!fmt || fmt.k !== 'str') return UNKNOWN;
  const argv = params[1] && params[1].k === 'arr' ? params[1].elems : [];
  const parts: Value[] = [];
  let i = 0;
  let last = 0;
  const re = /%(?:\d+\$)?[-#+ 0,(]*\d*(?:\.\d+)?([sdxXfbc%n])/g;
  for (let m = re.exec(fmt.s); m; m = re.exec(fmt.s)) {
    parts.push({ k: 'str', s: fmt.s.slice(last, m.index) });
    if (m[1] === '%') parts.push({ k: 'str', s: '%' });
    else if (m[1] !== 'n') parts.push(argv[i++] ?? UNKNOWN);
    last = m.index + m[0].length;
  }
  parts.push({ k: 'str', s: fmt.s.slice(last) });
  return { k: 'cat', parts };
}

/** The string a value stands for, with unknown parts named in braces (`{param1}`, `{field Lx;->y}`); null if none. */
export function render(v: Value, callName?: (site: number) => string, depth = 0): string | null {
  if (depth > 6) return '{…}';
  switch (v.k) {
    case 'str':
      return v.s;
    case 'num':
      return String(v.v);
    case 'cat': {
      const parts = v.parts.map((p) => render(p, callName, depth + 1) ?? '{?}');
      return parts.join('');
    }
    case 'param':
      return `{param${v.i}}`;
    case 'alt':
      return `{${v.opts.map((o) => render(o, callName, depth + 1) ?? '?').join('|')}}`;
    case 'field':
      return `{${v.field.slice(v.field.indexOf('->') + 2, v.field.indexOf(':'))}}`;
    case 'ret':
      return callName ? `{${callName(v.site)}()}` : '{call}';
    case 'obj':
      if (v.cls === 'Ljava/lang/StringBuilder;')
        return render(
          {
            k: 'cat',
            parts: [...v.ctor, ...v.calls.filter((c) => c.name === 'append').map((c) => c.args[0] ?? UNKNOWN)],
          },
          callName,
          depth + 1,
        );
      return null;
    default:
      return null;
  }
}

/** Constant string of a value, only when every part is known. */
export function constString(v: Value | undefined): string | null {
  if (!v) return null;
  if (v.k === 'str') return v.s;
  if (v.k === 'cat') {
    let s = '';
    for (const p of v.parts) {
      const x = p.k === 'num' ? String(p.v) : constString(p);
      if (x === null) return null;
      s += x;
    }
    return s;
  }
  return null;
}

/** The elements of a collection value: an array, a list from Arrays.asList, or a set filled by add(). */
export function collectionElements(v: Value | undefined): Value[] {
  if (!v) return [];
  if (v.k === 'arr') return v.elems;
  if (v.k === 'obj') {
    const out: Value[] = [];
    for (const a of v.ctor) out.push(...collectionElements(a));
    for (const c of v.calls) {
      if (c.name === 'add' || c.name === 'put') out.push(c.args[0] ?? UNKNOWN);
      else if (c.name === 'addAll') out.push(...collectionElements(c.args[0]));
    }
    return out;
  }
  return [];
}
