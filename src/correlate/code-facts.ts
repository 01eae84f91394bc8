import type { DexFile } from '../formats/dex.js';

/**
 * Per-method facts drawn from the DEX cross-reference index, shared by the detectors that reason about
 * code: the strings a method loads, the methods it calls (as `Lclass;->name`), the numbers it uses,
 * and which methods call which (one hop), across all DEX files of an app. Strings stay indices into
 * their DEX until asked for, and anything derived from a string is computed once per distinct string.
 */

export interface MethodFacts {
  dexIndex: number;
  body: number;
  className: string;
  method: string;
  /** String indices (into this method's DEX) loaded by const-string. */
  stringIds: Uint32Array;
  calls: string[];
  numbers: number[];
  /** Methods (global ids) this method calls, when they are defined in the app. */
  callees: number[];
}

export interface CodeFacts {
  dexes: DexFile[];
  methods: MethodFacts[];
  byClass: Map<string, number[]>;
  callers: Map<number, number[]>;
  /** The decoded strings of a method. */
  strings(m: MethodFacts): string[];
  /** A per-distinct-string memo: `memo(name, m, f)` maps each string of `m` through `f`, once per string. */
  memo<T>(name: string, m: MethodFacts, f: (s: string) => T): T[];
}

const MAX_STRING = 512;

export function codeFacts(dexes: DexFile[]): CodeFacts {
  const methods: MethodFacts[] = [];
  const byClass = new Map<string, number[]>();
  const byName = new Map<string, number>();
  dexes.forEach((dex, dexIndex) => {
    const x = dex.xrefs();
    const numbersByBody = new Map<number, number[]>();
    for (const n of x.numbers) {
      let l = numbersByBody.get(n.body);
      if (!l) numbersByBody.set(n.body, (l = []));
      l.push(n.value);
    }
    const calleeNames = new Map<number, string>();
    const nameOf = (methodIdx: number) => {
      let s = calleeNames.get(methodIdx);
      if (s === undefined) {
        const c = dex.methodOwnerAndName(methodIdx);
        calleeNames.set(methodIdx, (s = `${c.className}->${c.method}`));
      }
      return s;
    };
    for (let b = 0; b < x.bodies.length; b++) {
      const { className, method } = dex.methodOwnerAndName(x.bodies[b].methodIdx);
      const calls: string[] = [];
      for (let e = x.methods.start[b]; e < x.methods.start[b + 1]; e++) calls.push(nameOf(x.methods.targets[e]));
      const id = methods.length;
      methods.push({ dexIndex, body: b, className, method, stringIds: x.strings.targets.subarray(x.strings.start[b], x.strings.start[b + 1]), calls, numbers: numbersByBody.get(b) ?? [], callees: [] });
      let l = byClass.get(className);
      if (!l) byClass.set(className, (l = []));
      l.push(id);
      // Callees are resolved by class and method name (overloads share a node): cheap, and enough for "calls".
      if (!byName.has(`${className}->${method}`)) byName.set(`${className}->${method}`, id);
    }
  });
  const callers = new Map<number, number[]>();
  methods.forEach((m, id) => {
    for (const c of m.calls) {
      const target = byName.get(c);
      if (target === undefined || target === id) continue;
      m.callees.push(target);
      let l = callers.get(target);
      if (!l) callers.set(target, (l = []));
      l.push(id);
    }
  });
  const memos = new Map<string, Array<Map<number, unknown>>>();
  const strings = (m: MethodFacts): string[] => {
    const dex = dexes[m.dexIndex];
    const out: string[] = [];
    for (const i of m.stringIds) {
      const r = dex.stringBytes(i);
      if (!r || r[1] - r[0] > MAX_STRING) continue;
      const s = dex.string(i);
      if (s !== null) out.push(s);
    }
    return out;
  };
  return {
    dexes,
    methods,
    byClass,
    callers,
    strings,
    memo<T>(name: string, m: MethodFacts, f: (s: string) => T): T[] {
      let perDex = memos.get(name);
      if (!perDex) memos.set(name, (perDex = dexes.map(() => new Map())));
      const cache = perDex[m.dexIndex] as Map<number, T>;
      const dex = dexes[m.dexIndex];
      const out: T[] = [];
      for (const i of m.stringIds) {
        let v = cache.get(i);
        if (v === undefined) {
          const r = dex.stringBytes(i);
          const s = r && r[1] - r[0] <= MAX_STRING ? dex.string(i) : null;
          v = f(s ?? '');
          cache.set(i, v);
        }
        out.push(v);
      }
      return out;
    },
  };
}

/** Methods related to a set: the same methods, others of their classes, and their direct callers and callees. */
export function neighbourhood(facts: CodeFacts, ids: Iterable<number>): Set<number> {
  const out = new Set<number>();
  for (const id of ids) {
    out.add(id);
    for (const c of facts.byClass.get(facts.methods[id].className) ?? []) out.add(c);
    for (const c of facts.methods[id].callees) out.add(c);
    for (const c of facts.callers.get(id) ?? []) out.add(c);
  }
  return out;
}

const cache = new WeakMap<object, CodeFacts>();

/** Code facts of an app, computed once per model however many detectors ask. */
export function appCodeFacts(app: { dexes: Array<{ dex: DexFile }> }): CodeFacts {
  let f = cache.get(app);
  if (!f) cache.set(app, (f = codeFacts(app.dexes.map((d) => d.dex))));
  return f;
}
