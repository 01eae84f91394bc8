import type { UseSignal } from '../lexicon/classify.js';
import { annotatedJsonNames } from './bound-types.js';
import type { CodeModel } from './model.js';
import { renderPath, type PathStep } from './paths.js';
import { callersOfApi, reachUp } from './reach.js';
import { API_ROLES, callsWithRole, describe, describeIn, fileNameOf, type ApiRole } from './semantics.js';
import { USE_RETURN, type MethodSummary, type Value } from './values.js';

/**
 * The code that applies a list's entries, shared by the refresh detector (a downloaded list) and the
 * keyword-list detector (a list shipped in the APK): given where the list lives — an asset path, the class
 * and method whose code holds its `String[]`, the fields that hold the parsed entries, or the preference
 * keys and file names it is stored under — the methods that load the entries, the methods that match text
 * against them with the call path from the loader, how they match (substring, whole word, case folding,
 * regex, set lookup, automaton, masking) and what the matched text is (chat, search, ad title, clipboard).
 */

export type ListOperation =
  | 'substring'
  | 'regex'
  | 'whole-word'
  | 'set-lookup'
  | 'case-folding'
  | 'replace'
  | 'masking'
  | 'automaton'
  | 'builds-set';

export interface ListLocation {
  /** Asset path as the app opens it (`filter/words.txt`), matched on the end of the path given. */
  asset?: string;
  className?: string;
  method?: string;
  /** Fields that hold the entries (`Lcls;->name:Ljava/util/Set;`). */
  fields?: string[];
  /** Preference keys and file names the entries are stored under. */
  storageKeys?: string[];
}

export interface ListUse {
  /** The method that reads the entries (opens the asset, reads the array or the field holding it). */
  loader: string;
  /** The method that matches them, and the call path from the loader (or the field's writer) to it. */
  user: string;
  path: string[];
  operations: ListOperation[];
  /** What the matched text is, from the code that calls the matching method. */
  content: string[];
  /** Model id of the matching method. */
  userId: number;
}

export interface ListUseResult {
  uses: ListUse[];
  /** Ids of the loaders found. */
  loaders: number[];
  /** True when a bound stopped the search. */
  cut: boolean;
}

