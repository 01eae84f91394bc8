import { annotatedJsonNames, boundType } from './bound-types.js';
import type { CodeModel } from './model.js';
import { pathsDown, pathsUp, renderPath } from './paths.js';
import { reachDown, reachUp, callersOfApi } from './reach.js';
import {
  API_ROLES,
  COLLECTION_TYPE,
  callsWithRole,
  describe,
  describeIn,
  fileNameOf,
  numberBehind,
  numberIn,
  numberOf,
  roleOf,
} from './semantics.js';
import { fileNameArg, listUse } from './list-use.js';
import { retrofitFetches } from './retrofit.js';
import { applyThroughState } from './state-apply.js';
import { timingsOf, type Timing } from './schedules.js';
import { USE_BRANCH, USE_STORE, type CallSite, type MethodSummary, type Value } from './values.js';

/**
 * The mechanism around a downloaded list, assembled from the code model the way an analyst follows it in
 * a decompiler: the method that fetches (URL as built, HTTP method, parameters), the code that parses the
 * response (keys, checks) into a collection held in a field or stored (preferences, files), the refresh
 * policy (cache life, intervals, retry limits, wherever their constants live), the triggers that start
 * it (entry points, broadcasts, alarms, jobs) and the code that applies the entries to text, with how it
 * matches. One mechanism per list, however many classes it spans.
 */

export interface FetchEvidence {
  method: string;
  url: string | null;
  httpMethod: string | null;
  params: string[];
  headers: string[];
  /** The app's HTTP helper that sends the request, when the fetching method hands it the URL. */
  via?: string;
}

export interface ApplyEvidence {
  method: string;
  /** substring, case-folding, regex, whole-word, set-lookup, automaton, masking */
  how: string[];
  /** What the matched text is, from the code that calls the applying method (clipboard, search, chat...). */
  content: string[];
  path: string[];
}

export interface TriggerEvidence {
  kind: string;
  actions: string[];
  path: string[];
}

export interface ListMechanism {
  identity: string;
  fetches: FetchEvidence[];
  responseKeys: string[];
  checks: string[];
  storage: { preferenceFiles: string[]; preferenceKeys: string[]; files: string[] };
  policy: {
    cacheLifeMs: number[];
    intervalsMs: number[];
    delaysMs: number[];
    backoffMs: number[];
    retryLimits: number[];
    /** The time within which the retry limit counts (at most 3 retries in 30 minutes). */
    retryWindowsMs: number[];
    constantsFrom: string[];
    /** Each scheduling call with its amount and unit as the code writes them. */
    timings: Timing[];
  };
  triggers: TriggerEvidence[];
  apply: ApplyEvidence[];
  listFields: string[];
  /** Ids of the methods that fetch, parse, store and apply the list: the sinks of the region-gate query. */
  fetchMethods: number[];
  listMethods: number[];
  applyMethods: number[];
  cut: boolean;
}

/** Preference writes that can hold a list: strings and string sets. */
const LIST_VALUE_WRITE = /->(?:putString|putStringSet)$/;
/** Keys that say what is stored beside a list (its version, time, hash), not the list. */
const METADATA_KEY = /version|ver$|time|date|stamp|etag|md5|sha|hash|modified|expire|ttl|count|size|length|url|host/i;

const HTTP_URL_APIS = Object.entries(API_ROLES)
  .filter(([, s]) => s.role === 'http-url')
  .map(([n]) => n);

