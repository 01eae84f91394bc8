import type { CodeModel } from './model.js';
import { callersOfApi } from './reach.js';
import { API_ROLES } from './semantics.js';
import { USE_RETURN, constString, type CallSite, type PassedTo, type Value } from './values.js';

/**
 * Values that travel through SharedPreferences: code stores a value under a key (`putBoolean("k", v)`) and
 * other code, often in another class and run later, reads the same key back (`getBoolean("k", true)`) and
 * branches on it. Real SDKs keep a server's switch or the device's region this way, so the path queries
 * follow a stored value from its write to every read of the same key, as an analyst does by searching for
 * the key in jadx. Only constant keys link (a key made at run time links nothing), and the key may be
 * given by the caller of a small helper that does the put or the get (`save(key, value)`, `getFlag(key)`).
 */

/** A read of a stored value: the method and the call site whose result is the value read. */
export interface PreferenceRead {
  method: number;
  site: number;
}

const READ_APIS = Object.entries(API_ROLES)
  .filter(([, r]) => r.role === 'prefs-read')
  .map(([name]) => name);

const isRead = (callee: string) => API_ROLES[callee]?.role === 'prefs-read';
const isWrite = (callee: string) => API_ROLES[callee]?.role === 'prefs-write';

/** Reads per key, made once per model on the first stored value a query follows. */
const readIndex = new WeakMap<CodeModel, { byKey: Map<string, PreferenceRead[]>; capped: boolean }>();
/** Methods reading preferences that the index summarises (the Xiaomi system-app DEX has 104). */
const MAX_READERS = 2_000;

/**
 * The key a value passed to call `p` is stored under, when that call is a preferences write of the value
 * (`Editor.putX(key, value)`: the value is argument 2 after the editor and the key). `given`: the arguments
 * the method was called with, for a key that is one of its parameters.
 */
export function storedUnder(call: CallSite | undefined, p: PassedTo, given?: Value[]): string | null {
  if (!call || p.arg !== 2 || !isWrite(call.callee)) return null;
  return keyOf(call.args[1], given);
}

function keyOf(v: Value | undefined, given?: Value[]): string | null {
  if (!v) return null;
  if (v.k === 'param') return given ? constString(given[v.i]) : null;
  return constString(v);
}

/**
 * Every read of the value stored under `key`, directly or through a helper given the key by its caller;
 * `capped`: the app has more preference readers than the index takes, so some reads may be missing.
 */
export function readsOfKey(model: CodeModel, key: string): { reads: PreferenceRead[]; capped: boolean } {
  let index = readIndex.get(model);
  if (!index) {
    index = buildReadIndex(model);
    readIndex.set(model, index);
  }
  return { reads: index.byKey.get(key) ?? [], capped: index.capped };
}

function buildReadIndex(model: CodeModel): { byKey: Map<string, PreferenceRead[]>; capped: boolean } {
  const index = new Map<string, PreferenceRead[]>();
  const add = (key: string, read: PreferenceRead) => {
    const list = index.get(key) ?? [];
    if (!list.some((r) => r.method === read.method && r.site === read.site)) list.push(read);
    index.set(key, list);
  };
  const callers = new Set<number>();
  for (const api of READ_APIS) for (const id of callersOfApi(model, api)) callers.add(id);
  const capped = callers.size > MAX_READERS;
  for (const id of [...callers].slice(0, MAX_READERS)) {
    const s = model.summary(id);
    if (!s) continue;
    s.calls.forEach((c, site) => {
      if (!isRead(c.callee)) return;
      const key = c.args[1];
      const direct = constString(key);
      if (direct) return add(direct, { method: id, site });
      // A helper that reads the key it is given and returns the value: the read is its caller's call.
      if (key?.k !== 'param' || !(c.use & USE_RETURN)) return;
      for (const e of model.in(id)) {
        if (e.kind !== 'call' && e.kind !== 'virtual') continue;
        const cs = model.summary(e.to);
        if (!cs) continue;
        cs.calls.forEach((outer, outerSite) => {
          if (outer.pc !== e.pc) return;
          const given = constString(outer.args[key.i]);
          if (given) add(given, { method: e.to, site: outerSite });
        });
      }
    });
  }
  return { byKey: index, capped };
}
