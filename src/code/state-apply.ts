import { listUse, storageLoaders } from './list-use.js';
import type { CodeModel } from './model.js';
import { pathsUp, renderPath } from './paths.js';
import { callersOfApi, reachDown, reachUp } from './reach.js';
import { COLLECTION_TYPE } from './semantics.js';

/**
 * Applying code reached through stored state, the way real SDKs split a list's life: one part downloads
 * the list and writes it to a file; another reads the file back, hands it through callbacks and listeners,
 * parses it and adds each entry to a collection field (`blockedWords.add(entry)`) that a third part
 * matches text against. The link is found from the add upwards (calls, virtual calls, created callbacks)
 * to code that reads the stored file back; the add must take parsed entries (JSON array or split text
 * within a few calls) and the field must be matched against text (not only looked up), so that a cache of
 * host names or request parameters is no list.
 */

export interface StateApplyUse {
  method: string;
  how: string[];
  content: string[];
  path: string[];
  userId: number;
}

/** Calls up from the add to the code that reads the stored list: listener, callback, task, parser. */
const UP_HOPS = 8;
/** Calls between the code on that path and the read of the file (a cache manager, a disk cache). */
const NEAR_HOPS = 2;
/** Calls down from the add to the parsing (a parser class, its JSON helper). */
const PARSE_HOPS = 3;
const MAX_SITES = 64;
const ADD_API = /^Ljava\/util\/(?:[A-Za-z]*(?:Set|List)|Collection);->add(?:All)?$/;
const COLLECTIONS = ['Set', 'HashSet', 'LinkedHashSet', 'TreeSet', 'List', 'ArrayList', 'LinkedList', 'Collection'];
const PARSE_APIS = [
  'Lorg/json/JSONArray;-><init>',
  'Lorg/json/JSONArray;->getString',
  'Lorg/json/JSONArray;->optString',
  'Lorg/json/JSONObject;->getJSONArray',
  'Lorg/json/JSONObject;->optJSONArray',
  'Ljava/lang/String;->split',
  'Lcom/google/gson/Gson;->fromJson',
];

interface AddSite {
  method: number;
  field: string;
}

const sitesOf = new WeakMap<CodeModel, { sites: AddSite[]; capped: boolean }>();

/** Methods that add parsed entries to a collection field of the app (computed once per model). */
function addSites(model: CodeModel): { sites: AddSite[]; capped: boolean } {
  const cached = sitesOf.get(model);
  if (cached) return cached;
  const parsers = new Set<number>();
  for (const api of PARSE_APIS) for (const id of callersOfApi(model, api)) parsers.add(id);
  const out: AddSite[] = [];
  let capped = false;
  const seen = new Set<string>();
  const callers = new Set<number>();
  for (const c of COLLECTIONS)
    for (const n of ['add', 'addAll']) for (const id of callersOfApi(model, `Ljava/util/${c};->${n}`)) callers.add(id);
  for (const id of callers) {
    if (out.length >= MAX_SITES) {
      capped = true; // said as a cut bound in the finding
      break;
    }
    const s = model.summary(id);
    if (!s) continue;
    for (const call of s.calls) {
      const recv = call.args[0];
      if (!ADD_API.test(call.callee) || recv?.k !== 'field') continue;
      if (!COLLECTION_TYPE.test(recv.field.slice(recv.field.indexOf(':') + 1))) continue;
      const key = `${id} ${recv.field}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (![...reachDown(model, [id], PARSE_HOPS, 60)].some((x) => parsers.has(x))) continue;
      out.push({ method: id, field: recv.field });
    }
  }
  const found = { sites: out, capped };
  sitesOf.set(model, found);
  return found;
}

/** Code that matches text against entries a stored list fills into a field, with the path from the read. */
export function applyThroughState(
  model: CodeModel,
  files: string[],
  budget: { visits: number },
): { uses: StateApplyUse[]; cut: boolean } {
  const uses: StateApplyUse[] = [];
  if (!files.length) return { uses, cut: false };
  const loaders = storageLoaders(model, new Set(files), true);
  if (!loaders.length) return { uses, cut: false };
  const near = reachUp(model, loaders, NEAR_HOPS, 200);
  const { sites, capped } = addSites(model);
  let cut = capped;
  for (const site of sites) {
    const r = listUse(model, { fields: [site.field] });
    if (r.cut) cut = true;
    if (!r.uses.length) continue;
    const up = pathsUp(model, site.method, (id) => near.has(id), budget, UP_HOPS, 1);
    if (up.cut) cut = true;
    const path = up.paths[0];
    if (!path) continue;
    const name = site.field.slice(site.field.indexOf('->') + 2, site.field.indexOf(':'));
    for (const u of r.uses)
      uses.push({
        method: u.user,
        how: u.operations,
        content: u.content,
        path: [...renderPath(model, path), `adds to field ${name} → ${u.user}`],
        userId: u.userId,
      });
  }
  return { uses, cut };
}
