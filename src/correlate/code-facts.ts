import type { DexFile } from '../formats/dex.js';

/**
 * Per-method facts drawn from the DEX cross-reference index, shared by the detectors that reason about
 * code: the strings a method loads, the methods it calls (as `Lclass;->name`), the numbers it uses,
 * and which methods call which (one hop), across all DEX files of an app.
 */

export interface MethodFacts {
  dexIndex: number;
  body: number;
  className: string;
  method: string;
  strings: string[];
  calls: string[];
  numbers: number[];
  /** Bodies (global ids) this method calls, when they are defined in the app. */
  callees: number[];
}

export interface CodeFacts {
  methods: MethodFacts[];
  byClass: Map<string, number[]>;
  callers: Map<number, number[]>;
}

const MAX_STRING = 512;

export function codeFacts(dexes: DexFile[]): CodeFacts {
  const methods: MethodFacts[] = [];
  const byClass = new Map<string, number[]>();
  const bySignature = new Map<string, number>();
  const pendingCalls: Array<{ id: number; sigs: string[] }> = [];
  dexes.forEach((dex, dexIndex) => {
    const x = dex.xrefs();
    const numbersByBody = new Map<number, number[]>();
    for (const n of x.numbers) {
      let l = numbersByBody.get(n.body);
      if (!l) numbersByBody.set(n.body, (l = []));
      l.push(n.value);
    }
    for (let b = 0; b < x.bodies.length; b++) {
      const { className, method } = dex.methodOwnerAndName(x.bodies[b].methodIdx);
      const strings: string[] = [];
      for (let e = x.strings.start[b]; e < x.strings.start[b + 1]; e++) {
        const r = dex.stringBytes(x.strings.targets[e]);
        if (!r || r[1] - r[0] > MAX_STRING) continue;
        const s = dex.string(x.strings.targets[e]);
        if (s !== null) strings.push(s);
      }
      const calls: string[] = [];
      const sigs: string[] = [];
      for (let e = x.methods.start[b]; e < x.methods.start[b + 1]; e++) {
        const callee = dex.methodOwnerAndName(x.methods.targets[e]);
        calls.push(`${callee.className}->${callee.method}`);
        sigs.push(dex.methodSignature(x.methods.targets[e]));
      }
      const id = methods.length;
      methods.push({ dexIndex, body: b, className, method, strings, calls, numbers: numbersByBody.get(b) ?? [], callees: [] });
      let l = byClass.get(className);
      if (!l) byClass.set(className, (l = []));
      l.push(id);
      bySignature.set(dex.methodSignature(x.bodies[b].methodIdx), id);
      pendingCalls.push({ id, sigs });
    }
  });
  const callers = new Map<number, number[]>();
  for (const { id, sigs } of pendingCalls) {
    for (const sig of sigs) {
      const target = bySignature.get(sig);
      if (target === undefined || target === id) continue;
      methods[id].callees.push(target);
      let l = callers.get(target);
      if (!l) callers.set(target, (l = []));
      l.push(id);
    }
  }
  return { methods, byClass, callers };
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
