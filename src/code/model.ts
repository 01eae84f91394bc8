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
 *
 * The representation is numeric so that a large app costs a few bytes per method and per edge: classes,
 * method signatures and fields are interned once per app (so classes of several DEX files resolve into
 * one hierarchy), methods are rows of typed arrays, call edges and field accesses are compressed sparse
 * rows (like the DEX cross-reference index), and value summaries are decoded only for the methods a query
 * reaches, kept in a cache bounded in code units and decoded again when evicted. Edge and method objects
 * are made only when a query asks for them.
 */

/*
 * Index reads. Ids (types, method rows, signatures, fields, edges, cross-reference bodies and their
 * entries, DEX numbers) index columns that get an entry for every id when the id is made, and CSR rows
 * span `start[r]..start[r + 1]` of arrays filled to that length: such reads carry `!`. Indices that come
 * from the DEX's bytes are checked before use (cache bounds, `?? -1`, the DexFile accessors).
 */

export type EdgeKind = 'call' | 'virtual' | 'lambda' | 'async' | 'start';
const KINDS: EdgeKind[] = ['call', 'virtual', 'lambda', 'async', 'start'];
const K_CALL = 0;
const K_VIRTUAL = 1;
const K_LAMBDA = 2;
// 3 is 'async': those edges are kept apart from the frozen rows (see `asyncEdges`).
const K_START = 4;

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

export interface CodeModelStats {
  classes: number;
  methods: number;
  edges: number;
  asyncEdges: number;
  megamorphicSites: number;
  summarizedUnits: number;
}

export interface CodeModel {
  dexes: DexFile[];
  /** Methods are numbered 0..methodCount-1, class by class in the order the DEX files define them. */
  methodCount: number;
  method(id: number): CodeMethod;
  /** Defined methods called `Lcls;->name` (any prototype). */
  methodsNamed(name: string): number[];
  /** Methods a class defines (empty for library classes). */
  classMethods(desc: string): number[];
  /** Where the app defines a class (the DEX and its class_def), null for library classes. */
  classDef(desc: string): { dex: number; classDefIdx: number } | null;
  /** Methods that create an object of class `desc` (`new-instance`), in method order; at most 64. */
  creators(desc: string): number[];
  /** Classes a method creates objects of (`new-instance`), in code order. */
  createdClasses(id: number): string[];
  /** Calls from a method, in the order they were found. */
  out(id: number): Edge[];
  /** Calls into a method; `to` is the caller. */
  in(id: number): Edge[];
  receivers: Receiver[];
  /** Entry points the system calls, by method id: app-init, activity, service, job, work, broadcast. */
  entries: Map<number, string>;
  diagnostics: CodeDiagnostic[];
  readonly stats: CodeModelStats;
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
/**
 * Code units of value summaries kept decoded at once. A summary costs about a hundred bytes per code
 * unit; queries come back to the same few hundred methods, and an evicted summary is decoded again
 * (deterministically, so results do not depend on the cache).
 */
const SUMMARY_CACHE_UNITS = 15_000;
/** Creators listed per class: a callback class is created in a handful of places. */
const MAX_CREATORS = 64;
const NONE: readonly number[] = Object.freeze([]);
/** How a call site of each opcode is linked: 0 not at all, DIRECT to the resolved method, DYNAMIC to overrides too. */
const DIRECT = 1;
const DYNAMIC = 2;
const LINK_OF_OPCODE = Uint8Array.from({ length: 256 }, (_, op) => {
  const kind = invokeKind(op);
  return kind === null ? 0 : kind === 'virtual' || kind === 'interface' ? DYNAMIC : DIRECT;
});
const ASYNC_METHOD_NAMES = new Set(Object.keys(ASYNC_APIS).map((k) => k.slice(k.indexOf('->') + 2)));
/** Names of the APIs that register a receiver in code (the model's receivers are known once it is built). */
const RECEIVER_METHOD_NAMES = new Set(
  Object.entries(ASYNC_APIS)
    .filter(([, a]) => a.kind === 'receiver')
    .map(([k]) => k.slice(k.indexOf('->') + 2)),
);

/** A growable Int32 column. */
class IntColumn {
  a: Int32Array;
  n = 0;
  constructor(capacity = 1024) {
    this.a = new Int32Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

/** Compressed sparse rows: the values of row r are `values[start[r] .. start[r + 1])`, in insertion order. */
interface Rows {
  start: Int32Array;
  values: Int32Array;
}

function rowsOf(keys: IntColumn, values: IntColumn, rowCount: number): Rows {
  const start = new Int32Array(rowCount + 1);
  for (let i = 0; i < keys.n; i++) start[keys.a[i]! + 1]!++;
  for (let r = 0; r < rowCount; r++) start[r + 1]! += start[r]!;
  const fill = start.slice(0, rowCount);
  const out = new Int32Array(keys.n);
  for (let i = 0; i < keys.n; i++) out[fill[keys.a[i]!]!++] = values.a[i]!;
  return { start, values: out };
}

function row(r: Rows, i: number): number[] {
  if (i < 0 || i + 1 >= r.start.length) return [];
  return Array.from(r.values.subarray(r.start[i], r.start[i + 1]));
}

export function buildCodeModel(
  dexes: DexFile[],
  manifest: Manifest | null,
  limits: Limits = DEFAULT_LIMITS,
): CodeModel {
  return new ModelBuilder(dexes, manifest, limits).build();
}

/**
 * Classes and library types by id. A type is a class node once it is defined or is a parent of a defined
 * class; other types (field owners, call targets) get an id but keep the hierarchy Candor knows for them.
 */
class Types {
  readonly ids = new Map<string, number>();
  readonly desc: string[] = [];
  node: number[] = [];
  defined: number[] = [];
  superOf: number[] = [];
  interfaces: Array<readonly number[]> = [];
  dex: number[] = [];
  classDef: number[] = [];
  /** Methods of a defined class are contiguous: [methodStart, methodEnd). */
  methodStart: number[] = [];
  methodEnd: number[] = [];
  subs: Array<number[] | undefined> = [];
  /** 1 when a (damaged) class defines one signature twice. */
  duplicates: number[] = [];
  /** Defined classes in definition order. */
  readonly definedOrder: number[] = [];
  private readonly ancestorCache: Array<number[] | undefined> = [];

  id(desc: string, owned = false): number {
    let t = this.ids.get(desc);
    if (t === undefined) {
      t = this.desc.length;
      const own = owned ? desc : flat(desc);
      this.ids.set(own, t);
      this.desc.push(own);
      this.node.push(0);
      this.defined.push(0);
      this.superOf.push(-1);
      this.interfaces.push(NONE);
      this.dex.push(-1);
      this.classDef.push(-1);
      this.methodStart.push(0);
      this.methodEnd.push(0);
      this.subs.push(undefined);
      this.duplicates.push(0);
    }
    return t;
  }

  /** Makes `t` a class node (a library class gets its known framework parent, or Object). */
  makeNode(t: number): void {
    if (this.node[t]) return;
    this.node[t] = 1;
    const d = this.desc[t]!;
    const sup = FRAMEWORK_PARENT[d] ?? (d === 'Ljava/lang/Object;' ? null : 'Ljava/lang/Object;');
    this.superOf[t] = sup === null ? -1 : this.id(sup);
  }

  /** The parent a search follows: a node's recorded parent, else the framework parent Candor knows. */
  private parent(t: number): number {
    if (this.node[t]) return this.superOf[t]!;
    const sup = FRAMEWORK_PARENT[this.desc[t]!];
    return sup === undefined ? -1 : this.id(sup);
  }

  /** `t`, its parents and interfaces, breadth-first and bounded (a damaged DEX can declare a cyclic hierarchy). */
  ancestors(t: number): number[] {
    const hit = this.ancestorCache[t];
    if (hit) return hit;
    const out: number[] = [];
    this.ancestorCache[t] = out;
    const seen = new Set<number>();
    const queue = [t];
    for (let head = 0; head < queue.length && out.length < MAX_ANCESTORS; head++) {
      const x = queue[head]!;
      if (seen.has(x)) continue;
      seen.add(x);
      out.push(x);
      const sup = this.parent(x);
      if (sup >= 0) queue.push(sup);
      if (this.node[x]) for (const i of this.interfaces[x]!) if (queue.length < MAX_ANCESTORS * 4) queue.push(i);
    }
    return out;
  }
}

/**
 * Strings by id, once per app (method and field names, prototypes), seeded by a table of the first DEX
 * file: entry `i` of that table (its string_ids for names, its proto_ids for prototypes) is id `i`, with
 * no hashing, since a DEX lists each string and each prototype once. Other strings (those of later DEX
 * files that the first lacks, names a query brings) get ids after the seed's, through a Map. A string is
 * found in the seed by binary search when the table is sorted by value (string_ids are), else through a
 * Map of the whole seed made on the first lookup by value (proto_ids are sorted by type indices).
 */
class Interner {
  private readonly ids = new Map<string, number>();
  private readonly extra: string[] = [];
  private seedIndexed = false;
  constructor(
    private readonly seedCount: number,
    private readonly seedValue: (i: number) => string,
    private readonly findInSeed: ((v: string) => number) | null,
  ) {}

  /** The id of entry `i` of the seed table (an index the caller has checked to be in range). */
  seeded(i: number): number {
    return i;
  }

  get seedSize(): number {
    return this.seedCount;
  }

  /** `owned`: `v` is a string of its own (decoded from the DEX), not a slice to copy before keeping. */
  id(v: string, create = true, owned = false): number {
    const hit = this.ids.get(v);
    if (hit !== undefined) return hit;
    if (this.findInSeed) {
      const i = this.findInSeed(v);
      if (i >= 0) return i;
    } else if (!this.seedIndexed) {
      this.seedIndexed = true;
      for (let i = 0; i < this.seedCount; i++) if (!this.ids.has(this.seedValue(i))) this.ids.set(this.seedValue(i), i);
      return this.id(v, create, owned);
    }
    if (!create) return -1;
    const n = this.seedCount + this.extra.length;
    const own = owned ? v : flat(v);
    this.ids.set(own, n);
    this.extra.push(own);
    return n;
  }

  value(id: number): string {
    return id < this.seedCount ? this.seedValue(id) : (this.extra[id - this.seedCount] ?? '?');
  }
}

/**
 * The index of `v` in a DEX's string table, by binary search: string_ids are sorted by content, in the
 * order of UTF-16 code units as d8 writes them (a real F-Droid DEX puts U+DFFFD before U+FFFE) and as
 * JavaScript compares. A file that breaks the order gives -1 for some strings, which then get ids of their
 * own: a damaged file links less.
 */
function stringIndexOf(dex: DexFile, v: string): number {
  let lo = 0;
  let hi = dex.stringCount - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = dex.string(mid);
    if (at === v) return mid;
    if ((at ?? '') < v) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Entries keyed by a pair of small ids, in an open-addressing hash table of integer columns: no composite
 * keys (strings or large numbers, both slow to hash) and a few integers per entry.
 */
class PairTable {
  private slots = new Int32Array(1024).fill(-1);
  readonly first: number[] = [];
  readonly second: number[] = [];
  get size(): number {
    return this.first.length;
  }
  private slot(a: number, b: number): number {
    const mask = this.slots.length - 1;
    let i = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77)) & mask;
    for (;;) {
      const e = this.slots[i]!;
      if (e < 0 || (this.first[e] === a && this.second[e] === b)) return i;
      i = (i + 1) & mask;
    }
  }
  find(a: number, b: number): number {
    return this.slots[this.slot(a, b)]!;
  }
  add(a: number, b: number): number {
    const i = this.slot(a, b);
    if (this.slots[i]! >= 0) return this.slots[i]!;
    const e = this.first.length;
    this.first.push(a);
    this.second.push(b);
    this.slots[i] = e;
    if (this.first.length * 2 > this.slots.length) this.grow();
    return e;
  }
  private grow(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    for (let e = 0; e < this.first.length; e++) this.slots[this.slot(this.first[e]!, this.second[e]!)] = e;
  }
}

/** Per-app method signatures: (name, prototype) pairs. */
class Signatures {
  private readonly table = new PairTable();
  constructor(
    private readonly names: Interner,
    private readonly protos: Interner,
  ) {}
  id(name: number, proto: number, create: boolean): number {
    return create ? this.table.add(name, proto) : this.table.find(name, proto);
  }
  name(sig: number): string {
    return this.names.value(this.table.first[sig]!);
  }
  proto(sig: number): string {
    return this.protos.value(this.table.second[sig]!);
  }
}

/**
 * Fields by id. Only declaring fields get an id: a field a class defines, or a library field as code
 * names it (`Landroid/os/Build;->MODEL:Ljava/lang/String;`); a reference through a subclass resolves to
 * the ancestor that declares it. A field's name and type form a pair (name id, type id).
 */
class Fields {
  private readonly nts = new PairTable();
  /** (name:type id, class id) -> field id. */
  private readonly pairs = new PairTable();
  readonly definedFlag: number[] = [];
  private readonly strings: Array<string | undefined> = [];