export function listMechanisms(
  model: CodeModel,
  isListUrl: (url: string) => boolean,
  isListStorage: (name: string) => boolean,
): ListMechanism[] {
  const budget = { visits: model.limits.code.maxPathVisits };
  const fetchers = new Set<number>();
  for (const api of HTTP_URL_APIS) {
    // The HTTP library's own code (a bundled OkHttp building its follow-up requests) is not an app's fetch.
    const packages = api.slice(1, api.indexOf(';')).split('/').slice(0, -1).slice(0, 3);
    const libraryRoot = `L${packages.join('/')}/`;
    for (const id of callersOfApi(model, api)) if (!model.method(id).cls.startsWith(libraryRoot)) fetchers.add(id);
  }
  // Retrofit service calls: the request is declared by annotations, the response deserialised by a converter.
  const retrofit = retrofitFetches(model);
  for (const id of retrofit.keys()) fetchers.add(id);
  const sites = helperSites(model, fetchers, retrofit);
  for (const id of sites.keys()) fetchers.add(id);
  const drafts: Array<ListMechanism & { fieldSet: Set<string>; storageKeys: Set<string>; listKeys: Set<string> }> = [];
  for (const f of fetchers) {
    const s = model.summary(f);
    if (!s) continue;
    const rf = retrofit.get(f);
    const fetch = rf
      ? {
          method: model.name(f),
          url: rf.url,
          httpMethod: rf.endpoint.httpMethod,
          params: rf.params,
          headers: rf.headers,
        }
      : (sites.get(f) ?? fetchEvidence(model, f, s));
    const cluster = [...reachDown(model, [f], CLUSTER_HOPS, CLUSTER_SIZE)];
    const inCluster = new Set(cluster);
    const keys = new Set<string>();
    const checks = new Set<string>();
    const prefFiles = new Set<string>();
    const prefKeys = new Set<string>();
    const listKeys = new Set<string>();
    const files = new Set<string>();
    const folderFiles = new Set<string>();
    const fieldSet = new Set<string>();
    const listMethods = new Set<number>([f]);
    // The classes the response is bound to name its keys and the fields its list lands in.
    const boundClasses = new Set<string>();
    const bind = (cls: string) => {
      const b = boundType(model, cls);
      for (const k of b?.keys ?? []) keys.add(k);
      // Only a binding that fills a collection carries a list: its objects and that field hold it.
      if (!b?.listFields.length) return false;
      for (const x of b.listFields) fieldSet.add(x);
      for (const c of b.classes) boundClasses.add(c);
      return true;
    };
    for (const t of rf?.endpoint.responseTypes ?? []) bind(t);
    for (const id of cluster) {
      const cs = model.summary(id);
      if (!cs) continue;
      let parses = id === f && rf !== undefined;
      for (const c of callsWithRole(model, cs, [
        'json-key',
        'json-array',
        'prefs-file',
        'prefs-write',
        'file-name',
        'http-status',
        'split',
        'json-bind',
        'set-lookup',
      ])) {
        if (c.role === 'set-lookup') {
          const key = parsedMapKey(c.name, c.call);
          if (key) keys.add(key);
          continue;
        }
        if (c.role === 'json-bind') {
          if (c.value?.k === 'class' && bind(c.value.desc)) parses = true;
          continue;
        }
        const text = c.value ? describe(cs, c.value) : null;
        if (c.role === 'json-key' || c.role === 'json-array') {
          if (text && !text.includes('{')) keys.add(text);
          if (c.role === 'json-array') parses = true;
          // A key the code computes (an iterator's next key) names no check a reader could look for.
          if (c.call.use & USE_BRANCH && text && !text.startsWith('{')) checks.add(`response key ${text} tested`);
        } else if (c.role === 'split') parses = true;
        else if (c.role === 'prefs-file' && text) for (const x of givenIn(model, id, text, inCluster)) prefFiles.add(x);
        else if (c.role === 'prefs-write' && text)
          for (const x of givenIn(model, id, text, inCluster)) {
            prefKeys.add(x);
            // A string (a JSON array, a joined text) or a string set can hold the list; a number cannot.
            if (LIST_VALUE_WRITE.test(c.name) && !METADATA_KEY.test(x) && !x.startsWith('{')) listKeys.add(x);
          }
        else if (c.role === 'file-name') {
          const arg = fileNameArg(c.name, c.call.args);
          const name = describe(cs, arg);
          for (const x of givenIn(model, id, name ?? '', inCluster)) if (!x.startsWith('{')) files.add(x);
          // A name in an app folder, or one a path getter returns: shown, and matched by the code that
          // reads the same file back, but not taken for a key any storage of the app may be read by.
          const inFolder = fileNameOf(describeIn(model, cs, arg));
          if (inFolder && !inFolder.startsWith('{') && !inFolder.endsWith('/')) folderFiles.add(inFolder);
        }
      }
      for (const cmp of cs.comparisons) {
        const status = cmp.sites.find((site) => isStatusCall(model, cs.calls[site]));
        const n = numberOf(cmp.right) ?? numberOf(cmp.left);
        if (status !== undefined) {
          const boolean = /->isSuccessful$/.test(cs.calls[status]?.callee ?? '') || (n === 0 && cmp.op >= 0x38);
          checks.add(boolean ? 'requires a successful HTTP status' : `HTTP status compared with ${n ?? '?'}`);
        }
        const emptiness = cmp.sites.some((site) => /->(?:length|size|isEmpty)$/.test(cs.calls[site]?.callee ?? ''));
        if (emptiness && (n === 0 || n === null)) checks.add('rejects an empty response or list');
      }
      for (const w of cs.fields) {
        const type = w.field.slice(w.field.indexOf(':') + 1);
        // A bound response's field tested in a branch: the key that accepts or rejects the response.
        if (!w.write && w.use & USE_BRANCH)
          for (const key of annotatedJsonNames(model, w.field)) checks.add(`response key ${key} tested`);
        if (!w.write) continue;
        // A field holding an object this response was bound to holds the list.
        if (boundClasses.has(type)) {
          fieldSet.add(w.field);
          listMethods.add(id);
        }
        // A list field holds entries parsed from the response (a JSON array, split text), not any collection.
        if (COLLECTION_TYPE.test(type) && parses) {
          fieldSet.add(w.field);
          listMethods.add(id);
        }
      }
      if (parses) listMethods.add(id);
    }
    // A preferences helper opens its file in its constructor, one call below the factory the mechanism uses.
    for (const id of cluster)
      for (const e of model.out(id)) {
        if (inCluster.has(e.to) || model.method(e.to).name !== '<init>') continue;
        const cs = model.summary(e.to);
        for (const c of cs ? callsWithRole(model, cs, ['prefs-file']) : []) {
          const text = c.value && cs ? describe(cs, c.value) : null;
          for (const x of givenIn(model, e.to, text ?? '', inCluster)) prefFiles.add(x);
        }
      }
    drafts.push({
      identity: model.name(f),
      fetches: [fetch],
      responseKeys: [...keys],
      checks: [...checks],
      storage: {
        preferenceFiles: [...prefFiles],
        preferenceKeys: [...prefKeys],
        files: [...new Set([...files, ...folderFiles])],
      },
      policy: {
        cacheLifeMs: [],
        intervalsMs: [],
        delaysMs: [],
        backoffMs: [],
        retryLimits: [],
        retryWindowsMs: [],
        constantsFrom: [],
        timings: [],
      },
      triggers: [],
      apply: [],
      listFields: [...fieldSet],
      fetchMethods: [f],
      listMethods: [...listMethods],
      applyMethods: [],
      cut: false,
      fieldSet,
      storageKeys: new Set([...prefKeys, ...files]),
      listKeys,
    });
  }
  // One mechanism per list: fetchers that fill the same field or storage key are parts of one mechanism.
  const merged: typeof drafts = [];
  for (const d of drafts) {
    const into = merged.find(
      (m) => [...d.fieldSet].some((x) => m.fieldSet.has(x)) || [...d.storageKeys].some((x) => m.storageKeys.has(x)),
    );
    if (!into) {
      merged.push(d);
      continue;
    }
    into.fetches.push(...d.fetches);
    into.fetchMethods.push(...d.fetchMethods);
    for (const x of d.fieldSet) into.fieldSet.add(x);
    for (const x of d.storageKeys) into.storageKeys.add(x);
    for (const x of d.listKeys) into.listKeys.add(x);
    into.responseKeys = [...new Set([...into.responseKeys, ...d.responseKeys])];
    into.checks = [...new Set([...into.checks, ...d.checks])];
    into.listMethods = [...new Set([...into.listMethods, ...d.listMethods])];
    into.storage.preferenceFiles = [...new Set([...into.storage.preferenceFiles, ...d.storage.preferenceFiles])];
    into.storage.preferenceKeys = [...new Set([...into.storage.preferenceKeys, ...d.storage.preferenceKeys])];
    into.storage.files = [...new Set([...into.storage.files, ...d.storage.files])];
    into.listFields = [...into.fieldSet];
  }
  const out: ListMechanism[] = [];
  for (const m of merged) {
    findApply(model, m, m.storageKeys);
    // A list written to a file, or as a string in preferences, and applied by code that only reads it
    // back (see state-apply.ts).
    if (!m.apply.length) {
      const r = applyThroughState(model, [...m.storage.files, ...m.listKeys], budget);
      if (r.cut) m.cut = true;
      for (const u of r.uses) {
        m.apply.push({ method: u.method, how: u.how, content: u.content, path: u.path });
        m.applyMethods.push(u.userId);
      }
    }
    const urlListLike = m.fetches.some((x) => x.url !== null && isListUrl(x.url));
    const storageListLike = [...m.storageKeys, ...m.storage.preferenceFiles].some(isListStorage);
    const applied = m.apply.length > 0;
    if (
      !((m.listFields.length || m.storageKeys.size) && applied) &&
      !(urlListLike && (m.responseKeys.length || m.storageKeys.size || m.storage.preferenceFiles.length)) &&
      !(storageListLike && m.responseKeys.length >= 2)
    )
      continue;
    const triggerMethods = findTriggers(model, m, budget);
    findPolicy(model, m, triggerMethods);
    const { fieldSet: _f, storageKeys: _s, listKeys: _l, ...rest } = m;
    void _f;
    void _s;
    void _l;
    out.push(rest);
  }
  if (budget.visits <= 0) for (const m of out) m.cut = true;
  return out;
}

