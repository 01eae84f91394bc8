import { boundFields, boundType } from './bound-types.js';
import type { CodeModel } from './model.js';
import { gatesOf, pathsDown, renderPath, type PathStep, type ValueSource } from './paths.js';
import { callersOfApi } from './reach.js';
import { retrofitFetches } from './retrofit.js';
import { API_ROLES, REGION_KEY, callsWithRole, describe, stringElements, type ApiRole } from './semantics.js';
import { USE_BRANCH, constString, type MethodSummary } from './values.js';

/**
 * Region reads and what they gate. A region read is a call that returns the device's region or country:
 * a system property or setting whose key names a region (read directly or through reflection), the SIM
 * or network country, the locale's country. Its value is followed up to the methods that branch on it
 * (the gates), and from each gate down to list code. The comparison it takes part in (equals, a set's
 * contains, an MCC) and the country set are read from the methods on that path.
 */

export interface RegionRead {
  method: number;
  site: number;
  /** A read of this field of a class a response is bound to, rather than call `site`. */
  field?: string;
  /** `SystemProperties.get(ro.miui.region)`, `TelephonyManager.getSimCountryIso()`. */
  api: string;
  key: string | null;
}

export interface RegionGate {
  read: RegionRead;
  /** From the read to the gate, then down to the list code. */
  path: string[];
  gate: string;
  sink: number;
  sinkKind: 'fetch' | 'apply' | 'list';
  comparisons: string[];
  countries: string[];
}

const REGION_APIS = Object.entries(API_ROLES)
  .filter(
    ([, s]) =>
      s.role === 'region' ||
      s.role === 'region-prop' ||
      s.role === 'settings' ||
      s.role === 'reflect-invoke' ||
      s.role === 'json-key',
  )
  .map(([n]) => n);
/** Keys of a server response that carry the account's or the client's region. */
const REGION_RESPONSE_KEY =
  /^(?:region|country|country_?code|countryCode|area_?code|account_?region|accountRegion|user_?region|regionCode)$/i;

export function regionReads(model: CodeModel): RegionRead[] {
  const out: RegionRead[] = [];
  const callers = new Set<number>();
  for (const api of REGION_APIS) for (const id of callersOfApi(model, api)) callers.add(id);
  for (const id of callers) {
    const s = model.summary(id);
    if (!s) continue;
    for (const c of callsWithRole(model, s, [
      'region',
      'region-prop',
      'settings',
      'reflect-invoke',
      'json-key',
    ] as ApiRole[])) {
      const site = s.calls.indexOf(c.call);
      if (c.role === 'region') out.push({ method: id, site, api: shortApi(c.name), key: null });
      else if (c.role === 'json-key') {
        const key = constString(c.value);
        if (key && REGION_RESPONSE_KEY.test(key))
          out.push({ method: id, site, api: `server response ${shortApi(c.name)}`, key });
      } else if (c.role === 'reflect-invoke') {
        // Method.invoke(null, new Object[]{"ro.x.region"}) on SystemProperties.get found by reflection.
        const key = c.value && c.value.k === 'arr' ? constString(c.value.elems[0]) : null;
        if (key && REGION_KEY.test(key) && s.strings.includes('android.os.SystemProperties'))
          out.push({ method: id, site, api: 'SystemProperties.get (reflection)', key });
      } else {
        const key = constString(c.value);
        if (key && REGION_KEY.test(key)) out.push({ method: id, site, api: shortApi(c.name), key });
      }
    }
  }
  // Build flags of the vendor's framework that say which region the firmware was built for.
  for (const field of REGION_FIELDS)
    for (const reader of model.fieldReaders(field).slice(0, 64))
      out.push({ method: reader, site: -1, field, api: shortField(field), key: null });
  // The account's region as a field of a class the response is bound to (`@SerializedName("region")`).
  for (const [cls, api] of boundClasses(model)) {
    for (const f of boundFields(model, cls)) {
      const key = f.keys.find((k) => REGION_RESPONSE_KEY.test(k));
      if (!key) continue;
      for (const reader of model.fieldReaders(f.field).slice(0, 16))
        out.push({ method: reader, site: -1, field: f.field, api: `server response ${api}`, key });
    }
  }
  return out;
}

/** MIUI's build flags for its international (global) firmware, read by its system apps. */
const REGION_FIELDS = ['Lmiui/os/Build;->IS_INTERNATIONAL_BUILD:Z', 'Lmiui/os/Build;->IS_GLOBAL_BUILD:Z'];

/** `miui.os.Build.IS_INTERNATIONAL_BUILD` for `Lmiui/os/Build;->IS_INTERNATIONAL_BUILD:Z`. */
function shortField(field: string): string {
  const arrow = field.indexOf('->');
  return `${field.slice(1, arrow - 1).replace(/\//g, '.')}.${field.slice(arrow + 2, field.indexOf(':', arrow))}`;
}