  constructor(
    private readonly types: Types,
    private readonly names: Interner,
  ) {}

  ntId(name: number, type: number, create: boolean): number {
    return create ? this.nts.add(name, type) : this.nts.find(name, type);
  }

  cls(f: number): number {
    return this.pairs.second[f]!;
  }

  get count(): number {
    return this.pairs.size;
  }

  pair(cls: number, nt: number): number {
    const f = this.pairs.add(nt, cls);
    if (f === this.definedFlag.length) this.definedFlag.push(0);
    return f;
  }

  /** The declaring field of `cls->nt`: the first ancestor (itself included) that defines it, else itself. */
  canonical(cls: number, nt: number, create = true): number {
    for (const a of this.types.ancestors(cls)) {
      const f = this.pairs.find(nt, a);
      if (f >= 0 && this.definedFlag[f]) return f;
    }
    return create ? this.pair(cls, nt) : this.pairs.find(nt, cls);
  }

  /** The canonical field of a signature `Lcls;->name:type`, or -1 when no code could have touched it. */
  fromSignature(sig: string, create: boolean): number {
    const arrow = sig.indexOf('->');
    const colon = sig.indexOf(':', arrow + 2);
    if (arrow < 0 || colon < 0) return -1;
    const name = this.names.id(sig.slice(arrow + 2, colon), create);
    const typeDesc = sig.slice(colon + 1);
    const type = create ? this.types.id(typeDesc) : (this.types.ids.get(typeDesc) ?? -1);
    if (name < 0 || type < 0) return -1;
    const nt = this.ntId(name, type, create);
    if (nt < 0) return -1;
    const desc = sig.slice(0, arrow);
    const cls = create ? this.types.id(desc) : (this.types.ids.get(desc) ?? -1);
    return cls < 0 ? -1 : this.canonical(cls, nt, create);
  }

  signature(f: number): string {
    let s = this.strings[f];
    if (s === undefined) {
      const nt = this.pairs.first[f]!;
      const name = this.names.value(this.nts.first[nt]!);
      const type = this.types.desc[this.nts.second[nt]!];
      s = this.strings[f] = `${this.types.desc[this.pairs.second[f]!]}->${name}:${type}`;
    }
    return s;
  }
}

class ModelBuilder {
  private readonly types = new Types();
  private readonly names: Interner;
  private readonly protos: Interner;
  private readonly sigs: Signatures;
  private readonly fields: Fields;
  private readonly diagnostics: CodeDiagnostic[] = [];
  // Method rows (grown while reading the DEX files, then frozen into typed arrays).
  private readonly mCls = new IntColumn(4096);
  private readonly mSig = new IntColumn(4096);
  private readonly mDex = new IntColumn(4096);
  private readonly mIdx = new IntColumn(4096);
  private readonly mCode = new IntColumn(4096);
  /** Method id per DEX method index (-1 when the DEX defines no body for it, or a class defined earlier wins). */
  private readonly byDexMethod: Int32Array[];
  /** Canonical field id per DEX field index (-1 until first seen). */
  private readonly fieldOfRef: Int32Array[];
  /** Method id per body of each DEX's cross-reference index. */
  private readonly bodyIds: Int32Array[] = [];
  private readonly protoCache: Array<Array<string | undefined>>;
  // Per-DEX caches from the file's own indices to the app's ids (string work once per distinct index).
  private readonly typeOfIdx: Int32Array[];
  private readonly nameOfString: Int32Array[];
  private readonly protoOfIdx: Int32Array[];

  constructor(
    private readonly dexes: DexFile[],
    private readonly manifest: Manifest | null,
    private readonly limits: Limits,
  ) {
    // Names and prototypes of the first DEX are their own ids: most apps have one DEX, and the first holds most.
    const seed = dexes[0];
    this.names = seed
      ? new Interner(
          seed.stringCount,
          (i) => seed.string(i) ?? '?',
          (v) => stringIndexOf(seed, v),
        )
      : new Interner(0, () => '?', null);
    this.protos = new Interner(seed?.protoCount ?? 0, (i) => this.protoOf(0, i), null);
    this.sigs = new Signatures(this.names, this.protos);
    this.fields = new Fields(this.types, this.names);
    this.byDexMethod = dexes.map((d) => new Int32Array(d.methodCount).fill(-1));
    this.fieldOfRef = dexes.map((d) => new Int32Array(d.fieldCount).fill(-1));
    this.protoCache = dexes.map((d) => new Array<string | undefined>(d.protoCount));
    this.typeOfIdx = dexes.map((d) => new Int32Array(d.typeCount).fill(-2));
    this.nameOfString = dexes.map((d) => new Int32Array(d.stringCount).fill(-1));
    this.protoOfIdx = dexes.map((d) => new Int32Array(d.protoCount).fill(-1));
  }

  /** The type id of type index `ti` of DEX `d`, or -1 when the index names no type. */
  typeAt(d: number, ti: number): number {
    const cache = this.typeOfIdx[d]!;
    const hit = ti >= 0 && ti < cache.length ? cache[ti]! : -1;
    if (hit !== -2) return hit;
    const desc = this.dexes[d]!.typeDescriptor(ti);
    const t = desc === null ? -1 : this.types.id(desc, true);
    cache[ti] = t;
    return t;
  }

  typeOrUnknownAt(d: number, ti: number): number {
    return this.typeOrUnknown(d, ti);
  }