/** The request a method makes; `resolve`: a URL parameter replaced by the constant its callers agree on. */
function fetchEvidence(model: CodeModel, f: number, s: MethodSummary, resolve = true): FetchEvidence {
  let url: string | null = null;
  let httpMethod: string | null = null;
  const params: string[] = [];
  const headers: string[] = [];
  for (const c of callsWithRole(model, s, ['http-url', 'http-method', 'http-param', 'http-header'])) {
    const text = describe(s, c.value);
    if (c.role === 'http-url' && text) url ??= resolve ? resolveParams(model, f, text, c.value) : text;
    else if (c.role === 'http-method')
      httpMethod = text && !text.startsWith('{') ? text : c.name.slice(c.name.indexOf('->') + 2).toUpperCase();
    else if (c.role === 'http-param' && text) params.push(text);
    else if (c.role === 'http-header' && text) headers.push(text);
  }
  if (!httpMethod && url)
    httpMethod = s.calls.some((c) => /->(?:getOutputStream|setDoOutput)$/.test(c.callee)) ? 'POST' : 'GET';
  if (url?.includes('?')) for (const p of url.slice(url.indexOf('?') + 1).split('&')) params.push(p.split('=')[0] ?? p);
  return { method: model.name(f), url, httpMethod, params: [...new Set(params)], headers };
}

