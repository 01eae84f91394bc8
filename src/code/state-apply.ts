import { listUse, storageLoaders } from './list-use.js';
import type { CodeModel } from './model.js';
import { pathsUp, renderPath } from './paths.js';
import { callersOfApi, reachDown, reachUp } from './reach.js';
import { COLLECTION_TYPE } from './semantics.js';
import { paramTypes, type MethodSummary, type Value } from './values.js';

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

/** Types an entry of a word list can have as it is added: text, or an element not yet cast. */
const TEXT_TYPE = /^(?:Ljava\/lang\/(?:String|CharSequence|Object);|Ljava\/util\/[A-Za-z]*(?:List|Set|Collection);)$/;

/**
 * Whether a value added to a collection can be text: its type, where the code says it (a parameter's
 * declared type, a call's return type, a field's type, the class of an object made here), is a string,
 * an object not yet cast, or a collection (`addAll`). A set of app objects (a host's fallback records) is
 * no word list, however its methods are named.
 */
function maybeText(model: CodeModel, id: number, s: MethodSummary, v: Value | undefined): boolean {
  if (!v) return true;
  let type: string | undefined;
  if (v.k === 'str' || v.k === 'cat') return true;
  if (v.k === 'obj') type = v.cls;
  else if (v.k === 'field') type = v.field.slice(v.field.indexOf(':') + 1);
  else if (v.k === 'ret') {
    const ref = s.calls[v.site]?.ref;
    type = ref?.slice(ref.lastIndexOf(')') + 1);
  } else if (v.k === 'param') type = paramTypes(model.method(id).proto)[s.hasThis ? v.i - 1 : v.i];
  return type === undefined || type === '' || TEXT_TYPE.test(type);
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
    s.calls.forEach((call, site) => {
      if (!ADD_API.test(call.callee)) return;
      // The collection added to is a field read in this method; its value may be the object a
      // constructor puts there (`a = new HashSet()`), so the read that feeds the receiver names it.
      const recv = call.args[0];
      const isCollection = (f: string) => COLLECTION_TYPE.test(f.slice(f.indexOf(':') + 1));
      const field =
        recv?.k === 'field'
          ? recv.field
          : s.fields.find(
              (a) => !a.write && isCollection(a.field) && a.passedTo?.some((p) => p.site === site && p.arg === 0),
            )?.field;
      if (!field || !isCollection(field) || !maybeText(model, id, s, call.args[1])) return;
      const key = `${id} ${field}`;
      if (seen.has(key)) return;
      seen.add(key);
      if (![...reachDown(model, [id], PARSE_HOPS, 60)].some((x) => parsers.has(x))) return;
      out.push({ method: id, field });
    });
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