  private typeOrUnknown(d: number, ti: number): number {
    const t = this.typeAt(d, ti);
    return t >= 0 ? t : this.types.id('?');
  }

  protoOf(d: number, p: number): string {
    const cache = this.protoCache[d]!;
    let s = cache[p];
    if (s === undefined) s = cache[p] = this.dexes[d]!.protoDescriptor(p);
    return s;
  }

  /** The app's name id of string index `si` of DEX `d`. */
  nameAt(d: number, si: number): number {
    const cache = this.nameOfString[d]!;
    let n = si >= 0 && si < cache.length ? cache[si]! : -2;
    if (n >= 0) return n;
    const seeded = d === 0 && si >= 0 && si < this.names.seedSize && this.dexes[0]!.string(si) !== null;
    n = seeded ? this.names.seeded(si) : this.names.id(this.dexes[d]!.string(si) ?? '?', true, true);
    if (si >= 0 && si < cache.length) cache[si] = n;
    return n;
  }

  private protoAt(d: number, p: number): number {
    const cache = this.protoOfIdx[d]!;
    let n = p >= 0 && p < cache.length ? cache[p]! : -2;
    if (n >= 0) return n;
    n =
      d === 0 && p >= 0 && p < this.protos.seedSize
        ? this.protos.seeded(p)
        : this.protos.id(this.protoOf(d, p), true, true);
    if (p >= 0 && p < cache.length) cache[p] = n;
    return n;
  }

  /** The signature id of a method reference's name and prototype (added when `create`, else -1 if unknown). */
  sigAt(d: number, nameIdx: number, protoIdx: number, create: boolean): number {
    return this.sigs.id(this.nameAt(d, nameIdx), this.protoAt(d, protoIdx), create);
  }

  /** The name:type id of a field reference. */
  private ntAt(d: number, nameIdx: number, typeIdx: number): number {
    return this.fields.ntId(this.nameAt(d, nameIdx), this.typeOrUnknown(d, typeIdx), true);
  }

  private badNt(): number {
    return this.fields.ntId(this.names.id(''), this.types.id('?'), true);
  }

  get nameTable(): Interner {
    return this.names;
  }

  /** The canonical field id of field index `fi` of DEX `d`. */
  fieldAt(d: number, fi: number): number {
    const cache = this.fieldOfRef[d]!;
    if (fi < cache.length && cache[fi]! >= 0) return cache[fi]!;
    const ref = this.dexes[d]!.fieldRef(fi);
    const f = ref
      ? this.fields.canonical(this.typeOrUnknown(d, ref.classIdx), this.ntAt(d, ref.nameIdx, ref.typeIdx))
      : this.fields.canonical(this.types.id(`<bad field ${fi}>`), this.badNt());
    if (fi < cache.length) cache[fi] = f;
    return f;
  }

  build(): CodeModel {
    this.readClasses();
    const methodCount = this.mCls.n;
    const code = this.mCode.a.subarray(0, methodCount);
    const { instantiated, starts, reads, writes } = this.readXrefs();
    const live = this.liveClasses(instantiated);
    const graph = new EdgeBuilder(methodCount);
    const calls = new CallResolver(this, live, code);
    const asyncCallers = calls.link(graph);
    const model = new CompactModel(this, { methodCount, code, readers: reads, writers: writes, resolver: calls });
    const startEdges = model.linkAsync(asyncCallers, graph, starts);
    model.finish(graph, startEdges, calls.megamorphicSites);
    return model;
  }

  // Accessors for the resolver and the model (the builder's columns, frozen).
  get typeTable(): Types {
    return this.types;
  }
  get signatures(): Signatures {
    return this.sigs;
  }
  get fieldTable(): Fields {
    return this.fields;
  }
  get dexFiles(): DexFile[] {
    return this.dexes;
  }
  get manifestOf(): Manifest | null {
    return this.manifest;
  }
  get limitsOf(): Limits {
    return this.limits;
  }
  get diagnosticList(): CodeDiagnostic[] {
    return this.diagnostics;
  }
  get bodies(): Int32Array[] {
    return this.bodyIds;
  }
  /** Signature id per method (final once the classes are read). */
  get sigColumn(): Int32Array {
    return this.mSig.a;
  }
  methodColumns(): { cls: Int32Array; sig: Int32Array; dex: Int32Array; idx: Int32Array } {
    const n = this.mCls.n;
    return {
      cls: this.mCls.a.slice(0, n),
      sig: this.mSig.a.slice(0, n),
      dex: this.mDex.a.slice(0, n),
      idx: this.mIdx.a.slice(0, n),
    };
  }
  dexMethodIds(): Int32Array[] {
    return this.byDexMethod;
  }
  fieldRefIds(): Int32Array[] {
    return this.fieldOfRef;
  }

  /**
   * 1. Classes, methods and fields each DEX defines; the first definition of a class wins, as the class
   * loader decides.
   */
  private readClasses(): void {
    const { types, fields } = this;
    const sigStamp: number[] = [];
    this.dexes.forEach((dex, d) => {
      const members = dex.members();
      for (let ci = 0; ci < dex.classDefs.length; ci++) {
        const t = types.id(dex.classDescriptor(ci), true);
        if (types.defined[t]) continue;
        types.node[t] = 1;
        types.defined[t] = 1;
        types.definedOrder.push(t);
        types.dex[t] = d;
        types.classDef[t] = ci;
        const def = dex.classDefs[ci]!;
        types.superOf[t] = def.superclassIdx === 0xffffffff ? -1 : this.typeAt(d, def.superclassIdx);
        const ifaces = dex.interfaces(ci);
        types.interfaces[t] = ifaces.length
          ? ifaces.slice(0, MAX_INTERFACES).map((i) => this.typeOrUnknown(d, i))
          : NONE;
        types.methodStart[t] = this.mCls.n;
        const methods = members[ci]!.methods;
        for (let k = 0; k < methods.length; k++) {
          const { methodIdx, codeOff } = methods[k]!;
          const ref = dex.methodRef(methodIdx);
          if (!ref) continue;
          const id = this.mCls.n;
          this.mCls.push(t);
          this.mSig.push(this.sigAt(d, ref.nameIdx, ref.protoIdx, true));
          this.mDex.push(d);
          this.mIdx.push(methodIdx);
          this.mCode.push(codeOff);
          this.byDexMethod[d]![methodIdx] = id;
        }
        types.methodEnd[t] = this.mCls.n;
        for (let id = types.methodStart[t]; id < types.methodEnd[t]; id++) {
          const sig = this.mSig.a[id]!;
          if (sigStamp[sig] === t) types.duplicates[t] = 1;
          sigStamp[sig] = t;
        }
        const defined = members[ci]!.fields;
        for (let k = 0; k < defined.length; k++) {
          const f = defined[k]!;
          const ref = dex.fieldRef(f);
          // The signature names the field's own class (a damaged DEX may list another class's field here).
          const id = ref
            ? fields.pair(this.typeOrUnknown(d, ref.classIdx), this.ntAt(d, ref.nameIdx, ref.typeIdx))
            : fields.pair(types.id(`<bad field ${f}>`), this.badNt());
          fields.definedFlag[id] = 1;
          this.fieldOfRef[d]![f] = id;
        }
      }
    });
    for (const t of types.definedOrder) {
      const sup = types.superOf[t]!;
      if (sup >= 0) {
        types.makeNode(sup);
        (types.subs[sup] ??= []).push(t);
      }
      for (const i of types.interfaces[t]!) {
        types.makeNode(i);
        (types.subs[i] ??= []).push(t);
      }
    }
  }

  /** 2. Walk the cross-reference index: instantiated classes, classes started by name, field accesses. */
  private readXrefs(): {
    instantiated: number[];
    starts: Array<{ from: number; cls: number }>;
    reads: Rows;
    writes: Rows;
  } {
    const instantiated: number[] = [];
    const seenType = new Uint8Array(1 << 16);
    const seenTypes = new Set<number>();
    const starts: Array<{ from: number; cls: number }> = [];
    const readF = new IntColumn(8192);
    const readM = new IntColumn(8192);
    const writeF = new IntColumn(4096);
    const writeM = new IntColumn(4096);
    // Readers and writers keep each method once per run of accesses (the index lists a body's accesses together).
    // Field ids made here are at most one per 16-bit field index of each DEX, so the stamps are sized up front.
    const fieldBound = this.fields.count + this.dexes.reduce((n, d) => n + Math.max(d.fieldCount, 1 << 16), 0);
    const lastReader = new Int32Array(fieldBound).fill(-1);
    const lastWriter = new Int32Array(fieldBound).fill(-1);
    this.dexes.forEach((dex, d) => {
      const x = dex.xrefs();
      const ids = new Int32Array(x.bodies.length);
      this.bodyIds.push(ids);
      seenType.fill(0);
      for (let b = 0; b < x.bodies.length; b++) {
        const id = this.byDexMethod[d]![x.bodies[b]!.methodIdx] ?? -1;
        ids[b] = id;
        if (id < 0) continue;
        const base = x.bodies[b]!.codeOff + 16;
        for (let k = x.types.start[b]!; k < x.types.start[b + 1]!; k++) {
          const op = dex.buf[base + x.types.pcs[k]! * 2];
          if (op !== 0x22 && op !== 0x1c) continue;
          const ti = x.types.targets[k]!;
          const t = this.typeAt(d, ti);
          if (t < 0 || this.types.desc[t] === '') continue;
          if (op === 0x22) {
            if (ti < seenType.length && seenType[ti]) continue;
            if (ti < seenType.length) seenType[ti] = 1;
            if (!seenTypes.has(t)) {
              seenTypes.add(t);
              instantiated.push(t);
            }
          } else starts.push({ from: id, cls: t });
        }
        for (let k = x.fields.start[b]!; k < x.fields.start[b + 1]!; k++) {
          const op = dex.buf[base + x.fields.pcs[k]! * 2]!;
          const f = this.fieldAt(d, x.fields.targets[k]!);
          const write = (op >= 0x59 && op <= 0x5f) || (op >= 0x67 && op <= 0x6d);
          if (write) {
            if (lastWriter[f] === id) continue;
            lastWriter[f] = id;
            writeF.push(f);
            writeM.push(id);
          } else {
            if (lastReader[f] === id) continue;
            lastReader[f] = id;
            readF.push(f);
            readM.push(id);
          }
        }
      }
    });
    const n = this.fields.count;
    return { instantiated, starts, reads: rowsOf(readF, readM, n), writes: rowsOf(writeF, writeM, n) };
  }