/**
 * The names a storage call's argument has: itself when constant; when it is a parameter of an app helper
 * (`SharedPreferenceHelper.save(key, v)`, `getInstance(ctx, name)`), the constants the mechanism's own
 * methods pass it. A name still unknown is left out: it would match every storage of the app.
 */
function givenIn(model: CodeModel, id: number, text: string, cluster: ReadonlySet<number>, depth = 3): string[] {
  if (!text) return [];
  const m = /^\{param(\d+)\}$/.exec(text);
  if (!m) return text.startsWith('{') ? [] : [text];
  const out = new Set<string>();
  for (const e of model.in(id)) {
    if (!cluster.has(e.to) || out.size >= 16) continue;
    const cs = model.summary(e.to);
    const call = cs?.calls.find((c) => c.pc === e.pc);
    const arg = cs && call ? describe(cs, call.args[Number(m[1])]) : null;
    if (arg && !arg.startsWith('{')) out.add(arg);
    // A helper's factory passing the name on (`getInstance(ctx, name)` → `new Helper(ctx, name)`).
    else if (arg && depth > 1 && /^\{param\d+\}$/.test(arg))
      for (const x of givenIn(model, e.to, arg, cluster, depth - 1)) out.add(x);
  }
  return [...out];
}

/**
 * A response parsed into a map (`JsonUtils.json2Map(body)`) is read by key: `Map.get("keywords")` on a
 * map a call returned or a parameter passed, not one a field holds (a cache, a registry).
 */