function shortApi(name: string): string {
  const arrow = name.indexOf('->');
  return `${name.slice(name.lastIndexOf('/', arrow) + 1, arrow).replace(/;$/, '')}.${name.slice(arrow + 2)}`;
}

/** For each region read, the gates it drives and the shortest path from each gate to list code. */
export function regionGates(
  model: CodeModel,
  reads: RegionRead[],
  sinks: Map<number, 'fetch' | 'apply' | 'list'>,
  /** Further list code recognised on the methods the search visits (inline lists). */
  isList: (id: number) => boolean = () => false,
): { gates: RegionGate[]; ungated: Array<{ read: RegionRead; gatePaths: PathStep[][] }>; cut: boolean } {
  const budget = { visits: model.limits.code.maxPathVisits };
  const gates: RegionGate[] = [];
  const ungated: Array<{ read: RegionRead; gatePaths: PathStep[][] }> = [];
  let cut = false;
  for (const read of reads) {
    const up = gatesOf(model, read, budget);
    cut ||= up.cut;
    let found = false;
    for (const g of up.gates.slice(0, 16)) {
      const gate = g.at(-1)?.method;
      if (gate === undefined) continue;
      const down = pathsDown(model, [gate], (id) => sinks.has(id) || isList(id), budget, 6, 1);
      cut ||= down.cut;
      const p = down.paths[0];
      if (!p) continue;
      found = true;
      const full = [...g, ...p.slice(1)];
      const { comparisons, countries } = comparisonsOn(model, g);
      const sink = p.at(-1)?.method ?? gate;
      gates.push({
        read,
        path: renderPath(model, full),
        gate: model.name(gate),
        sink,
        sinkKind: sinks.get(sink) ?? 'list',
        comparisons,
        countries,
      });
      break;
    }
    if (!found) ungated.push({ read, gatePaths: up.gates });
  }
  return { gates, ungated, cut };
}

const COMPARE = /->(?:equals|equalsIgnoreCase|contains|startsWith|containsKey|compareTo|checkRegion)$/;

/** The comparisons made with the region value along a gate path, and the country codes they compare it with. */
export function comparisonsOn(model: CodeModel, path: PathStep[]): { comparisons: string[]; countries: string[] } {
  const comparisons = new Set<string>();
  const countries = new Set<string>();
  for (const step of path) {
    const s = model.summary(step.method);
    if (!s) continue;
    for (const c of s.calls) {
      if (!COMPARE.test(c.callee) || (!(c.use & USE_BRANCH) && c.use === 0)) continue;
      const values = c.args.map((a) => constString(a)).filter((x): x is string => x !== null);
      const elems = c.args.flatMap((a) => stringElements(a));
      const codes = [...values, ...elems].filter((x) => /^[A-Za-z]{2}$/.test(x));
      if (!codes.length && !elems.length) continue;
      for (const x of codes) countries.add(x.toUpperCase());
      comparisons.add(`${describeCall(s, c.callee)}(${elems.length ? `a set of ${elems.length}` : values.join(', ')})`);
    }
    for (const cmp of s.comparisons) {
      // Mobile country codes: a number compared with the parsed operator code (getSimOperator().substring(0, 3)).
      if (
        !cmp.sites.some((site) =>
          /->(?:parseInt|substring|getSimOperator|getNetworkOperator)$/.test(s.calls[site]?.callee ?? ''),
        )
      )
        continue;
      // A switch's case keys come as one of several numbers.
      for (const v of [cmp.left, cmp.right].flatMap((x) => (x.k === 'alt' ? x.opts : [x])))
        if (v.k === 'num' && v.v >= 200 && v.v <= 799) comparisons.add(`compared with MCC ${v.v}`);
    }
  }
  return { comparisons: [...comparisons], countries: [...countries].sort() };
}

function describeCall(s: MethodSummary, callee: string): string {
  void s;
  const arrow = callee.indexOf('->');
  return `${callee.slice(callee.lastIndexOf('/', arrow) + 1, arrow).replace(/;$/, '')}.${callee.slice(arrow + 2)}`;
}

export interface RemoteSwitch {
  key: string;
  api: string;
  path: string[];
  sinkKind: 'fetch' | 'apply' | 'list';
}

const FLAG_GETTERS = /^Lorg\/json\/JSONObject;->(?:optBoolean|getBoolean)$/;
/** Getters of numbers and strings, which switch something only when the key says so. */
const VALUE_GETTERS = /^Lorg\/json\/JSONObject;->(?:optInt|getInt|optString|getString)$/;
/** Keys named as a switch (`filter_switch`, `isOpen`, `enable_kw`, `sw`). */
const SWITCH_NAME =
  /switch|enabl|disabl|toggle|(?:^|_)(?:on|off|open|close|sw|flag)(?:$|_)|^is[A-Z_]|^(?:open|close)[A-Z]/;