  /** A class is live when it or a subclass is instantiated (or it is an entry point the system instantiates). */
  private liveClasses(instantiated: number[]): number[] {
    const { types } = this;
    // Ancestor searches may intern library parents, so the flags grow with the type table.
    const live: number[] = [];
    const mark = (t: number) => {
      for (const a of types.ancestors(t)) {
        if (live[a]) break;
        live[a] = 1;
      }
    };
    for (const t of instantiated) mark(t);
    for (const t of types.definedOrder) if (entryKind(types, t)) mark(t);
    return live;
  }
}

type EntryKind = { kind: string; methods: string[] } | null;
const entryKinds = new WeakMap<Types, Array<EntryKind | undefined>>();

/** The entry kind of class `t` from its ancestors (memoised per class: a class's ancestors never change). */
function entryKind(types: Types, t: number): EntryKind {
  let memo = entryKinds.get(types);
  if (!memo) entryKinds.set(types, (memo = []));
  const hit = memo[t];
  if (hit !== undefined) return hit;
  let found: EntryKind = null;
  for (const a of types.ancestors(t)) {
    const e = ENTRY_BASES[types.desc[a]!];
    if (e) {
      found = e;
      break;
    }
  }
  memo[t] = found;
  return found;
}

/** Call edges in the order they are found; deduplicated per (caller, callee, kind), the first call site kept. */
class EdgeBuilder {
  readonly from = new IntColumn(1 << 14);
  readonly to = new IntColumn(1 << 14);
  readonly kind = new IntColumn(1 << 14);
  readonly pc = new IntColumn(1 << 14);
  readonly via = new Map<number, string>();
  private readonly stamps: Int32Array[];
  private readonly others = new Set<number>();
  constructor(private readonly methodCount: number) {
    this.stamps = [new Int32Array(methodCount).fill(-1), new Int32Array(methodCount).fill(-1)];
  }
  /** `bulk`: a call or virtual edge added while one caller's calls are added in a row (a stamp drops repeats). */
  add(from: number, to: number, kind: number, pc: number, via?: string, bulk = false): void {
    if (to < 0 || from === to) return;
    if (bulk && kind <= K_VIRTUAL) {
      if (this.stamps[kind]![to] === from) return;
      this.stamps[kind]![to] = from;
    } else {
      const key = (from * 8 + kind) * this.methodCount + to;
      if (this.others.has(key)) return;
      this.others.add(key);
    }
    if (via) this.via.set(this.from.n, via);
    this.from.push(from);
    this.to.push(to);
    this.kind.push(kind);
    this.pc.push(pc);
  }
}

/** 3. Call edges: direct calls resolved up the hierarchy, virtual calls to the overrides of live classes. */
class CallResolver {
  megamorphicSites = 0;
  /** Callers per library method: a list per (library class id, method name id), rows once linked. */
  readonly apiIndex = new PairTable();
  private readonly apiLast: number[] = [];
  private readonly apiKeys = new IntColumn();
  private readonly apiCallers = new IntColumn();
  apiRows: Rows = { start: new Int32Array(1), values: new Int32Array(0) };
  /** Override sets by receiver class id and then signature id. */
  private readonly dispatchCache = new Map<number, Map<number, readonly number[] | null>>();
  private readonly descendantCache = new Map<number, number[]>();
  readonly names: ApiNames;
  constructor(
    private readonly b: ModelBuilder,
    private readonly live: number[],
    private readonly code: Int32Array,
  ) {
    this.names = new ApiNames(b.typeTable, b.nameTable);
  }

  private indexList(cls: number, nameId: number): number {
    const l = this.apiIndex.add(cls, nameId);
    if (l === this.apiLast.length) this.apiLast.push(-1);
    return l;
  }

  /** Adds a caller to a list once per run of its calls (a body's calls are indexed together). */
  private addApiCaller(l: number, from: number): void {
    if (this.apiLast[l] === from) return;
    this.apiLast[l] = from;
    this.apiKeys.push(l);
    this.apiCallers.push(from);
  }

  /** The method `sig` resolves to from class `t` (itself or the nearest ancestor defining it), or -1. */
  resolveUp(t: number, sig: number): number {
    if (sig < 0) return -1;
    const types = this.b.typeTable;
    for (const a of types.ancestors(t)) {
      const id = methodWithSig(types, this.b.sigColumn, a, sig);
      if (id >= 0) return id;
    }
    return -1;
  }

  private liveDescendants(t: number): number[] {
    let hit = this.descendantCache.get(t);
    if (hit) return hit;
    const types = this.b.typeTable;
    hit = [];
    const seen = new Set<number>([t]);
    const stack = [...(types.subs[t] ?? [])];
    while (stack.length) {
      const s = stack.pop() as number;
      if (seen.has(s)) continue;
      seen.add(s);
      if (!types.node[s]) continue;
      if (this.live[s]) hit.push(s);
      for (const x of types.subs[s] ?? []) stack.push(x);
    }
    this.descendantCache.set(t, hit);
    return hit;
  }

  private overrides(t: number, sig: number): readonly number[] | null {
    const types = this.b.typeTable;
    if (!types.subs[t]?.length || sig < 0) return NONE;
    let bySig = this.dispatchCache.get(t);
    if (!bySig) this.dispatchCache.set(t, (bySig = new Map<number, readonly number[] | null>()));
    const cached = bySig.get(sig);
    if (cached !== undefined) return cached;
    const found: number[] = [];
    let result: number[] | null = found;
    for (const c of this.liveDescendants(t)) {
      const id = methodWithSig(types, this.b.sigColumn, c, sig);
      if (id < 0 || this.code[id] === 0) continue;
      found.push(id);
      if (found.length > this.b.limitsOf.code.maxDispatchTargets) {
        result = null;
        break;
      }
    }
    bySig.set(sig, result);
    return result;
  }

  /** What a call to method reference `idx` of DEX `d` links to, resolved once per reference and dispatch. */
  private resolve(dex: DexFile, d: number, idx: number, dynamic: boolean): ResolvedCall {
    const types = this.b.typeTable;
    const ref = dex.methodRef(idx);
    const t = ref ? this.b.typeOrUnknownAt(d, ref.classIdx) : types.id('<bad>');
    const sig = ref ? this.b.sigAt(d, ref.nameIdx, ref.protoIdx, false) : -1;
    const declared = this.resolveUp(t, sig);
    const virtual = dynamic ? this.overrides(t, sig) : NONE;
    let ext: number[] | null = null;
    let async = false;
    const name = ref ? (dex.string(ref.nameIdx) ?? '?') : '?';
    // Any call named like a receiver registration, app-defined or not: the async linking reads them all.
    const receiver =
      RECEIVER_METHOD_NAMES.has(name) &&
      this.names.libraryClasses(t).some((a) => ASYNC_APIS[`${types.desc[a]}->${name}`]?.kind === 'receiver');
    const hasCode = declared >= 0 && this.code[declared] !== 0;
    if (!hasCode) {
      const libs = this.names.libraryClasses(t);
      const nameId = ref ? this.b.nameAt(d, ref.nameIdx) : this.names.nameId(name, true);
      ext = libs.map((a) => this.indexList(a, nameId));
      async =
        LISTENER_NAME.test(name) ||
        (ASYNC_METHOD_NAMES.has(name) && libs.some((a) => !!ASYNC_APIS[`${types.desc[a]}->${name}`]));
    }
    return { linked: hasCode ? declared : -1, virtual, ext, async, receiver };
  }

