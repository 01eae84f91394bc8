import type { DexFile } from '../formats/dex.js';
import { DEFAULT_LIMITS, type Limits } from '../io/limits.js';
import type { Manifest } from '../formats/manifest.js';
import { ASYNC_APIS, ENTRY_BASES, FRAMEWORK_PARENT, LISTENER_NAME, type AsyncApi } from './apis.js';
import { invokeKind, walkCode } from './dalvik.js';
import { dexTables, lambdaTarget, staticValues } from './dex-tables.js';
import { collectionElements, constString, paramTypes, summarize, type MethodSummary, type Value } from './values.js';

/**
 * The code model of one app, built once from all its DEX files and shared by the detectors: classes and
 * their hierarchy (library classes that are only referenced included, with the framework parents Candor
 * knows), methods, a call graph whose virtual and interface calls are resolved by class-hierarchy
 * analysis restricted to instantiated classes, lambda and asynchronous edges (threads, executors,
 * handlers, AsyncTask, timers, receivers, observers, listeners, components started by class), entry
 * points, field readers and writers, and per-method value summaries computed on demand within a budget.
 */

export type EdgeKind = 'call' | 'virtual' | 'lambda' | 'async' | 'start';

export interface Edge {
  to: number;
  kind: EdgeKind;
  pc: number;
  /** The API that carries an asynchronous edge (`Landroid/os/Handler;->postDelayed`). */
  via?: string;
}

export interface CodeMethod {
  id: number;
  cls: string;
  name: string;
  proto: string;
  dex: number;
  methodIdx: number;
  codeOff: number;
}

export interface CodeClass {
  desc: string;
  superDesc: string | null;
  interfaces: string[];
  defined: boolean;
  dex: number;
  classDefIdx: number;
  /** `name(proto)ret` -> method id. */
  methods: Map<string, number>;
  subs: string[];
}

export interface Receiver {
  /** The receiver's onReceive method. */
  method: number;
  actions: string[];
  /** Method that registers it in code, or -1 for a manifest receiver. */
  registeredBy: number;
}

export interface CodeDiagnostic {
  code: string;
  message: string;
}

export interface CodeModel {
  dexes: DexFile[];
  methods: CodeMethod[];
  classes: Map<string, CodeClass>;
  out: Edge[][];
  in: Edge[][];
  receivers: Receiver[];
  /** Entry points the system calls, by method id: app-init, activity, service, job, work, broadcast. */
  entries: Map<number, string>;
  diagnostics: CodeDiagnostic[];
  stats: {
    classes: number;
    methods: number;
    edges: number;
    asyncEdges: number;
    megamorphicSites: number;
    summarizedUnits: number;
  };
  limits: Limits;
  /** `Lcls;->name` of a method. */
  name(id: number): string;
  /** App methods that call a library API `Lcls;->name` (class names through the known framework parents). */
  apiCallers(api: string): number[];
  /** Canonical library names of a call's target: the first undefined class up its hierarchy and its known parents. */
  apiNames(ref: string): string[];
  fieldReaders(field: string): number[];
  fieldWriters(field: string): number[];
  /** Value summary of a method (null without code, or when the summary budget is spent). */
  summary(id: number): MethodSummary | null;
  /** The constant a field always holds (one constant written by all writers, or its static value). */
  fieldConstant(field: string): Value | undefined;
  /** Methods whose `const-string`s satisfy `test`, with those strings; `test` runs once per distinct string. */
  methodsWithStrings(test: (s: string) => boolean): Map<number, string[]>;
  /** Defined classes of `desc`'s hierarchy upwards, then its library ancestors. */
  ancestors(desc: string): string[];
}

const MAX_STRING = 512;
/** Ancestors followed per class, and interfaces read per class (real classes have a handful). */
const MAX_ANCESTORS = 64;
const MAX_INTERFACES = 64;

