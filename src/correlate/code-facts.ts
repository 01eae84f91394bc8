import { edgeRow, type DexFile } from '../formats/dex.js';

/**
 * Per-method facts drawn from the DEX cross-reference index, shared by the detectors that reason about
 * code: the strings a method loads, the methods it calls, the numbers it uses, and which methods call
 * which (one hop), across all DEX files of an app. Strings and callees stay indices into their DEX; what
 * a detector derives from a string or a callee name is memoised once per distinct string or method.
 */

export interface MethodFacts {
  dexIndex: number;
  body: number;
  className: string;
  method: string;
  /** String indices (into this method's DEX) loaded by const-string. */
  stringIds: Uint32Array;
  /** Method indices (into this method's DEX) invoked. */
  callIds: Uint32Array;
  numbers: number[];
}

export interface CodeFacts {
  dexes: DexFile[];
  methods: MethodFacts[];
  byClass: Map<string, number[]>;
  /** The decoded strings of a method. */
  strings(m: MethodFacts): string[];
  /** Maps each string of `m` through `f`, computing `f` once per distinct string (per `name`). */
  memo<T>(name: string, m: MethodFacts, f: (s: string) => T): T[];
  /** Maps each method `m` calls (as `Lclass;->name`) through `f`, once per distinct callee (per `name`). */
  memoCalls<T>(name: string, m: MethodFacts, f: (callee: string) => T): T[];
  /** Methods (global ids) a method calls that the app defines, and those that call it. */
  callees(id: number): number[];
  callers(id: number): number[];
}

const MAX_STRING = 512;

export function codeFacts(dexes: DexFile[]): CodeFacts {
  const methods: MethodFacts[] = [];
  const byClass = new Map<string, number[]>();
  dexes.forEach((dex, dexIndex) => {
    const x = dex.xrefs();
    const numbersByBody = new Map<number, number[]>();
    for (const n of x.numbers) {
      let l = numbersByBody.get(n.body);
      if (!l) numbersByBody.set(n.body, (l = []));
      l.push(n.value);
    }
    for (const [b, body] of x.bodies.entries()) {
      const { className, method } = dex.methodOwnerAndName(body.methodIdx);
      const id = methods.length;
      methods.push({
        dexIndex,
        body: b,
        className,
        method,
        stringIds: edgeRow(x.strings, b).targets,
        callIds: edgeRow(x.methods, b).targets,
        numbers: numbersByBody.get(b) ?? [],
      });
      let l = byClass.get(className);
      if (!l) byClass.set(className, (l = []));
      l.push(id);
    }
  });
  // Memo tables are plain arrays indexed by string or method index: far cheaper than Maps on this hot path.
  const memos = new Map<string, unknown[][]>();
  // A method's dexIndex is its position in `dexes` (set above): a miss is a bug here, not bad input.
  const dexAt = (dexIndex: number): DexFile => {
    const dex = dexes[dexIndex];
    if (!dex) throw new Error(`code facts: no DEX ${dexIndex}`);
    return dex;
  };
  const table = (name: string, size: (d: DexFile) => number, dexIndex: number): unknown[] => {
    let perDex = memos.get(name);
    if (!perDex) memos.set(name, (perDex = dexes.map((d) => new Array<unknown>(size(d)))));
    const t = perDex[dexIndex];
    if (!t) throw new Error(`code facts: no DEX ${dexIndex}`);
    return t;
  };
  const calleeName = (dexIndex: number, methodIdx: number): string => {
    const cache = table('callee-name', (d) => d.methodCount, dexIndex) as Array<string | undefined>;
    let s = cache[methodIdx];
    if (s === undefined) {
      const c = dexAt(dexIndex).methodOwnerAndName(methodIdx);
      s = cache[methodIdx] = `${c.className}->${c.method}`;
    }
    return s;
  };
  // The call graph is built on first use: only some detectors need it.
  let graph: { callees: number[][]; callers: number[][] } | null = null;
  const callGraph = () => {
    if (graph) return graph;
    // Callees are resolved by class and method name (overloads share a node): cheap, and enough for "calls".
    const byName = new Map<string, number>();
    methods.forEach((m, id) => {
      const key = `${m.className}->${m.method}`;
      if (!byName.has(key)) byName.set(key, id);
    });
    const callees: number[][] = methods.map(() => []);
    const callers: number[][] = methods.map(() => []);
    methods.forEach((m, id) => {
      for (const idx of m.callIds) {
        const target = byName.get(calleeName(m.dexIndex, idx));
        if (target === undefined || target === id) continue;
        // Both lists have one slot per method, and byName holds method ids only.
        callees[id]?.push(target);
        callers[target]?.push(id);
      }
    });
    return (graph = { callees, callers });
  };
  return {
    dexes,
    methods,
    byClass,
    strings(m) {
      const dex = dexAt(m.dexIndex);
      const out: string[] = [];
      for (const i of m.stringIds) {
        const r = dex.stringBytes(i);
        if (!r || r[1] - r[0] > MAX_STRING) continue;
        const s = dex.string(i);
        if (s !== null) out.push(s);
      }
      return out;
    },
    memo<T>(name: string, m: MethodFacts, f: (s: string) => T): T[] {
      const cache = table(name, (d) => d.stringCount, m.dexIndex) as Array<T | undefined>;
      const dex = dexAt(m.dexIndex);
      const out: T[] = [];
      for (const i of m.stringIds) {
        let v = cache[i];
        if (v === undefined) {
          const r = dex.stringBytes(i);
          const s = r && r[1] - r[0] <= MAX_STRING ? dex.string(i) : null;
          v = cache[i] = f(s ?? '');
        }
        out.push(v);
      }
      return out;
    },
    memoCalls<T>(name: string, m: MethodFacts, f: (callee: string) => T): T[] {
      const cache = table(`calls:${name}`, (d) => d.methodCount, m.dexIndex) as Array<T | undefined>;
      const out: T[] = [];
      for (const idx of m.callIds) {
        let v = cache[idx];
        if (v === undefined) v = cache[idx] = f(calleeName(m.dexIndex, idx));
        out.push(v);
      }
      return out;
    },
    callees: (id) => callGraph().callees[id] ?? [],
    callers: (id) => callGraph().callers[id] ?? [],
  };
}

/** Methods related to a set: the same methods, others of their classes, and their direct callers and callees. */
export function neighbourhood(facts: CodeFacts, ids: Iterable<number>): Set<number> {
  const out = new Set<number>();
  for (const id of ids) {
    out.add(id);
    const m = facts.methods[id];
    for (const c of (m && facts.byClass.get(m.className)) ?? []) out.add(c);
    for (const c of facts.callees(id)) out.add(c);
    for (const c of facts.callers(id)) out.add(c);
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