/** Keys that accept or reject a response: a check of the answer, not a switch of the filter. */
const RESULT_NAME = /^(?:success|succeed|ok|result|ret|code|status|state|error|err|errno|msg|message)$/i;

/**
 * Server flags: a value of a response that the code branches on before it fetches or applies a list. The
 * value is a boolean the code reads by key (`optBoolean("filter_switch")`), a number or string read under
 * a key named as a switch, or a field of a class the response is bound to (Gson, Moshi, Jackson, fastjson,
 * Retrofit) that the code tests. It is followed through returns, fields, preferences and calls to the gate.
 */
export function remoteSwitches(
  model: CodeModel,
  sinks: Map<number, 'fetch' | 'apply' | 'list'>,
): { switches: RemoteSwitch[]; cut: boolean } {
  const budget = { visits: model.limits.code.maxPathVisits };
  const out: RemoteSwitch[] = [];
  let cut = false;
  /** The first gate of `source` that leads to applying or fetching a list, as a switch of `key`. */
  const follow = (source: ValueSource, key: string, api: string) => {
    if (out.some((s) => s.key === key && s.api === api)) return;
    const up = gatesOf(model, source, budget);
    cut ||= up.cut;
    for (const g of up.gates.slice(0, 8)) {
      const gate = g.at(-1)?.method;
      if (gate === undefined) continue;
      // The flag must decide over applying or fetching: a parse check (a list writer) is not a switch.
      const down = pathsDown(model, [gate], (x) => sinks.get(x) === 'apply' || sinks.get(x) === 'fetch', budget, 3, 1);
      cut ||= down.cut;
      const p = down.paths[0];
      if (!p) continue;
      const sink = p.at(-1)?.method ?? gate;
      out.push({
        key,
        api,
        path: renderPath(model, [...g, ...p.slice(1)]),
        sinkKind: sinks.get(sink) as RemoteSwitch['sinkKind'],
      });
      return;
    }
  };
  const getters = ['optBoolean', 'getBoolean', 'optInt', 'getInt', 'optString', 'getString'];
  const callers = new Set(getters.flatMap((g) => callersOfApi(model, `Lorg/json/JSONObject;->${g}`)));
  for (const id of callers) {
    const s = model.summary(id);
    if (!s) continue;
    s.calls.forEach((c, site) => {
      const flag = FLAG_GETTERS.test(c.callee);
      if (!flag && !VALUE_GETTERS.test(c.callee)) return;
      const key = constString(c.args[1]);
      if (!key || RESULT_NAME.test(key) || (!flag && !SWITCH_NAME.test(key))) return;
      follow({ method: id, site }, key, shortApi(c.callee));
    });
  }
  for (const [cls, api] of boundClasses(model)) {
    for (const f of boundFields(model, cls)) {
      const key = f.keys[0] ?? '';
      if (RESULT_NAME.test(key)) continue;
      if (
        f.type !== 'Z' &&
        f.type !== 'Ljava/lang/Boolean;' &&
        !(SWITCH_NAME.test(key) && /^(?:I|Ljava\/lang\/String;)$/.test(f.type))
      )
        continue;
      for (const reader of model.fieldReaders(f.field).slice(0, 16))
        follow({ method: reader, site: -1, field: f.field }, key, `${api} ${cls.slice(1, -1).replace(/\//g, '.')}`);
    }
  }
  return { switches: out, cut };
}

/** App classes a response is bound to, with the API that binds them; classes held inside them included. */
function boundClasses(model: CodeModel): Map<string, string> {
  const roots = new Map<string, string>();
  for (const [api, spec] of Object.entries(API_ROLES)) {
    if (spec.role !== 'json-bind' || spec.arg === undefined) continue;
    for (const id of callersOfApi(model, api)) {
      const s = model.summary(id);
      for (const c of s?.calls ?? []) {
        const v = c.callee === api ? c.args[spec.arg] : undefined;
        if (v?.k === 'class' && model.classDef(v.desc)) roots.set(v.desc, shortApi(api));
      }
    }
  }
  for (const r of retrofitFetches(model).values())
    for (const t of r.endpoint.responseTypes) if (!roots.has(t)) roots.set(t, 'Retrofit');
  const out = new Map<string, string>();
  for (const [cls, api] of roots)
    for (const c of boundType(model, cls)?.classes ?? [cls]) if (!out.has(c)) out.set(c, api);
  return out;
}

export { describe };