const MAX_LOADERS = 32;
const MAX_REACH = 120;
const REACH_HOPS = 3;
const COLLECTION_FIELD = /^(?:Ljava\/util\/|\[Ljava\/lang\/String;)/;
const TEXT_MATCH: ApiRole[] = ['match', 'regex', 'char-walk', 'case-fold', 'set-lookup', 'split'];
const STORAGE_READ_APIS = Object.entries(API_ROLES)
  .filter(([, s]) => s.role === 'prefs-read' || s.role === 'file-name')
  .map(([n]) => n);

/** Where a loader's entries came from: a method that wrote them into a field the loader reads. */
interface Origin {
  writer: number;
  field: string;
}

export function listUse(model: CodeModel, where: ListLocation): ListUseResult {
  const loaders = new Set<number>();
  const fields = new Set<string>(where.fields ?? []);
  const origins = new Map<number, Origin>();
  if (where.asset) for (const id of assetLoaders(model, where.asset)) loaders.add(id);
  if (where.className) {
    for (const id of model.classMethods(where.className)) {
      const m = model.method(id);
      if (where.method && m.name !== where.method) continue;
      const s = model.summary(id);
      if (!s) continue;
      // The array is stored in a field (static initialiser) or returned to the callers.
      for (const w of s.fields) if (w.write && w.value?.k === 'arr') fields.add(w.field);
      if (s.returns.some((v) => v.k === 'arr')) for (const e of model.in(id)) loaders.add(e.to);
      if (!where.method || s.fields.length === 0) loaders.add(id);
    }
  }
  if (where.storageKeys?.length) for (const id of storageLoaders(model, new Set(where.storageKeys))) loaders.add(id);
  // Loaders that keep the entries in a collection field hand them to that field's readers.
  for (const l of [...loaders]) {
    for (const w of model.summary(l)?.fields ?? []) {
      if (!w.write || !COLLECTION_FIELD.test(w.field.slice(w.field.indexOf(':') + 1))) continue;
      fields.add(w.field);
    }
  }
  // A reader's origin is the first field it reads that some method writes (a list bound by reflection,
  // as Gson fills a response's fields, has no writer; the field holding the response has one).
  const direct = new Set(loaders);
  for (const f of fields) {
    const writer = model.fieldWriters(f)[0];
    for (const r of model.fieldReaders(f)) {
      if (direct.has(r)) continue;
      loaders.add(r);
      if (writer !== undefined && writer !== r && !origins.has(r)) origins.set(r, { writer, field: f });
    }
  }
  const uses: ListUse[] = [];
  const seen = new Set<number>();
  let cut = loaders.size > MAX_LOADERS;
  for (const l of [...loaders].slice(0, MAX_LOADERS)) {
    const s = model.summary(l);
    if (!s) continue;
    const head: PathStep[] = [];
    const origin = origins.get(l);
    if (origin) head.push({ method: origin.writer, via: 'source' }, { method: l, via: 'field', detail: origin.field });
    else head.push({ method: l, via: 'source' });
    // Getters hand the entries to their callers: follow one level up, then down from there.
    const getter = s.fields.some((a) => !a.write && fields.has(a.field) && a.use & USE_RETURN);
    const starts: PathStep[][] = [head];
    if (getter) for (const e of model.in(l)) starts.push([...head, { method: e.to, via: 'returned-to' as const }]);
    const reached = reachPaths(model, starts);
    if (reached.size >= MAX_REACH) cut = true;
    for (const [id, path] of reached) {
      if (seen.has(id)) continue;
      const ms = model.summary(id);
      if (!ms) continue;
      const ops = new Set<ListOperation>(matchKinds(model, ms));
      if (ms.calls.some((c) => /->(?:add|addAll|put)$/.test(c.callee) && /Set;|Map;|Collection;/.test(c.callee)))
        ops.add('builds-set');
      if (!isMatching(ops)) continue;
      seen.add(id);
      uses.push({
        loader: model.name(origin ? origin.writer : l),
        user: model.name(id),
        path: renderPath(model, path),
        operations: [...ops].sort(),
        content: contentOf(model, id),
        userId: id,
      });
    }
  }
  return { uses, loaders: [...loaders], cut };
}

/** Matching text against entries, not only building or case-folding them (a whole word needs a lookup). */
export function isMatching(ops: ReadonlySet<string>): boolean {
  return (
    ops.has('substring') || ops.has('regex') || ops.has('automaton') || (ops.has('whole-word') && ops.has('set-lookup'))
  );
}

/** Methods reachable from the given start paths within REACH_HOPS calls, each with its shortest path. */
function reachPaths(model: CodeModel, starts: PathStep[][]): Map<number, PathStep[]> {
  const out = new Map<number, PathStep[]>();
  let frontier: PathStep[][] = [];
  for (const p of starts) {
    const last = p[p.length - 1];
    if (last && !out.has(last.method)) {
      out.set(last.method, p);
      frontier.push(p);
    }
  }
  for (let h = 0; h < REACH_HOPS && frontier.length && out.size < MAX_REACH; h++) {
    const next: PathStep[][] = [];
    for (const p of frontier) {
      const from = p[p.length - 1];
      if (!from) continue;
      for (const e of model.out(from.method)) {
        if (out.has(e.to) || out.size >= MAX_REACH) continue;
        const q = [...p, { method: e.to, via: e.kind, ...(e.via ? { detail: e.via } : {}) }];
        out.set(e.to, q);
        next.push(q);
      }
    }
    frontier = next;
  }
  return out;
}

function assetLoaders(model: CodeModel, asset: string): number[] {
  const want = asset.replace(/^assets\//, '');
  const out: number[] = [];
  for (const id of callersOfApi(model, 'Landroid/content/res/AssetManager;->open')) {
    const s = model.summary(id);
    if (!s) continue;
    for (const c of callsWithRole(model, s, ['asset-open'])) {
      const name = describe(s, c.value);
      if (name && (name === want || want.endsWith(`/${name}`) || name.endsWith(want))) out.push(id);
    }
  }
  return out;
}

/**
 * Code that loads a stored list back: reads one of the preference keys or files the list was written to;
 * `inFolders`: also file names in an app folder or returned by a path getter (`fileNameOf`, `describeIn`).
 * In the order the storage reads are found (the callers of each read API in turn), from an index made once
 * per model: each mechanism asks, and the summaries of every storage read would be decoded again each time.
 */
export function storageLoaders(model: CodeModel, keys: ReadonlySet<string>, inFolders = false): number[] {
  const index = storageReadIndex(model);
  const first = new Map<number, number>();
  for (const key of keys)
    for (const [seq, id] of (inFolders ? index.inFolders : index.plain).get(key) ?? [])
      if (!first.has(id) || seq < first.get(id)!) first.set(id, seq);
  return [...first].sort((a, b) => a[1] - b[1]).map(([id]) => id);
}

/** Storage reads by key: [visit number, method] pairs, for plain names and for names in app folders. */
interface StorageReadIndex {
  plain: Map<string, Array<[number, number]>>;
  inFolders: Map<string, Array<[number, number]>>;
}

const storageIndexes = new WeakMap<CodeModel, StorageReadIndex>();

function storageReadIndex(model: CodeModel): StorageReadIndex {
  const hit = storageIndexes.get(model);
  if (hit) return hit;
  const index: StorageReadIndex = { plain: new Map(), inFolders: new Map() };
  const add = (to: Map<string, Array<[number, number]>>, key: string | null, seq: number, id: number) => {
    if (!key) return;
    const list = to.get(key) ?? [];
    list.push([seq, id]);
    to.set(key, list);
  };
  let seq = 0;
  for (const api of STORAGE_READ_APIS) {
    for (const id of callersOfApi(model, api)) {
      seq++;
      const s = model.summary(id);
      if (!s) continue;
      for (const c of callsWithRole(model, s, ['prefs-read', 'file-name'])) {
        const arg = c.role === 'file-name' ? fileNameArg(c.name, c.call.args) : c.value;
        const plain = describe(s, arg);
        add(index.plain, plain, seq, id);
        add(index.inFolders, c.role === 'file-name' ? fileNameOf(describeIn(model, s, arg)) : plain, seq, id);
      }
    }
  }
  storageIndexes.set(model, index);
  return index;
}

/** The file name of a file API: `new File(dir, name)` or `new File(path)`, `openFileInput(name)`. */
export function fileNameArg(api: string, args: Value[]): Value | undefined {
  return api === 'Ljava/io/File;-><init>' ? (args[2] ?? args[1]) : args[1];
}

/** How a method matches text against entries, from the library calls it makes. */
export function matchKinds(model: CodeModel, s: MethodSummary): ListOperation[] {
  const how = new Set<ListOperation>();
  for (const c of callsWithRole(model, s, TEXT_MATCH)) {
    const n = c.name.slice(c.name.indexOf('->') + 2);
    if (c.role === 'match') how.add(n === 'replace' ? 'replace' : 'substring');
    else if (c.role === 'case-fold') how.add('case-folding');
    else if (c.role === 'regex') {
      how.add('regex');
      const p = describe(s, c.value);
      if (p && p.includes('\\b')) how.add('whole-word');
    } else if (c.role === 'set-lookup') how.add('set-lookup');
    else if (c.role === 'split') how.add('whole-word');
    else if (c.role === 'char-walk' && s.calls.some((x) => isMapLookup(model, x))) how.add('automaton');
  }
  if (
    s.strings.some((x) => /^\*+$/.test(x)) ||
    s.calls.some((c) => c.callee.endsWith('String;->repeat') && c.args.some((a) => a.k === 'str' && a.s === '*'))
  )
    how.add('masking');
  return [...how].sort();
}

function isMapLookup(model: CodeModel, c: { ref: string; callee: string }): boolean {
  return [c.callee, ...model.apiNames(c.ref)].some((n) => /Map;->(?:get|containsKey)$/.test(n));
}

const CONTENT_APIS: Array<[RegExp, string]> = [
  [/ClipboardManager;->getPrimaryClip|ClipData/, 'clipboard'],
  [/TextView;->getText|EditText;->getText|Editable/, 'text typed or shown in a view'],
  [/SearchView|SearchManager/, 'search'],
  [/Notification|NotificationCompat/, 'notifications'],
  [/Canvas;->drawText|watermark/i, 'drawn text (watermark)'],
  [/InputMethodService|InputConnection;->commitText/, 'typed text (keyboard)'],
];
const CONTENT_KEYS: Array<[RegExp, string]> = [
  [/^(?:title|ad_?title|headline)$/i, 'ad or item title'],
  [/^(?:body|des|desc|description|summary|ad_?body|content)$/i, 'ad or item body'],
  [/^(?:msg|message|chat|text)$/i, 'message text'],
  [/^(?:query|keyword|q|search)$/i, 'search query'],
];

/** What the applying code is given: the APIs and response keys of its callers (up to three hops). */
export function contentOf(model: CodeModel, id: number): string[] {
  const out = new Set<string>();
  for (const c of reachUp(model, [id], 3, 40)) {
    const s = model.summary(c);
    if (!s) continue;
    for (const call of s.calls)
      for (const [re, what] of CONTENT_APIS)
        if (re.test(call.callee) || model.apiNames(call.ref).some((n) => re.test(n))) out.add(what);
    const keys: string[] = [];
    for (const k of callsWithRole(model, s, ['json-key'])) keys.push(describe(s, k.value) ?? '');
    // Getters of the app's own model objects name what they hold (`NativeAdItem.getTitle()`, `getDes()`).
    for (const call of s.calls) {
      const m = /^L(?!android\/|androidx\/|java\/|javax\/|kotlin\/)[^;]+;->get([A-Z]\w*)$/.exec(call.callee);
      if (m?.[1]) keys.push(m[1]);
    }
    // Fields of a class bound to JSON, read by name (`@SerializedName("msg")`).
    for (const a of s.fields) if (!a.write) keys.push(...annotatedJsonNames(model, a.field));
    for (const key of keys) for (const [re, what] of CONTENT_KEYS) if (re.test(key)) out.add(what);
  }
  return [...out];
}

/**
 * The keyword-list detector's use signal from the code model: the loaders and matching methods of a list
 * found in the APK (an asset, or the string constants of one method), null when no loader is found.
 */
export function codeUseSignal(
  model: CodeModel,
  location: { path: string; className?: string; method?: string },
): UseSignal | null {
  const where: ListLocation = {};
  if (location.className && location.method) {
    where.className = location.className;
    where.method = location.method;
  } else {
    const inner = location.path.slice(location.path.lastIndexOf('!/') + 2);
    // Only assets are opened by name; a short name would match unrelated constants.
    if (!inner.startsWith('assets/') || inner.length < 'assets/'.length + 5) return null;
    where.asset = inner;
  }
  const r = listUse(model, where);
  if (!r.loaders.length) return null;
  const methods = [...new Set([...r.loaders.map((id) => model.name(id)), ...r.uses.map((u) => u.user)])];
  const operations = [...new Set(r.uses.flatMap((u) => u.operations))].sort();
  return { methods: methods.slice(0, 12), operations, filters: r.uses.length > 0 };
}