export function buildCodeModel(
  dexes: DexFile[],
  manifest: Manifest | null,
  limits: Limits = DEFAULT_LIMITS,
): CodeModel {
  const classes = new Map<string, CodeClass>();
  const methods: CodeMethod[] = [];
  const diagnostics: CodeDiagnostic[] = [];
  const byDexMethod: Array<Map<number, number>> = dexes.map(() => new Map());
  const protoCache: Array<Map<number, string>> = dexes.map(() => new Map());
  const proto = (d: number, p: number) => {
    let s = protoCache[d].get(p);
    if (s === undefined) protoCache[d].set(p, (s = dexes[d].protoDescriptor(p)));
    return s;
  };
  const classNode = (desc: string): CodeClass => {
    let c = classes.get(desc);
    if (!c) {
      c = {
        desc,
        superDesc: FRAMEWORK_PARENT[desc] ?? (desc === 'Ljava/lang/Object;' ? null : 'Ljava/lang/Object;'),
        interfaces: [],
        defined: false,
        dex: -1,
        classDefIdx: -1,
        methods: new Map(),
        subs: [],
      };
      classes.set(desc, c);
    }
    return c;
  };
  const definedFields = new Set<string>();
  // Canonical field names per DEX and field index, filled once per referenced field.
  const fieldKeys: Array<Array<string | undefined>> = dexes.map((d) => new Array(d.fieldCount));
  const staticInit = new Map<string, Value>();
  // 1. Classes, methods and fields each DEX defines; the first definition of a class wins, as the class loader decides.
  dexes.forEach((dex, d) => {
    const members = dex.members();
    for (let ci = 0; ci < dex.classDefs.length; ci++) {
      const desc = dex.classDescriptor(ci);
      const existing = classes.get(desc);
      if (existing?.defined) continue;
      const c = classNode(desc);
      const def = dex.classDefs[ci];
      c.defined = true;
      c.dex = d;
      c.classDefIdx = ci;
      c.superDesc = def.superclassIdx === 0xffffffff ? null : dex.typeDescriptor(def.superclassIdx);
      c.interfaces = dex
        .interfaces(ci)
        .slice(0, MAX_INTERFACES)
        .map((t) => dex.typeDescriptor(t) ?? '?');
      for (const { methodIdx, codeOff } of members[ci].methods) {
        const ref = dex.methodRef(methodIdx);
        if (!ref) continue;
        const id = methods.length;
        const name = dex.string(ref.nameIdx) ?? '?';
        const p = proto(d, ref.protoIdx);
        methods.push({ id, cls: desc, name, proto: p, dex: d, methodIdx, codeOff });
        c.methods.set(name + p, id);
        byDexMethod[d].set(methodIdx, id);
      }
      const values = staticValues(dex, ci);
      members[ci].fields.forEach((f, k) => {
        const sig = dex.fieldSignature(f);
        definedFields.add(sig);
        fieldKeys[d][f] = sig;
        const v = values?.[k];
        if (k < members[ci].staticFields && v) {
          if (v.t === 'int') staticInit.set(sig, { k: 'num', v: v.v });
          else if (v.t === 'string') staticInit.set(sig, { k: 'str', s: dex.string(v.v) ?? '' });
        }
      });
    }
  });
  for (const c of [...classes.values()]) {
    if (!c.defined) continue;
    if (c.superDesc) classNode(c.superDesc).subs.push(c.desc);
    for (const i of c.interfaces) classNode(i).subs.push(c.desc);
  }
  const ancestorCache = new Map<string, string[]>();
  const ancestors = (desc: string): string[] => {
    const hit = ancestorCache.get(desc);
    if (hit) return hit;
    const out: string[] = [];
    ancestorCache.set(desc, out);
    const seen = new Set<string>();
    // Breadth-first, bounded: a damaged DEX can declare thousands of interfaces or a cyclic hierarchy.
    const queue = [desc];
    for (let head = 0; head < queue.length && out.length < MAX_ANCESTORS; head++) {
      const x = queue[head];
      if (seen.has(x)) continue;
      seen.add(x);
      out.push(x);
      const c = classes.get(x);
      const sup = c ? c.superDesc : (FRAMEWORK_PARENT[x] ?? null);
      if (sup) queue.push(sup);
      if (c) for (const i of c.interfaces) if (queue.length < MAX_ANCESTORS * 4) queue.push(i);
    }
    return out;
  };
  const apiNameCache = new Map<string, string[]>();
  const apiNames = (ref: string): string[] => {
    const callee = ref.includes('(') ? ref.slice(0, ref.indexOf('(')) : ref;
    let hit = apiNameCache.get(callee);
    if (hit) return hit;
    const arrow = callee.indexOf('->');
    const cls = callee.slice(0, arrow);
    const name = callee.slice(arrow + 2);
    hit = ancestors(cls)
      .filter((a) => !classes.get(a)?.defined)
      .map((a) => `${a}->${name}`);
    if (!hit.length) hit = [callee];
    apiNameCache.set(callee, hit);
    return hit;
  };
  const fieldKeyCache = new Map<string, string>();
  const canonicalField = (sig: string): string => {
    if (definedFields.has(sig)) return sig;
    let hit = fieldKeyCache.get(sig);
    if (hit) return hit;
    const arrow = sig.indexOf('->');
    const rest = sig.slice(arrow);
    hit = sig;
    for (const a of ancestors(sig.slice(0, arrow))) {
      if (definedFields.has(a + rest)) {
        hit = a + rest;
        break;
      }
    }
    fieldKeyCache.set(sig, hit);
    return hit;
  };
  // 2. Walk the cross-reference index: instantiated classes, field accesses, raw calls.
  const instantiated = new Set<string>();
  const readers = new Map<string, number[]>();
  const writers = new Map<string, number[]>();
  const push = (m: Map<string, number[]>, k: string, id: number) => {
    let l = m.get(k);
    if (!l) m.set(k, (l = []));
    if (l[l.length - 1] !== id) l.push(id);
  };
  const bodyIds: Int32Array[] = [];
  const startsByClass: Array<{ from: number; cls: string }> = [];
  dexes.forEach((dex, d) => {
    const x = dex.xrefs();
    const ids = new Int32Array(x.bodies.length);
    bodyIds.push(ids);
    for (let b = 0; b < x.bodies.length; b++) {
      const id = byDexMethod[d].get(x.bodies[b].methodIdx) ?? -1;
      ids[b] = id;
      if (id < 0) continue;
      const base = x.bodies[b].codeOff + 16;
      for (let k = x.types.start[b]; k < x.types.start[b + 1]; k++) {
        const op = dex.buf[base + x.types.pcs[k] * 2];
        if (op !== 0x22 && op !== 0x1c) continue;
        const t = dex.typeDescriptor(x.types.targets[k]);
        if (!t) continue;
        if (op === 0x22) instantiated.add(t);
        else if (op === 0x1c) startsByClass.push({ from: id, cls: t });
      }
      for (let k = x.fields.start[b]; k < x.fields.start[b + 1]; k++) {
        const op = dex.buf[base + x.fields.pcs[k] * 2];
        const fi = x.fields.targets[k];
        let f = fieldKeys[d][fi];
        if (f === undefined) f = fieldKeys[d][fi] = canonicalField(dex.fieldSignature(fi));
        const write = (op >= 0x59 && op <= 0x5f) || (op >= 0x67 && op <= 0x6d);
        push(write ? writers : readers, f, id);
      }
    }
  });
  // A class is live when it or a subclass is instantiated (or it is an entry point the system instantiates).
  const live = new Set<string>();
  const markLive = (desc: string) => {
    for (const a of ancestors(desc)) {
      if (live.has(a)) break;
      live.add(a);
    }
  };
  for (const t of instantiated) markLive(t);
  const entryKind = (desc: string): { kind: string; methods: string[] } | null => {
    for (const a of ancestors(desc)) if (ENTRY_BASES[a]) return ENTRY_BASES[a];
    return null;
  };
  for (const c of classes.values()) if (c.defined && entryKind(c.desc)) markLive(c.desc);
  // 3. Call edges.
  const out: Edge[][] = methods.map(() => []);
  const inc: Edge[][] = methods.map(() => []);
  const apiIndex = new Map<string, number[]>();
  const indexList = (name: string): number[] => {
    let l = apiIndex.get(name);
    if (!l) apiIndex.set(name, (l = []));
    return l;
  };
  let megamorphicSites = 0;
  // Duplicate edges (the same callee called twice) are dropped: a stamp per kind while one caller's calls are
  // added in a row, a scan of the caller's edges otherwise.
  const stamps = { call: new Int32Array(methods.length).fill(-1), virtual: new Int32Array(methods.length).fill(-1) };
  const addEdge = (from: number, to: number, kind: EdgeKind, pc: number, via?: string, bulk = false) => {
    if (to < 0 || from === to) return;
    const list = out[from];
    if (bulk && (kind === 'call' || kind === 'virtual')) {
      if (stamps[kind][to] === from) return;
      stamps[kind][to] = from;
    } else for (const e of list) if (e.to === to && e.kind === kind) return;
    const e: Edge = via ? { to, kind, pc, via } : { to, kind, pc };
    list.push(e);
    inc[to].push(via ? { to: from, kind, pc, via } : { to: from, kind, pc });
  };
  const resolveUp = (cls: string, sig: string): number => {
    for (const a of ancestors(cls)) {
      const c = classes.get(a);
      const id = c?.methods.get(sig);
      if (id !== undefined) return id;
    }
    return -1;
  };
  const dispatchCache = new Map<string, number[] | null>();
  const NONE: number[] = [];
  // Live descendants of a class, computed once per class that is the receiver type of a virtual call.
  const descendantCache = new Map<string, CodeClass[]>();
  const liveDescendants = (cls: string): CodeClass[] => {
    let hit = descendantCache.get(cls);
    if (hit) return hit;
    hit = [];
    const seen = new Set<string>([cls]);
    const stack = [...(classes.get(cls)?.subs ?? [])];
    while (stack.length) {
      const s = stack.pop() as string;
      if (seen.has(s)) continue;
      seen.add(s);
      const c = classes.get(s);
      if (!c) continue;
      if (live.has(s)) hit.push(c);
      for (const x of c.subs) stack.push(x);
    }
    descendantCache.set(cls, hit);
    return hit;
  };
  const overrides = (cls: string, sig: string): number[] | null => {
    if (!classes.get(cls)?.subs.length) return NONE;
    const key = cls + '|' + sig;
    const cached = dispatchCache.get(key);
    if (cached !== undefined) return cached;
    const found: number[] = [];
    let result: number[] | null = found;
    for (const c of liveDescendants(cls)) {
      const id = c.methods.get(sig);
      if (id === undefined || methods[id].codeOff === 0) continue;
      found.push(id);
      if (found.length > limits.code.maxDispatchTargets) {
        result = null;
        break;
      }
    }
    dispatchCache.set(key, result);
    return result;
  };
  const asyncCallers = new Set<number>();
  const sigOf = (ref: string) => ref.slice(ref.indexOf('->') + 2);
  dexes.forEach((dex, d) => {
    const x = dex.xrefs();
    const resolved = new Map<
      number,
      { declared: number; virtual: number[] | null; ext: number[][] | null; async: boolean }
    >();
    for (let b = 0; b < x.bodies.length; b++) {
      const from = bodyIds[d][b];
      if (from < 0) continue;
      const base = x.bodies[b].codeOff + 16;
      for (let k = x.methods.start[b]; k < x.methods.start[b + 1]; k++) {
        const idx = x.methods.targets[k];
        const pc = x.methods.pcs[k];
        const kind = invokeKind(dex.buf[base + pc * 2]);
        if (!kind) continue;
        const key = idx * 8 + (kind === 'virtual' || kind === 'interface' ? 1 : 0);
        let r = resolved.get(key);
        if (!r) {
          const ref = dex.methodSignature(idx);
          const cls = ref.slice(0, ref.indexOf('->'));
          const sig = sigOf(ref);
          const declared = resolveUp(cls, sig);
          const dynamic = kind === 'virtual' || kind === 'interface';
          const virtual = dynamic ? overrides(cls, sig) : [];
          const names = declared < 0 || methods[declared].codeOff === 0 ? apiNames(ref) : null;
          const ext = names ? names.map((n) => indexList(n)) : null;
          const async = !!names?.some((n) => ASYNC_APIS[n] || LISTENER_NAME.test(n.slice(n.indexOf('->') + 2)));
          r = { declared, virtual, ext, async };
          resolved.set(key, r);
        }
        if (r.declared >= 0 && methods[r.declared].codeOff !== 0)
          addEdge(from, r.declared, 'call', pc, undefined, true);
        if (r.virtual === null) megamorphicSites++;
        else for (const t of r.virtual) addEdge(from, t, 'virtual', pc, undefined, true);
        if (r.ext) {
          for (const l of r.ext) if (l[l.length - 1] !== from) l.push(from);
          if (r.async) asyncCallers.add(from);
        }
      }
    }
    // invoke-custom is not in the cross-reference index: walk the bodies of DEX files that have call sites.
    if (dexTables(dex).callSites.length > 0) {
      for (let b = 0; b < x.bodies.length; b++) {
        const from = bodyIds[d][b];
        if (from < 0) continue;
        walkCode(dex.buf, x.bodies[b].codeOff, (insn) => {
          if (insn.op !== 0xfc && insn.op !== 0xfd) return;
          const t = lambdaTarget(dex, insn.idx);
          if (t === null) return;
          const ref = dex.methodSignature(t);
          addEdge(from, resolveUp(ref.slice(0, ref.indexOf('->')), sigOf(ref)), 'lambda', insn.pc);
          asyncCallers.add(from);
        });
      }
    }
  });
  if (megamorphicSites) {
    diagnostics.push({
      code: 'limit/code-dispatch-targets',
      message: `${megamorphicSites} virtual call sites have more than ${limits.code.maxDispatchTargets} possible targets; their overriding methods are not linked`,
    });
  }
  const summaries = new Map<number, MethodSummary | null>();
  let summarizedUnits = 0;
  let budgetReported = false;
  const fieldBusy = new Set<string>();
  const fieldConstants = new Map<string, Value | undefined>();
  const fieldConstant = (field: string): Value | undefined => {
    const f = canonicalField(field);
    if (fieldConstants.has(f)) return fieldConstants.get(f);
    if (fieldBusy.has(f)) return undefined;
    fieldBusy.add(f);
    let result: Value | undefined = staticInit.get(f);
    const ws = writers.get(f) ?? [];
    // Constants live in <clinit>/<init>; a field other code writes is state, not a constant.
    if (
      ws.length &&
      ws.length <= 4 &&
      ws.every((w) => methods[w].name === '<clinit>' || methods[w].name === '<init>')
    ) {
      const values: Value[] = [];
      for (const w of ws)
        for (const a of summary(w)?.fields ?? []) if (a.write && a.field === f && a.value) values.push(a.value);
      const keys = new Set(
        values.map((v) =>
          v.k === 'num'
            ? `n${v.v}`
            : constString(v) !== null
              ? `s${constString(v)}`
              : v.k === 'arr' || v.k === 'obj'
                ? 'c'
                : '?',
        ),
      );
      if (values.length && keys.size === 1 && !keys.has('?')) result = values[0];
      if (values.length && keys.size === 1 && keys.has('c') && collectionElements(values[0]).length) result = values[0];
    } else if (ws.length) result = undefined;
    fieldBusy.delete(f);
    fieldConstants.set(f, result);
    return result;
  };
  function summary(id: number): MethodSummary | null {
    if (summaries.has(id)) return summaries.get(id) as MethodSummary | null;
    const m = methods[id];
    if (!m || m.codeOff === 0) return null;
    if (summarizedUnits > limits.code.maxSummaryUnits) {
      if (!budgetReported)
        diagnostics.push({
          code: 'limit/code-summary-units',
          message: `value analysis stopped after ${summarizedUnits} code units (limit code.maxSummaryUnits ${limits.code.maxSummaryUnits}); later queries see less`,
        });
      budgetReported = true;
      return null;
    }
    summaries.set(id, null);
    const s = summarize(dexes[m.dex], m.codeOff, {
      proto: m.proto,
      resolveField: fieldConstant,
      fieldKey: canonicalField,
    });
    summarizedUnits += s.units + 1;
    summaries.set(id, s);
    return s;
  }
  // 4. Asynchronous edges: the callback object each async or registration call receives, and what it runs.
  const receivers: Receiver[] = [];
  let asyncEdges = 0;
  const runsOf = (cls: string, names: string[]): number[] => {
    const found: number[] = [];
    for (const a of ancestors(cls)) {
      const c = classes.get(a);
      if (!c?.defined) continue;
      for (const [sig, id] of c.methods) {
        if (
          methods[id].codeOff !== 0 &&
          names.includes(sig.slice(0, sig.indexOf('('))) &&
          !found.some((f) => methods[f].name === methods[id].name && methods[f].proto === methods[id].proto)
        )
          found.push(id);
      }
    }
    return found;
  };
  const callbackMethods = (cls: string): number[] => {
    const c = classes.get(cls);
    if (!c?.defined) return [];
    return [...c.methods.values()].filter((id) => methods[id].codeOff !== 0 && !methods[id].name.startsWith('<'));
  };
  for (const from of asyncCallers) {
    const s = summary(from);
    if (!s) continue;
    for (const call of s.calls) {
      if (call.lambda !== undefined) continue;
      const names = apiNames(call.ref);
      let api: AsyncApi | undefined;
      let via = '';
      for (const n of names) {
        if (ASYNC_APIS[n]) {
          api = ASYNC_APIS[n];
          via = n;
          break;
        }
      }
      const listener = !api && names.some((n) => LISTENER_NAME.test(n.slice(n.indexOf('->') + 2)));
      if (!api && !listener) continue;
      const holder = api ? (api.arg === 'receiver' ? call.args[0] : call.args[api.arg]) : undefined;
      const candidates = api ? [holder] : call.args.slice(call.kind === 'static' ? 0 : 1);
      for (const v of candidates) {
        const cls = valueClass(v, s, methods[from]);
        if (!cls || !classes.get(cls)?.defined) continue;
        const targets = api ? runsOf(cls, api.runs) : callbackMethods(cls);
        for (const t of targets) {
          addEdge(from, t, 'async', call.pc, via || names[0]);
          asyncEdges++;
        }
        if (api?.kind === 'receiver') {
          const filter = call.args[2];
          const actions =
            filter && filter.k === 'obj'
              ? [...filter.ctor, ...filter.calls.filter((c) => c.name === 'addAction').map((c) => c.args[0])]
                  .map((a) => constString(a))
                  .filter((a): a is string => !!a)
              : [];
          for (const t of targets) receivers.push({ method: t, actions, registeredBy: from });
        }
      }
    }
  }
  // Components started by class (Intent, ComponentName, PendingIntent, WorkRequest builders): the system runs their lifecycle.
  for (const { from, cls } of startsByClass) {
    const c = classes.get(cls);
    if (!c?.defined) continue;
    const e = entryKind(cls);
    if (!e) continue;
    for (const t of runsOf(cls, e.methods)) {
      addEdge(from, t, 'start', 0, `${cls}.class`);
      asyncEdges++;
    }
  }
  // 5. Entry points and manifest receivers.
  const entries = new Map<number, string>();
  for (const c of classes.values()) {
    if (!c.defined) continue;
    const e = entryKind(c.desc);
    if (!e) continue;
    for (const id of runsOf(c.desc, e.methods)) if (methods[id].cls === c.desc) entries.set(id, e.kind);
  }
  for (const comp of manifest?.components ?? []) {
    if (comp.type !== 'receiver') continue;
    const desc = `L${comp.name.replace(/\./g, '/')};`;
    const actions = comp.intentFilters.flatMap((f) => f.actions);
    for (const id of runsOf(desc, ['onReceive'])) receivers.push({ method: id, actions, registeredBy: -1 });
  }
  const nameOf = (id: number) => `${methods[id].cls}->${methods[id].name}`;
  const stringCaches = new Map<(s: string) => boolean, Int8Array[]>();
  let edges = 0;
  for (const l of out) edges += l.length;
  return {
    dexes,
    methods,
    classes,
    out,
    in: inc,
    receivers,
    entries,
    diagnostics,
    get stats() {
      return {
        classes: [...classes.values()].filter((c) => c.defined).length,
        methods: methods.length,
        edges,
        asyncEdges,
        megamorphicSites,
        summarizedUnits,
      };
    },
    limits,
    name: nameOf,
    apiCallers: (api) => apiIndex.get(api) ?? [],
    apiNames,
    fieldReaders: (f) => readers.get(canonicalField(f)) ?? [],
    fieldWriters: (f) => writers.get(canonicalField(f)) ?? [],
    summary,
    fieldConstant,
    ancestors,
    methodsWithStrings(test) {
      let perDex = stringCaches.get(test);
      if (!perDex) stringCaches.set(test, (perDex = dexes.map((d) => new Int8Array(d.stringCount))));
      const found = new Map<number, string[]>();
      dexes.forEach((dex, d) => {
        const x = dex.xrefs();
        const cache = (perDex as Int8Array[])[d];
        for (let b = 0; b < x.bodies.length; b++) {
          const id = bodyIds[d][b];
          if (id < 0) continue;
          for (let k = x.strings.start[b]; k < x.strings.start[b + 1]; k++) {
            const si = x.strings.targets[k];
            if (si >= cache.length) continue;
            if (cache[si] === 0) {
              const r = dex.stringBytes(si);
              const s = r && r[1] - r[0] <= MAX_STRING ? dex.string(si) : null;
              cache[si] = s !== null && test(s) ? 1 : 2;
            }
            if (cache[si] === 1) {
              let l = found.get(id);
              if (!l) found.set(id, (l = []));
              const s = dex.string(si) as string;
              if (!l.includes(s)) l.push(s);
            }
          }
        }
      });
      return found;
    },
  };
}