  /**
   * Adds call, virtual and lambda edges; returns the methods that call an asynchronous or listener API, those
   * of them that may register a receiver, and the return types of the lambdas each method makes.
   */
  link(graph: EdgeBuilder): AsyncCallers {
    const asyncCallers = new Set<number>();
    const receiverCallers = new Set<number>();
    const lambdaFrom = new IntColumn();
    const lambdaMethod = new IntColumn();
    this.b.dexFiles.forEach((dex, d) => {
      const x = dex.xrefs();
      const bodyIds = this.b.bodies[d]!;
      // Resolutions by (method index, dynamic): a slot per key into a dense list (a sparse array is a slow dictionary).
      const slots = new Int32Array(dex.methodCount * 2).fill(-1);
      const resolved: ResolvedCall[] = [];
      // The index's columns in locals: the loop calls out, so the engine would load them again per site.
      const { start, targets, pcs } = x.methods;
      const buf = dex.buf;
      for (let b = 0; b < x.bodies.length; b++) {
        const from = bodyIds[b]!;
        if (from < 0) continue;
        const base = x.bodies[b]!.codeOff + 16;
        const end = start[b + 1]!;
        for (let k = start[b]!; k < end; k++) {
          const idx = targets[k]!;
          const pc = pcs[k]!;
          const how = LINK_OF_OPCODE[buf[base + pc * 2]!]!;
          if (how === 0) continue;
          const key = idx * 2 + (how === DYNAMIC ? 1 : 0);
          const slot = key < slots.length ? slots[key]! : -1;
          let r = slot >= 0 ? resolved[slot] : undefined;
          if (!r) {
            r = this.resolve(dex, d, idx, how === DYNAMIC);
            if (key < slots.length) slots[key] = resolved.push(r) - 1;
          }
          if (r.linked >= 0) graph.add(from, r.linked, K_CALL, pc, undefined, true);
          const virtual = r.virtual;
          if (virtual === null) this.megamorphicSites++;
          else for (let i = 0; i < virtual.length; i++) graph.add(from, virtual[i]!, K_VIRTUAL, pc, undefined, true);
          const ext = r.ext;
          if (ext) {
            for (let i = 0; i < ext.length; i++) this.addApiCaller(ext[i]!, from);
            if (r.async) asyncCallers.add(from);
          }
          if (r.receiver) receiverCallers.add(from);
        }
      }
      // invoke-custom is not in the cross-reference index: walk the bodies of DEX files that have call sites.
      if (dexTables(dex).callSites.length > 0) {
        for (let b = 0; b < x.bodies.length; b++) {
          const from = bodyIds[b]!;
          if (from < 0) continue;
          walkCode(dex.buf, x.bodies[b]!.codeOff, (insn) => {
            if (insn.op !== 0xfc && insn.op !== 0xfd) return;
            const t = lambdaTarget(dex, insn.idx);
            if (t === null) return;
            const ref = dex.methodRef(t);
            if (!ref) return;
            const cls = this.b.typeOrUnknownAt(d, ref.classIdx);
            const sig = this.b.sigAt(d, ref.nameIdx, ref.protoIdx, false);
            graph.add(from, this.resolveUp(cls, sig), K_LAMBDA, insn.pc);
            asyncCallers.add(from);
            lambdaFrom.push(from);
            lambdaMethod.push(t);
          });
        }
      }
    });
    if (this.megamorphicSites) {
      this.b.diagnosticList.push({
        code: 'limit/code-dispatch-targets',
        message:
          `${this.megamorphicSites} virtual call sites have more than ` +
          `${this.b.limitsOf.code.maxDispatchTargets} possible targets; their overriding methods are not linked`,
      });
    }
    this.apiRows = rowsOf(this.apiKeys, this.apiCallers, this.apiIndex.size);
    return { all: asyncCallers, receivers: receiverCallers, lambdaFrom, lambdaMethod };
  }
}

/**
 * The type index of a descriptor in a DEX, by binary search: type_ids are sorted by their string's index
 * and strings by content, as the format requires (a file that breaks the order gives -1 for some types).
 */
function typeIndexOf(dex: DexFile, desc: string): number {
  let lo = 0;
  let hi = dex.typeCount - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = dex.typeDescriptor(mid) ?? '';
    if (at === desc) return mid;
    if (at < desc) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

interface ResolvedCall {
  /** The method with code a direct call reaches, or -1. */
  linked: number;
  virtual: readonly number[] | null;
  /** Lists of `apiIndex` the call adds its caller to (a call to library code). */
  ext: number[] | null;
  async: boolean;
  /** The call may register a receiver. */
  receiver: boolean;
}

interface AsyncCallers {
  /** Methods that call an asynchronous or listener API or make a lambda, in the order they were found. */
  all: Set<number>;
  /** Those of them (or other methods) that call an API registering a receiver. */
  receivers: Set<number>;
  /** Pairs (method, DEX method index of the implementation of a lambda it makes). */
  lambdaFrom: IntColumn;
  lambdaMethod: IntColumn;
}

/** Library names of call targets: the first undefined classes up a class's hierarchy, and method names by id. */
class ApiNames {
  private readonly cache = new Map<string, string[]>();
  constructor(
    private readonly types: Types,
    private readonly names: Interner,
  ) {}

  nameId(name: string, create: boolean): number {
    return this.names.id(name, create);
  }

  /** Library ancestors of `t` (itself when it has none: a hierarchy that is all app classes). */
  libraryClasses(t: number): number[] {
    const libs = this.types.ancestors(t).filter((a) => !this.types.defined[a]);
    return libs.length ? libs : [t];
  }

  /** `Lcls;->name` of a call's library targets, memoised per callee. */
  of(ref: string): string[] {
    const callee = ref.includes('(') ? ref.slice(0, ref.indexOf('(')) : ref;
    let hit = this.cache.get(callee);
    if (hit) return hit;
    const types = this.types;
    const arrow = callee.indexOf('->');
    const name = callee.slice(arrow + 2);
    hit = types
      .ancestors(types.id(callee.slice(0, arrow)))
      .filter((a) => !types.defined[a])
      .map((a) => `${types.desc[a]}->${name}`);
    if (!hit.length) hit = [callee];
    // A flat copy of the key: a slice would keep the whole signature it was cut from.
    this.cache.set(flat(callee), hit);
    return hit;
  }
}

/** A string that owns its characters (not a slice or concatenation holding larger strings alive). */
function flat(s: string): string {
  return (' ' + s).slice(1);
}

/** The method class `t` defines with signature `sig` (the last one, as a map keyed by signature keeps), or -1. */
function methodWithSig(types: Types, sigOf: Int32Array, t: number, sig: number): number {
  if (!types.defined[t]) return -1;
  for (let id = types.methodEnd[t]! - 1; id >= types.methodStart[t]!; id--) if (sigOf[id] === sig) return id;
  return -1;
}

interface AsyncEdge {
  from: number;
  to: number;
  pc: number;
  via: string;
}

interface FrozenParts {
  methodCount: number;
  code: Int32Array;
  readers: Rows;
  writers: Rows;
  resolver: CallResolver;
}

/** The model a query sees: frozen columns, compressed edges, summaries on demand. */
class CompactModel implements CodeModel {
  readonly dexes: DexFile[];
  readonly methodCount: number;
  readonly receivers: Receiver[] = [];
  readonly entries = new Map<number, string>();
  readonly diagnostics: CodeDiagnostic[];
  readonly limits: Limits;
  private readonly types: Types;
  private readonly sigs: Signatures;
  private readonly fields: Fields;
  private readonly mCls: Int32Array;
  private readonly mSig: Int32Array;
  private readonly mDex: Int32Array;
  private readonly mIdx: Int32Array;
  private readonly mCode: Int32Array;
  private readonly bodyIds: Int32Array[];
  private readonly fieldOfRef: Int32Array[];
  private readonly readers: Rows;
  private readonly writers: Rows;
  private readonly apiIndex: PairTable;
  private readonly apiRows: Rows;
  private readonly apiNamesOf: ApiNames;
  // Edges sorted by caller (out rows), and the in rows as positions into them.
  private outStart = new Int32Array(1);
  private eFrom = new Int32Array(0);
  private eTo = new Int32Array(0);
  private eKind = new Uint8Array(0);
  private ePc = new Int32Array(0);
  private eVia = new Map<number, string>();
  private inStart = new Int32Array(1);
  private inEdge = new Int32Array(0);
  private edgeCount = 0;
  private asyncEdgeCount = 0;
  // Asynchronous edges, linked per caller when a query first reads its calls or a callee's callers (each
  // needs the caller's value summary). A callee's possible async callers are indexed by the callee's class.
  private readonly asyncPending: Uint8Array;
  /** Position of each async caller in `asyncCallers`. */
  private readonly asyncRank: Int32Array;
  private asyncCallers: number[] = [];
  private asyncCandidates: Rows = { start: new Int32Array(1), values: new Int32Array(0) };
  private readonly asyncClassesDone = new Set<number>();
  private readonly asyncEdges: AsyncEdge[] = [];
  private readonly asyncOut = new Map<number, number[]>();
  /** Async edges into a method, in the order of their callers in `asyncCallers` (the order they were found). */
  private readonly asyncIn = new Map<number, number[]>();
  private readonly refReturnTypes: Int32Array[];
  private megamorphic = 0;
  // Value summaries: decoded on demand, kept in a cache bounded in code units (oldest use evicted first).
  private readonly summaryState: Uint8Array;
  /** Reads cut short by a cycle (a summary or field constant asked for inside its own making). */
  private cycleCuts = 0;
  private readonly summaryCache = new Map<number, MethodSummary>();
  private cachedUnits = 0;
  private summarizedUnits = 0;
  private budgetReported = false;
  private readonly fieldBusy = new Set<number>();
  private readonly fieldConstants = new Map<number, Value | undefined>();
  private readonly fieldStrings: Array<Array<string | undefined>>;
  private readonly statics = new Map<number, ReturnType<typeof staticValues>>();
  private readonly stringCaches = new Map<(s: string) => boolean, Int8Array[]>();
  private readonly creatorCache = new Map<string, number[]>();
  private bodyOf: Int32Array | null = null;
  private readonly manifest: Manifest | null;

  constructor(b: ModelBuilder, parts: FrozenParts) {
    this.dexes = b.dexFiles;
    this.methodCount = parts.methodCount;
    this.diagnostics = b.diagnosticList;
    this.limits = b.limitsOf;
    this.types = b.typeTable;
    this.sigs = b.signatures;
    this.fields = b.fieldTable;
    const cols = b.methodColumns();
    this.mCls = cols.cls;
    this.mSig = cols.sig;
    this.mDex = cols.dex;
    this.mIdx = cols.idx;
    this.mCode = parts.code.slice();
    this.bodyIds = b.bodies;
    this.fieldOfRef = b.fieldRefIds();
    this.readers = parts.readers;
    this.writers = parts.writers;
    this.manifest = b.manifestOf;
    this.summaryState = new Uint8Array(parts.methodCount);
    this.asyncPending = new Uint8Array(parts.methodCount);
    this.asyncRank = new Int32Array(parts.methodCount);
    this.refReturnTypes = this.dexes.map((d) => new Int32Array(d.methodCount).fill(-2));
    this.fieldStrings = this.dexes.map(() => []);
    this.apiIndex = parts.resolver.apiIndex;
    this.apiRows = parts.resolver.apiRows;
    this.apiNamesOf = parts.resolver.names;
  }

  method(id: number): CodeMethod {
    const sig = this.mSig[id]!;
    return {
      id,
      cls: this.types.desc[this.mCls[id]!]!,
      name: this.sigs.name(sig),
      proto: this.sigs.proto(sig),
      dex: this.mDex[id]!,
      methodIdx: this.mIdx[id]!,
      codeOff: this.mCode[id]!,
    };
  }

  name(id: number): string {
    return `${this.types.desc[this.mCls[id]!]}->${this.sigs.name(this.mSig[id]!)}`;
  }

  methodsNamed(name: string): number[] {
    const arrow = name.indexOf('->');
    const t = this.types.ids.get(name.slice(0, arrow));
    if (t === undefined || !this.types.defined[t]) return [];
    const bare = name.slice(arrow + 2);
    const out: number[] = [];
    for (let id = this.types.methodStart[t]!; id < this.types.methodEnd[t]!; id++)
      if (this.sigs.name(this.mSig[id]!) === bare) out.push(id);
    return out;
  }

  classMethods(desc: string): number[] {
    const t = this.types.ids.get(desc);
    return t === undefined ? [] : this.ownMethods(t);
  }

  creators(desc: string): number[] {
    const hit = this.creatorCache.get(desc);
    if (hit) return hit;
    const out = new Set<number>();
    this.dexes.forEach((dex, d) => {
      const ti = typeIndexOf(dex, desc);
      if (ti < 0) return;
      const x = dex.xrefs();
      const ids = this.bodyIds[d]!;
      for (let b = 0; b < x.bodies.length && out.size < MAX_CREATORS; b++) {
        const id = ids[b]!;
        if (id < 0) continue;
        const base = x.bodies[b]!.codeOff + 16;
        for (let k = x.types.start[b]!; k < x.types.start[b + 1]!; k++) {
          // Type references of a body include const-class and check-cast: only new-instance (0x22) creates.
          if (x.types.targets[k] !== ti || dex.buf[base + x.types.pcs[k]! * 2] !== 0x22) continue;
          out.add(id);
          break;
        }
      }
    });
    const list = [...out].sort((a, b) => a - b);
    this.creatorCache.set(desc, list);
    return list;
  }

  createdClasses(id: number): string[] {
    if (id < 0 || id >= this.methodCount || this.mCode[id] === 0) return [];
    if (!this.bodyOf) {
      // Each method's body index in its DEX's cross-reference index, made once when first asked for.
      this.bodyOf = new Int32Array(this.methodCount).fill(-1);
      for (const ids of this.bodyIds) ids.forEach((m, b) => m >= 0 && (this.bodyOf![m] = b));
    }
    const b = this.bodyOf[id]!;
    const dex = this.dexes[this.mDex[id]!]!;
    if (b < 0) return [];
    const x = dex.xrefs();
    const base = x.bodies[b]!.codeOff + 16;
    const out: string[] = [];
    for (let k = x.types.start[b]!; k < x.types.start[b + 1]!; k++) {
      if (dex.buf[base + x.types.pcs[k]! * 2] !== 0x22) continue;
      const desc = dex.typeDescriptor(x.types.targets[k]!);
      if (desc && !out.includes(desc)) out.push(desc);
    }
    return out;
  }

  classDef(desc: string): { dex: number; classDefIdx: number } | null {
    const t = this.types.ids.get(desc);
    if (t === undefined || !this.types.defined[t]) return null;
    return { dex: this.types.dex[t]!, classDefIdx: this.types.classDef[t]! };
  }

  /** Methods of class `t` keyed by signature: one per signature (the last), in first-declaration order. */
  private ownMethods(t: number): number[] {
    if (!this.types.defined[t]) return [];
    const start = this.types.methodStart[t]!;
    const end = this.types.methodEnd[t]!;
    const out: number[] = [];
    if (!this.types.duplicates[t]) {
      for (let id = start; id < end; id++) out.push(id);
      return out;
    }
    for (let id = start; id < end; id++) {
      let last = id;
      for (let j = end - 1; j > id; j--) if (this.mSig[j] === this.mSig[id]) last = j;
      if (last !== id && this.mSig.subarray(start, id).includes(this.mSig[id]!)) continue;
      out.push(last);
    }
    return out;
  }

  /** A caller's edges in the order they were found: calls and lambdas, then async edges, then components it starts. */
  out(id: number): Edge[] {
    const out: Edge[] = [];
    if (id < 0 || id >= this.methodCount) return out;
    this.linkAsyncFrom(id);
    const end = this.outStart[id + 1]!;
    let k = this.outStart[id]!;
    for (; k < end && this.eKind[k] !== K_START; k++) out.push(this.edge(k, this.eTo[k]!));
    for (const a of this.asyncOut.get(id) ?? NONE) out.push(this.asyncEdge(a, this.asyncEdges[a]!.to));
    for (; k < end; k++) out.push(this.edge(k, this.eTo[k]!));
    return out;
  }

  /** Edges into a method in the order they were found: calls and lambdas, then async edges, then starts. */
  in(id: number): Edge[] {
    const out: Edge[] = [];
    if (id < 0 || id >= this.methodCount) return out;
    this.linkAsyncInto(this.mCls[id]!);
    const end = this.inStart[id + 1]!;
    let j = this.inStart[id]!;
    for (; j < end && this.eKind[this.inEdge[j]!] !== K_START; j++)
      out.push(this.edge(this.inEdge[j]!, this.eFrom[this.inEdge[j]!]!));
    for (const a of this.asyncIn.get(id) ?? NONE) out.push(this.asyncEdge(a, this.asyncEdges[a]!.from));
    for (; j < end; j++) out.push(this.edge(this.inEdge[j]!, this.eFrom[this.inEdge[j]!]!));
    return out;
  }

  private asyncEdge(a: number, to: number): Edge {
    const e = this.asyncEdges[a]!;
    return e.via ? { to, kind: 'async', pc: e.pc, via: e.via } : { to, kind: 'async', pc: e.pc };
  }

  private edge(k: number, to: number): Edge {
    const via = this.eVia.get(k);
    const kind = KINDS[this.eKind[k]!]!;
    return via ? { to, kind, pc: this.ePc[k]!, via } : { to, kind, pc: this.ePc[k]! };
  }

  get stats(): CodeModelStats {
    // The edge counts need every caller's async edges.
    for (const from of this.asyncCallers) this.linkAsyncFrom(from);
    return {
      classes: this.types.definedOrder.length,
      methods: this.methodCount,
      edges: this.edgeCount + this.asyncEdges.length,
      asyncEdges: this.asyncEdgeCount,
      megamorphicSites: this.megamorphic,
      summarizedUnits: this.summarizedUnits,
    };
  }

  apiCallers(api: string): number[] {
    const arrow = api.indexOf('->');
    const t = this.types.ids.get(api.slice(0, arrow));
    const nameId = this.apiNamesOf.nameId(api.slice(arrow + 2), false);
    if (t === undefined || nameId < 0) return [];
    return row(this.apiRows, this.apiIndex.find(t, nameId));
  }

  apiNames(ref: string): string[] {
    return this.apiNamesOf.of(ref);
  }

  ancestors(desc: string): string[] {
    return this.types.ancestors(this.types.id(desc)).map((t) => this.types.desc[t]!);
  }

  fieldReaders(field: string): number[] {
    return row(this.readers, this.fields.fromSignature(field, false));
  }

  fieldWriters(field: string): number[] {
    return row(this.writers, this.fields.fromSignature(field, false));
  }

  /** Canonical signature of field index `fi` of DEX `d`, as summaries name it. */
  private fieldKeyAt(d: number, fi: number): string {
    const cache = this.fieldStrings[d]!;
    let s = cache[fi];
    if (s === undefined) {
      let f = fi < this.fieldOfRef[d]!.length ? this.fieldOfRef[d]![fi]! : -1;
      if (f < 0) f = this.fields.fromSignature(this.dexes[d]!.fieldSignature(fi), true);
      s = cache[fi] = this.fields.signature(f);
    }
    return s;
  }

  private canonicalField(sig: string): string {
    const f = this.fields.fromSignature(sig, false);
    return f < 0 ? sig : this.fields.signature(f);
  }

  fieldConstant(field: string): Value | undefined {
    const f = this.fields.fromSignature(field, false);
    if (f < 0) return undefined;
    if (this.fieldConstants.has(f)) return this.fieldConstants.get(f);
    if (this.fieldBusy.has(f)) {
      this.cycleCuts++;
      return undefined;
    }
    const cuts = this.cycleCuts;
    this.fieldBusy.add(f);
    const sig = this.fields.signature(f);
    let result: Value | undefined = this.staticInit(f);
    const ws = row(this.writers, f);
    // Constants live in <clinit>/<init>; a field other code writes is state, not a constant.
    if (ws.length && ws.length <= 4 && ws.every((w) => this.isInitialiser(w))) {
      const values: Value[] = [];
      for (const w of ws)
        for (const a of this.summary(w)?.fields ?? []) if (a.write && a.field === sig && a.value) values.push(a.value);
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
    this.fieldBusy.delete(f);
    if (this.cycleCuts === cuts) this.fieldConstants.set(f, result);
    return result;
  }

  private isInitialiser(id: number): boolean {
    const name = this.sigs.name(this.mSig[id]!);
    return name === '<clinit>' || name === '<init>';
  }

  /** The `static_values` initial value of a defined static field (read when first asked for). */
  private staticInit(f: number): Value | undefined {
    if (!this.fields.definedFlag[f]) return undefined;
    const t = this.fields.cls(f);
    if (!this.types.defined[t]) return undefined;
    const d = this.types.dex[t]!;
    const ci = this.types.classDef[t]!;
    const dex = this.dexes[d]!;
    const members = dex.members()[ci]!;
    const k = members.fields.findIndex((fi) => this.fieldOfRef[d]![fi] === f);
    if (k < 0 || k >= members.staticFields) return undefined;
    // A class's static values are one encoded array: decoded once per class asked about.
    let values = this.statics.get(t);
    if (values === undefined) this.statics.set(t, (values = staticValues(dex, ci)));
    const v = values?.[k];
    if (v?.t === 'int') return { k: 'num', v: v.v };
    if (v?.t === 'string') return { k: 'str', s: dex.string(v.v) ?? '' };
    return undefined;
  }

  summary(id: number): MethodSummary | null {
    if (id < 0 || id >= this.methodCount || this.mCode[id] === 0) return null;
    const state = this.summaryState[id]!;
    if (state === 1) {
      this.cycleCuts++; // being summarised (a field constant's initialiser reads itself)
      return null;
    }
    const hit = this.summaryCache.get(id);
    if (hit) {
      this.summaryCache.delete(id);
      this.summaryCache.set(id, hit);
      return hit;
    }
    if (this.overBudget(state)) return null;
    this.summaryState[id] = 1;
    const cuts = this.cycleCuts;
    const s = this.decode(id);
    // A summary that met a cycle saw some field as unknown only because of where the query started: kept,
    // it would make later answers depend on the order of queries; it is decoded again when asked for.
    if (this.cycleCuts === cuts) this.cacheSummary(id, state, s);
    else this.countSummary(id, state, s);
    return s;
  }

  private overBudget(state: number): boolean {
    if (state !== 0 || this.summarizedUnits <= this.limits.code.maxSummaryUnits) return false;
    if (!this.budgetReported)
      this.diagnostics.push({
        code: 'limit/code-summary-units',
        message:
          `value analysis stopped after ${this.summarizedUnits} code units ` +
          `(limit code.maxSummaryUnits ${this.limits.code.maxSummaryUnits}); later queries see less`,
      });
    this.budgetReported = true;
    return true;
  }

  private decode(id: number): MethodSummary {
    const d = this.mDex[id]!;
    return summarize(this.dexes[d]!, this.mCode[id]!, {
      proto: this.sigs.proto(this.mSig[id]!),
      resolveField: (f) => this.fieldConstant(f),
      fieldKey: (sig) => this.canonicalField(sig),
      fieldAt: (fi) => this.fieldKeyAt(d, fi),
    });
  }

  /** Counts a summary just made (`state`: the method's state before) against the budget. */
  private countSummary(id: number, state: number, s: MethodSummary): void {
    // Units count once per method: a summary decoded again after eviction is not new work for the budget.
    if (state === 0) this.summarizedUnits += s.units + 1;
    this.summaryState[id] = 2;
  }
  /** Counts and keeps a summary just made, evicting the least recently used. */
  private cacheSummary(id: number, state: number, s: MethodSummary): void {
    this.countSummary(id, state, s);
    this.summaryCache.set(id, s);
    this.cachedUnits += s.units + 1;
    for (const [old, o] of this.summaryCache) {
      if (this.cachedUnits <= SUMMARY_CACHE_UNITS || old === id) break;
      this.summaryCache.delete(old);
      this.cachedUnits -= o.units + 1;
    }
  }

  methodsWithStrings(test: (s: string) => boolean): Map<number, string[]> {
    let perDex = this.stringCaches.get(test);
    if (!perDex) this.stringCaches.set(test, (perDex = this.dexes.map((d) => new Int8Array(d.stringCount))));
    const found = new Map<number, string[]>();
    this.dexes.forEach((dex, d) => {
      const x = dex.xrefs();
      const cache = perDex[d]!;
      const bodyIds = this.bodyIds[d]!;
      for (let b = 0; b < x.bodies.length; b++) {
        const id = bodyIds[b]!;
        if (id < 0) continue;
        for (let k = x.strings.start[b]!; k < x.strings.start[b + 1]!; k++) {
          const si = x.strings.targets[k]!;
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
  }

  /** Defined methods of `t` and its ancestors named in `names`, one per signature (the nearest class's). */
  private runsOf(t: number, names: string[]): number[] {
    const found: number[] = [];
    for (const a of this.types.ancestors(t)) {
      if (!this.types.defined[a]) continue;
      for (const id of this.ownMethods(a)) {
        if (
          this.mCode[id] !== 0 &&
          names.includes(this.sigs.name(this.mSig[id]!)) &&
          !found.some((f) => this.mSig[f] === this.mSig[id])
        )
          found.push(id);
      }
    }
    return found;
  }

  private callbackMethods(t: number): number[] {
    return this.ownMethods(t).filter((id) => this.mCode[id] !== 0 && !this.sigs.name(this.mSig[id]!).startsWith('<'));
  }

  /**
   * 4. Asynchronous edges: the callback object each async or registration call receives, and what it runs.
   * Linked per caller on demand (see `out`, `in`), except for callers that may register a receiver, which
   * are linked now so that the receivers are known; returns the count of start edges.
   */
  linkAsync(callers: AsyncCallers, graph: EdgeBuilder, starts: Array<{ from: number; cls: number }>): number {
    let asyncEdges = 0;
    const types = this.types;
    this.asyncCallers = [...callers.all];
    this.asyncCallers.forEach((from, i) => (this.asyncRank[from] = i));
    this.asyncCandidates = this.candidateIndex(callers);
    // Callers that register receivers, or whose summary is at hand, are linked now; the others when a query
    // reads them (a summary's answer does not depend on when it is made: see `summary` and `fieldConstant`).
    for (const from of this.asyncCallers) {
      const state = this.summaryState[from];
      const now = callers.receivers.has(from) || this.summaryCache.has(from) || state !== 0;
      if (now || this.mCode[from] === 0 || this.overBudget(state)) this.linkCaller(from, this.summary(from));
      else this.asyncPending[from] = 1;
    }
    // Components started by class (Intent, ComponentName, PendingIntent, WorkRequest builders): the system
    // runs their lifecycle.
    for (const { from, cls } of starts) {
      if (!types.defined[cls]) continue;
      const e = entryKind(types, cls);
      if (!e) continue;
      for (const to of this.runsOf(cls, e.methods)) {
        graph.add(from, to, K_START, 0, `${types.desc[cls]}.class`);
        asyncEdges++;
      }
    }
    // 5. Entry points and manifest receivers.
    for (const t of types.definedOrder) {
      const e = entryKind(types, t);
      if (!e) continue;
      for (const id of this.runsOf(t, e.methods)) if (this.mCls[id] === t) this.entries.set(id, e.kind);
    }
    for (const comp of this.manifest?.components ?? []) {
      if (comp.type !== 'receiver') continue;
      const t = types.id(`L${comp.name.replace(/\./g, '/')};`);
      const actions = comp.intentFilters.flatMap((f) => f.actions);
      for (const id of this.runsOf(t, ['onReceive'])) this.receivers.push({ method: id, actions, registeredBy: -1 });
    }
    return asyncEdges;
  }

  /** A caller's async edges (and receivers it registers), from its value summary. */
  private linkAsyncFrom(from: number): void {
    if (!this.asyncPending[from]) return;
    this.asyncPending[from] = 0;
    this.linkCaller(from, this.summary(from));
  }

  private linkCaller(from: number, s: MethodSummary | null): void {
    if (!s) return;
    const types = this.types;
    const mine: number[] = [];
    const seen = new Set<number>();
    for (const call of s.calls) {
      if (call.lambda !== undefined) continue;
      const names = this.apiNames(call.ref);
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
        const cls = valueClass(v, s, this.method(from));
        const t = cls === null ? undefined : types.ids.get(cls);
        if (t === undefined || !types.defined[t]) continue;
        const targets = api ? this.runsOf(t, api.runs) : this.callbackMethods(t);
        for (const to of targets) {
          this.asyncEdgeCount++;
          // One edge per (caller, callee), the first call site kept.
          if (to === from || seen.has(to)) continue;
          seen.add(to);
          const a = this.asyncEdges.length;
          this.asyncEdges.push({ from, to, pc: call.pc, via: via || (names[0] ?? '') });
          mine.push(a);
          let into = this.asyncIn.get(to);
          if (!into) this.asyncIn.set(to, (into = []));
          // Callers are linked in any order: keep each callee's list in the order the callers were found.
          const rank = this.asyncRank[from]!;
          let i = into.length;
          while (i > 0 && this.asyncRank[this.asyncEdges[into[i - 1]!]!.from]! > rank) i--;
          into.splice(i, 0, a);
        }
        if (api?.kind === 'receiver') {
          const filter = call.args[2];
          const actions =
            filter && filter.k === 'obj'
              ? [...filter.ctor, ...filter.calls.filter((c) => c.name === 'addAction').map((c) => c.args[0])]
                  .map((a) => constString(a))
                  .filter((a): a is string => !!a)
              : [];
          for (const to of targets) this.receivers.push({ method: to, actions, registeredBy: from });
        }
      }
    }
    if (mine.length) this.asyncOut.set(from, mine);
  }

  /** Links every async caller that may have an edge into a method of class `cls`. */
  private linkAsyncInto(cls: number): void {
    if (this.asyncClassesDone.has(cls)) return;
    this.asyncClassesDone.add(cls);
    for (const from of row(this.asyncCandidates, cls)) this.linkAsyncFrom(from);
  }

  /**
   * For each defined class, the async callers that may link into its methods. A caller's async edges go to
   * methods of the defined ancestors of the class of a value it passes, and `valueClass` takes that class from
   * an object built in the caller or held by a field constant (built in an initialiser of the field, or of a
   * field that initialiser reads), the type of a field read, the return type of a call (or of a lambda's
   * implementation), a parameter's type or the caller's own class. The index holds, per caller, the defined
   * ancestors of all of those: a superset, so linking a class's candidates finds every edge into it.
   */
  private candidateIndex(callers: AsyncCallers): Rows {
    const types = this.types;
    const bodyOf = new Int32Array(this.methodCount).fill(-1);
    this.bodyIds.forEach((ids) => ids.forEach((id, b) => id >= 0 && (bodyOf[id] = b)));
    const lambdas = new Map<number, number[]>();
    for (let i = 0; i < callers.lambdaFrom.n; i++) {
      const from = callers.lambdaFrom.a[i]!;
      let l = lambdas.get(from);
      if (!l) lambdas.set(from, (l = []));
      l.push(callers.lambdaMethod.a[i]!);
    }
    const keys = new IntColumn();
    const values = new IntColumn();
    for (const from of this.asyncCallers) {
      const d = this.mDex[from]!;
      const dex = this.dexes[d]!;
      const x = dex.xrefs();
      const classes = new Set<number>([this.mCls[from]!]);
      for (const p of paramTypes(this.sigs.proto(this.mSig[from]!))) {
        const t = types.ids.get(p);
        if (t !== undefined) classes.add(t);
      }
      const b = bodyOf[from]!;
      const fieldsRead: number[] = [];
      if (b >= 0) {
        const base = x.bodies[b]!.codeOff + 16;
        for (let k = x.methods.start[b]!; k < x.methods.start[b + 1]!; k++)
          classes.add(this.refReturnType(d, x.methods.targets[k]!));
        for (let k = x.fields.start[b]!; k < x.fields.start[b + 1]!; k++) {
          const op = dex.buf[base + x.fields.pcs[k]! * 2]!;
          if ((op >= 0x59 && op <= 0x5f) || (op >= 0x67 && op <= 0x6d)) continue;
          const fi = x.fields.targets[k]!;
          const ref = dex.fieldRef(fi);
          if (ref) classes.add(this.typeIdOf(dex.typeDescriptor(ref.typeIdx)));
          fieldsRead.push(this.fieldOfRef[d]![fi] ?? -1);
        }
        this.newInstances(d, b, classes);
      }
      for (const t of lambdas.get(from) ?? NONE) classes.add(this.refReturnType(d, t));
      this.constantObjectClasses(fieldsRead, bodyOf, classes);
      const seen = new Set<number>();
      for (const t of classes) {
        if (t < 0 || !types.defined[t]) continue;
        for (const a of types.ancestors(t)) {
          if (!types.defined[a] || seen.has(a)) continue;
          seen.add(a);
          keys.push(a);
          values.push(from);
        }
      }
    }
    return rowsOf(keys, values, types.desc.length);
  }

  /** Classes of objects that field constants of `fields` may hold: built in their initialisers, transitively. */
  private constantObjectClasses(fields: number[], bodyOf: Int32Array, classes: Set<number>): void {
    const seen = new Set<number>();
    const stack = fields.filter((f) => f >= 0);
    while (stack.length) {
      const f = stack.pop() as number;
      if (seen.has(f)) continue;
      seen.add(f);
      for (const w of row(this.writers, f)) {
        const b = bodyOf[w]!;
        if (!this.isInitialiser(w) || b < 0) continue;
        const d = this.mDex[w]!;
        this.newInstances(d, b, classes);
        const dex = this.dexes[d]!;
        const x = dex.xrefs();
        const base = x.bodies[b]!.codeOff + 16;
        for (let k = x.fields.start[b]!; k < x.fields.start[b + 1]!; k++) {
          const op = dex.buf[base + x.fields.pcs[k]! * 2]!;
          if ((op >= 0x59 && op <= 0x5f) || (op >= 0x67 && op <= 0x6d)) continue;
          const g = this.fieldOfRef[d]![x.fields.targets[k]!] ?? -1;
          if (g >= 0 && !seen.has(g)) stack.push(g);
        }
      }
    }
  }

  /** Classes body `b` of DEX `d` instantiates (`new-instance`). */
  private newInstances(d: number, b: number, classes: Set<number>): void {
    const dex = this.dexes[d]!;
    const x = dex.xrefs();
    const base = x.bodies[b]!.codeOff + 16;
    for (let k = x.types.start[b]!; k < x.types.start[b + 1]!; k++)
      if (dex.buf[base + x.types.pcs[k]! * 2] === 0x22)
        classes.add(this.typeIdOf(dex.typeDescriptor(x.types.targets[k]!)));
  }

  private typeIdOf(desc: string | null): number {
    return desc === null ? -1 : (this.types.ids.get(desc) ?? -1);
  }

  /** The class `valueClass` names for the result of a call to method `mi` of DEX `d` (its signature after ')'). */
  private refReturnType(d: number, mi: number): number {
    const cache = this.refReturnTypes[d]!;
    if (mi < 0 || mi >= cache.length) return -1;
    if (cache[mi] !== -2) return cache[mi]!;
    const sig = this.dexes[d]!.methodSignature(mi);
    return (cache[mi] = this.typeIdOf(sig.slice(sig.indexOf(')') + 1)));
  }

  /** Freezes the edges into rows by caller and by callee. */
  finish(graph: EdgeBuilder, asyncEdges: number, megamorphic: number): void {
    const n = this.methodCount;
    const e = graph.from.n;
    const from = graph.from.a;
    const to = graph.to.a;
    const outStart = new Int32Array(n + 1);
    const inStart = new Int32Array(n + 1);
    for (let i = 0; i < e; i++) {
      outStart[from[i]! + 1]!++;
      inStart[to[i]! + 1]!++;
    }
    for (let r = 0; r < n; r++) {
      outStart[r + 1]! += outStart[r]!;
      inStart[r + 1]! += inStart[r]!;
    }
    const outFill = outStart.slice(0, n);
    const inFill = inStart.slice(0, n);
    this.eFrom = new Int32Array(e);
    this.eTo = new Int32Array(e);
    this.eKind = new Uint8Array(e);
    this.ePc = new Int32Array(e);
    this.inEdge = new Int32Array(e);
    for (let i = 0; i < e; i++) {
      const k = outFill[from[i]!]!++;
      this.eFrom[k] = from[i]!;
      this.eTo[k] = to[i]!;
      this.eKind[k] = graph.kind.a[i]!;
      this.ePc[k] = graph.pc.a[i]!;
      const via = graph.via.get(i);
      if (via) this.eVia.set(k, via);
      this.inEdge[inFill[to[i]!]!++] = k;
    }
    this.outStart = outStart;
    this.inStart = inStart;
    this.edgeCount = e;
    this.asyncEdgeCount += asyncEdges;
    this.megamorphic = megamorphic;
  }
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