function parsedMapKey(api: string, call: CallSite): string | null {
  if (!/Map;->(?:get|containsKey)$/.test(api)) return null;
  const map = call.args[0];
  const key = call.args[1];
  if (!map || (map.k !== 'ret' && map.k !== 'param') || key?.k !== 'str') return null;
  return key.s.length > 0 && key.s.length <= 64 ? key.s : null;
}

/** Callers followed up from an HTTP helper to the code that gives it the URL, and their count per level. */
const SITE_DEPTH = 3;
/**
 * Calls followed down from a fetch for what handles its response (parsing, checks, storage): real SDKs
 * parse in a parser class, validate in a cache manager and store through a preferences helper, each a
 * call further.
 */
const CLUSTER_HOPS = 5;
const CLUSTER_SIZE = 200;
const HTTP_VERB = /^(get|post|put|delete|patch)$/i;
const SITE_FAN_OUT = 32;
const MAX_SITES = 64;

/**
 * Real SDKs send every request through one helper of their own (`NetUtil.post(params, url)`), so the
 * method that calls the HTTP API sees only a parameter for its URL and returns the response to whoever
 * called it. The fetch of a list is where the URL is given: the callers, up to three levels, that pass
 * the helper a URL with a constant part. Each becomes a fetching method, with the URL as it builds it and
 * the helper named as `via`; the helper itself stays a fetcher only when no caller gives a URL. Returns
 * the fetch evidence by caller, and takes the helpers it replaces out of `fetchers`.
 */
function helperSites(
  model: CodeModel,
  fetchers: Set<number>,
  retrofit: Map<number, unknown>,
): Map<number, FetchEvidence> {
  const out = new Map<number, FetchEvidence>();
  for (const f of [...fetchers]) {
    const s = retrofit.has(f) ? null : model.summary(f);
    if (!s) continue;
    const own = fetchEvidence(model, f, s, false);
    // Only a URL whose scheme and host are a parameter is given elsewhere; a constant host with a
    // parameter in its query is this method's own request (its callers' constants fill the query).
    if (!own.url || !/^\{param\d+\}/.test(own.url)) continue;
    const found = urlGivers(model, f, own.url, SITE_DEPTH, []);
    if (!found.length) continue;
    fetchers.delete(f);
    for (const site of found) {
      if (out.size >= MAX_SITES) break;
      if (out.has(site.method) || fetchers.has(site.method)) continue;
      const query = site.url.includes('?') ? site.url.slice(site.url.indexOf('?') + 1).split('&') : [];
      const params = [...new Set([...own.params, ...query.map((p) => p.split('=')[0] ?? p)])];
      // The helper's own name says the method when the HTTP call takes it as a parameter (`post` → request).
      const named = site.chain.map((id) => HTTP_VERB.exec(model.method(id).name)?.[1]).find((v) => v !== undefined);
      out.set(site.method, {
        ...own,
        method: model.name(site.method),
        url: site.url,
        httpMethod: named?.toUpperCase() ?? own.httpMethod,
        params,
        via: model.name(f),
      });
    }
  }
  return out;
}