/** The class of the object a value holds: built here, or the declared type of the field, call or parameter. */
export function valueClass(v: Value | undefined, s: MethodSummary, m: CodeMethod): string | null {
  if (!v) return null;
  switch (v.k) {
    case 'obj':
      return v.cls;
    case 'field':
      return v.field.slice(v.field.indexOf(':') + 1);
    case 'ret': {
      const ref = s.calls[v.site]?.ref;
      return ref ? ref.slice(ref.indexOf(')') + 1) : null;
    }
    case 'param': {
      if (s.hasThis && v.i === 0) return m.cls;
      return paramTypes(m.proto)[s.hasThis ? v.i - 1 : v.i] ?? null;
    }
    default:
      return null;
  }
}

const cache = new WeakMap<object, CodeModel>();

/** The code model of an app, built on first use and shared by every detector that asks. */
export function appCodeModel(
  app: { dexes: Array<{ dex: DexFile }>; manifest: Manifest | null },
  limits?: Limits,
): CodeModel {
  let m = cache.get(app);
  if (!m)
    cache.set(
      app,
      (m = buildCodeModel(
        app.dexes.map((d) => d.dex),
        app.manifest,
        limits,
      )),
    );
  return m;
}

/** The code model of an app if a detector built one (for reporting its diagnostics), without building it. */
export function builtCodeModel(app: object): CodeModel | undefined {
  return cache.get(app);
}
