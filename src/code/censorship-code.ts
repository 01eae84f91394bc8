import type { Lexicon } from '../lexicon/lexicon.js';
import { KNOWN_LIST_HOSTS, LIST_URL, STORAGE_NAME } from '../correlate/list-code.js';
import type { Manifest } from '../formats/manifest.js';
import type { DexFile } from '../formats/dex.js';
import type { Limits } from '../io/limits.js';
import { listMechanisms, type ListMechanism } from './list-mechanism.js';
import { appCodeModel, type CodeModel } from './model.js';
import { pathsDown, renderPath } from './paths.js';
import { callersOfApi } from './reach.js';
import {
  regionGates,
  regionReads,
  remoteSwitches,
  type RegionGate,
  type RegionRead,
  type RemoteSwitch,
} from './region-gate.js';
import { API_ROLES } from './semantics.js';

/**
 * The censorship-relevant reading of an app's code, computed once per app and shared by the refresh and
 * region-switch detectors: list mechanisms, the list code they span (fetch, parse/load, apply, and
 * methods holding many lexicon terms), the region gates in front of it, server switches, and region
 * reads that only pick a server.
 */

export type SinkKind = 'fetch' | 'apply' | 'list';

export interface CensorshipCode {
  model: CodeModel;
  mechanisms: ListMechanism[];
  sinks: Map<number, SinkKind>;
  gates: RegionGate[];
  switches: RemoteSwitch[];
  /** Region reads whose gate reaches a network fetch but no list: region-dependent servers. */
  serverChoices: Array<{ read: RegionRead; path: string[] }>;
  /** A bound stopped one of the searches. */
  cut: boolean;
}

const HTTP_URL_APIS = Object.entries(API_ROLES)
  .filter(([, s]) => s.role === 'http-url')
  .map(([n]) => n);
const cache = new WeakMap<CodeModel, CensorshipCode>();

export function isListUrl(url: string): boolean {
  return LIST_URL.test(url.replace(/\{[^}]*\}/g, 'x')) || KNOWN_LIST_HOSTS.test(url);
}

export function censorshipCode(
  app: { dexes: Array<{ dex: DexFile }>; manifest: Manifest | null },
  lexicon: Lexicon | null,
  limits?: Limits,
): CensorshipCode {
  const model = appCodeModel(app, limits);
  const hit = cache.get(model);
  if (hit) return hit;
  const mechanisms = listMechanisms(model, isListUrl, (s) => STORAGE_NAME.test(s));
  const sinks = new Map<number, SinkKind>();
  for (const m of mechanisms) {
    for (const id of m.listMethods) sinks.set(id, 'list');
    for (const id of m.fetchMethods) sinks.set(id, 'fetch');
    for (const id of m.applyMethods) sinks.set(id, 'apply');
  }
  const reads = regionReads(model);
  // Lists held inline (String[] of lexicon terms) are list code too; they are recognised on the methods
  // a gate's search visits, not by matching every string of the app against the lexicon.
  const holder = lexicon ? lexiconHolder(model, lexicon) : () => false;
  const {
    gates,
    ungated,
    cut: gateCut,
  } = reads.length ? regionGates(model, reads, sinks, holder) : { gates: [], ungated: [], cut: false };
  const { switches, cut: switchCut } = sinks.size ? remoteSwitches(model, sinks) : { switches: [], cut: false };
  // Region reads that gate network code but no list: servers picked by region (reported at info).
  const fetchers = new Set<number>();
  for (const api of HTTP_URL_APIS) for (const id of callersOfApi(model, api)) fetchers.add(id);
  const serverChoices: CensorshipCode['serverChoices'] = [];
  const budget = { visits: model.limits.code.maxPathVisits };
  for (const u of ungated) {
    for (const g of u.gatePaths.slice(0, 4)) {
      const gate = g.at(-1);
      if (!gate) continue;
      const down = pathsDown(model, [gate.method], (id) => fetchers.has(id), budget, 4, 1);
      const p = down.paths[0];
      if (!p) continue;
      serverChoices.push({ read: u.read, path: renderPath(model, [...g, ...p.slice(1)]) });
      break;
    }
  }
  const cut = gateCut || switchCut || mechanisms.some((m) => m.cut) || budget.visits <= 0;
  if (cut)
    model.diagnostics.push({
      code: 'limit/code-path-visits',
      message:
        `a path query visited ${model.limits.code.maxPathVisits} methods and stopped; ` +
        'list-refresh and region-switch findings may miss parts',
    });
  const result: CensorshipCode = { model, mechanisms, sinks, gates, switches, serverChoices, cut };
  cache.set(model, result);
  return result;
}

const MIN_TERMS = 3;

/** Whether a method holds several strong lexicon terms (a list initialiser), memoised per method and string. */
function lexiconHolder(model: CodeModel, lexicon: Lexicon): (id: number) => boolean {
  const byString = new Map<string, boolean>();
  const byMethod = new Map<number, boolean>();
  const strong = (s: string) => {
    let v = byString.get(s);
    if (v === undefined)
      byString.set(s, (v = s.length > 0 && s.length <= 64 && lexicon.match(s).some((h) => !h.entry.weak)));
    return v;
  };
  const holds = (id: number): boolean => {
    let v = byMethod.get(id);
    if (v !== undefined) return v;
    const s = model.summary(id);
    let hits = 0;
    for (const x of s?.strings ?? []) if (strong(x) && ++hits >= MIN_TERMS) break;
    v = hits >= MIN_TERMS;
    // A method that reads a field an initialiser filled with terms uses the list too.
    if (!v && s) {
      for (const a of s.fields) {
        if (a.write || !a.field.endsWith(':[Ljava/lang/String;')) continue;
        if (model.fieldWriters(a.field).some((w) => w !== id && model.method(w).name === '<clinit>' && holds(w))) {
          v = true;
          break;
        }
      }
    }
    byMethod.set(id, v);
    return v;
  };
  return holds;
}