/** The callers that give `f` the parameters its URL text names, with the URL as each builds it. */
function urlGivers(
  model: CodeModel,
  f: number,
  text: string,
  depth: number,
  below: number[],
): Array<{ method: number; url: string; chain: number[] }> {
  const out: Array<{ method: number; url: string; chain: number[] }> = [];
  const callers = model.in(f).filter((e) => e.kind === 'call' || e.kind === 'virtual');
  for (const e of callers.slice(0, SITE_FAN_OUT)) {
    const cs = model.summary(e.to);
    const call = cs?.calls.find((c) => c.pc === e.pc);
    if (!cs || !call) continue;
    let url = text;
    let given = false;
    for (const m of text.matchAll(/\{param(\d+)\}/g)) {
      const arg = describe(cs, call.args[Number(m[1])]);
      if (arg === null) continue;
      url = url.replace(m[0], () => arg);
      given = true;
    }
    if (!given) continue;
    // A URL with a constant part (a host, a path) is given here; one still made of parameters is given higher up.
    if (!/^\{[^}]*\}$/.test(url)) out.push({ method: e.to, url, chain: [f, ...below] });
    else if (depth > 1) out.push(...urlGivers(model, e.to, url, depth - 1, [f, ...below]));
  }
  return out;
}

/** A URL built from a parameter: the constant the callers pass, when they agree on one. */
function resolveParams(model: CodeModel, f: number, text: string, v: Value | undefined): string {
  if (!v || !text.includes('{param')) return text;
  const m = /\{param(\d+)\}/.exec(text);
  if (!m) return text;
  for (const e of model.in(f)) {
    const cs = model.summary(e.to);
    const call = cs?.calls.find((c) => c.pc === e.pc);
    if (!cs || !call) continue;
    const arg = describe(cs, call.args[Number(m[1])]);
    if (arg && !arg.startsWith('{')) return text.replace(m[0], arg);
  }
  return text;
}

function findApply(model: CodeModel, m: ListMechanism & { fieldSet: Set<string> }, storageKeys: Set<string>): void {
  const r = listUse(model, { fields: [...m.fieldSet], storageKeys: [...storageKeys] });
  if (r.cut) m.cut = true;
  for (const u of r.uses) {
    m.apply.push({ method: u.user, how: u.operations, content: u.content, path: u.path });
    m.applyMethods.push(u.userId);
  }
}

function findPolicy(model: CodeModel, m: ListMechanism, triggerMethods: Set<number>): void {
  const scope = new Set<number>(triggerMethods);
  for (const f of m.fetchMethods) {
    for (const id of reachDown(model, [f], 3, 200)) scope.add(id);
    for (const id of reachUp(model, [f], 3, 80)) for (const x of reachDown(model, [id], 2, 40)) scope.add(x);
  }
  for (const id of m.applyMethods) scope.add(id);
  const cache = new Set<number>();
  const intervals = new Set<number>();
  const delays = new Set<number>();
  const retries = new Set<number>();
  const backoff = new Set<number>();
  const windows = new Set<number>();
  const timings: Timing[] = [];
  const from = new Set<string>();
  for (const id of scope) {
    const s = model.summary(id);
    if (!s) continue;
    for (const t of timingsOf(model, s)) {
      (t.kind === 'interval' ? intervals : t.kind === 'delay' ? delays : backoff).add(t.ms);
      if (!timings.some((x) => x.api === t.api && x.ms === t.ms)) timings.push(t);
    }
    // A retry runs the fetch again: it schedules, or calls down to the fetch (through the app's helpers).
    const reschedules =
      s.calls.some((c) => {
        const r = roleOf(model, c)?.spec.role;
        return r === 'delay' || r === 'schedule';
      }) || m.fetchMethods.some((f) => reachDown(model, [id], 3, 60).has(f));
    for (const cmp of s.comparisons) {
      const clock = cmp.sites.some((site) => isRole(model, s.calls[site], 'clock'));
      const n = numberIn(model, s, cmp.right) ?? numberIn(model, s, cmp.left);
      if (clock && n !== null && n >= 1000) cache.add(n);
      // A clock against a sum (`lastTime + RETRY_TIME`, `lastModified + getCacheTime()`): the numbers behind
      // the sum's getters are the window of the retries, or the cache life, of a stored default.
      if (clock && n === null)
        for (const site of cmp.sites) {
          if (isRole(model, s.calls[site], 'clock')) continue;
          const behind = numberBehind(model, s, site);
          if (behind !== null && behind >= 1000) (reschedules ? windows : cache).add(behind);
        }
      else if (!clock && n !== null && n >= 1 && n <= 20 && reschedules && cmp.op >= 0x34 && cmp.op <= 0x37)
        retries.add(n);
    }
    for (const a of s.fields)
      if (!a.write && model.fieldConstant(a.field)?.k === 'num' && (a.use & (USE_BRANCH | USE_STORE)) === 0)
        from.add(a.field.slice(0, a.field.indexOf('->')));
  }
  // Constants of a constants class reach comparisons through sget: list the classes they came from.
  for (const id of scope) {
    const s = model.summary(id);
    if (!s) continue;
    for (const a of s.fields) {
      if (a.write) continue;
      const v = model.fieldConstant(a.field);
      if (v?.k === 'num' && [cache, intervals, delays, retries, backoff, windows].some((set) => set.has(v.v)))
        from.add(a.field.slice(0, a.field.indexOf('->')));
    }
  }
  m.policy = {
    cacheLifeMs: [...cache].sort((a, b) => a - b),
    intervalsMs: [...intervals].sort((a, b) => a - b),
    delaysMs: [...delays].sort((a, b) => a - b),
    backoffMs: [...backoff].sort((a, b) => a - b),
    retryLimits: [...retries].sort((a, b) => a - b),
    retryWindowsMs: [...windows].sort((a, b) => a - b),
    constantsFrom: [...from].filter((c) => !m.fetchMethods.some((f) => model.method(f).cls === c)).sort(),
    timings,
  };
}

function findTriggers(model: CodeModel, m: ListMechanism, budget: { visits: number }): Set<number> {
  const onPaths = new Set<number>();
  const receiverActions = new Map<number, string[]>();
  for (const r of model.receivers)
    receiverActions.set(r.method, [...(receiverActions.get(r.method) ?? []), ...r.actions]);
  const seen = new Set<string>();
  for (const f of m.fetchMethods) {
    const r = pathsUp(model, f, (id) => model.entries.has(id) || receiverActions.has(id), budget, 8, 6);
    if (r.cut) m.cut = true;
    for (const p of r.paths) {
      const root = p[0]?.method;
      if (root === undefined) continue;
      const actions = [...new Set(receiverActions.get(root) ?? [])];
      const kind = actions.length ? 'broadcast' : (model.entries.get(root) ?? 'entry');
      const key = `${kind}|${actions.join(',')}|${root}`;
      if (seen.has(key)) continue;
      seen.add(key);
      for (const step of p) onPaths.add(step.method);
      m.triggers.push({ kind, actions, path: renderPath(model, p) });
    }
    // Schedulers that start the path: an alarm, a job or a timer set up by a method that leads to the fetch.
    for (const id of reachUp(model, [f], 4, 80)) {
      const s = model.summary(id);
      const sched = s ? callsWithRole(model, s, ['schedule']) : [];
      if (!sched.length) continue;
      const down = pathsDown(model, [id], (x) => x === f, budget, 5, 1);
      const path = down.paths[0];
      const api = sched[0]?.name;
      if (!path?.[0] || !api) continue;
      const kind = /AlarmManager/.test(api) ? 'alarm' : /JobInfo|WorkRequest/.test(api) ? 'job' : 'timer';
      const key = `${kind}|${id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      for (const step of path) onPaths.add(step.method);
      m.triggers.push({
        kind,
        actions: [],
        path: [
          `${model.name(path[0].method)} sets ${api.slice(api.lastIndexOf('/') + 1)}`,
          ...renderPath(model, path).slice(1),
        ],
      });
    }
  }
  return onPaths;
}

/** A call that reads the HTTP status: the roles' APIs, and Retrofit's Response (`isSuccessful`, `code`). */
function isStatusCall(model: CodeModel, c: CallSite | undefined): boolean {
  if (!c) return false;
  return (
    roleOf(model, c)?.spec.role === 'http-status' || /^Lretrofit2\/Response;->(?:isSuccessful|code)$/.test(c.callee)
  );
}

function isRole(model: CodeModel, c: CallSite | undefined, role: string): boolean {
  return c !== undefined && roleOf(model, c)?.spec.role === role;
}
