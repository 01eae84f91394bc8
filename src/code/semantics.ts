import type { CodeModel } from './model.js';
import { collectionElements, constString, render, type CallSite, type MethodSummary, type Value } from './values.js';

/**
 * What calls mean: the library APIs that fetch over HTTP, parse responses, store data, read the device's
 * region, schedule work and match text, with the argument that carries the interesting value. Matching
 * is by API (class through its framework parents, and method name), never by the app's own names.
 */

export type ApiRole =
  | 'http-url'
  | 'http-method'
  | 'http-param'
  | 'http-header'
  | 'http-send'
  | 'http-status'
  | 'json-key'
  | 'json-array'
  | 'json-bind'
  | 'prefs-file'
  | 'prefs-read'
  | 'prefs-write'
  | 'file-name'
  | 'asset-open'
  | 'region'
  | 'region-prop'
  | 'reflect-invoke'
  | 'settings'
  | 'schedule'
  | 'delay'
  | 'clock'
  | 'match'
  | 'case-fold'
  | 'regex'
  | 'set-lookup'
  | 'char-walk'
  | 'collection-add'
  | 'split';

interface ApiSpec {
  role: ApiRole;
  /** Argument (0 = receiver of an instance call, or the first argument of a static one) carrying the value. */
  arg?: number;
}

const A = (role: ApiRole, arg?: number): ApiSpec => (arg === undefined ? { role } : { role, arg });

export const API_ROLES: Record<string, ApiSpec> = {
  'Ljava/net/URL;-><init>': A('http-url', 1),
  'Lokhttp3/Request$Builder;->url': A('http-url', 1),
  'Lcom/squareup/okhttp/Request$Builder;->url': A('http-url', 1),
  'Lcom/android/volley/toolbox/StringRequest;-><init>': A('http-url', 2),
  'Lcom/android/volley/toolbox/JsonObjectRequest;-><init>': A('http-url', 2),
  'Lcom/android/volley/toolbox/JsonArrayRequest;-><init>': A('http-url', 2),
  'Lorg/apache/http/client/methods/HttpGet;-><init>': A('http-url', 1),
  'Lorg/apache/http/client/methods/HttpPost;-><init>': A('http-url', 1),
  'Ljava/net/HttpURLConnection;->setRequestMethod': A('http-method', 1),
  'Lokhttp3/Request$Builder;->post': A('http-method'),
  'Lokhttp3/Request$Builder;->get': A('http-method'),
  'Lokhttp3/Request$Builder;->method': A('http-method', 1),
  'Landroid/net/Uri$Builder;->appendQueryParameter': A('http-param', 1),
  'Lokhttp3/HttpUrl$Builder;->addQueryParameter': A('http-param', 1),
  'Lokhttp3/FormBody$Builder;->add': A('http-param', 1),
  'Ljava/net/URLConnection;->setRequestProperty': A('http-header', 1),
  'Ljava/net/URLConnection;->addRequestProperty': A('http-header', 1),
  'Lokhttp3/Request$Builder;->addHeader': A('http-header', 1),
  'Lokhttp3/Request$Builder;->header': A('http-header', 1),
  'Ljava/net/URL;->openConnection': A('http-send'),
  'Ljava/net/URLConnection;->getInputStream': A('http-send'),
  'Ljava/net/URLConnection;->connect': A('http-send'),
  'Lokhttp3/OkHttpClient;->newCall': A('http-send'),
  'Lokhttp3/Call;->execute': A('http-send'),
  'Lokhttp3/Call;->enqueue': A('http-send'),
  'Lcom/android/volley/RequestQueue;->add': A('http-send'),
  'Lorg/apache/http/client/HttpClient;->execute': A('http-send'),
  'Ljava/net/HttpURLConnection;->getResponseCode': A('http-status'),
  'Lokhttp3/Response;->code': A('http-status'),
  'Lokhttp3/Response;->isSuccessful': A('http-status'),
  'Lorg/json/JSONObject;->getString': A('json-key', 1),
  'Lorg/json/JSONObject;->optString': A('json-key', 1),
  'Lorg/json/JSONObject;->getInt': A('json-key', 1),
  'Lorg/json/JSONObject;->optInt': A('json-key', 1),
  'Lorg/json/JSONObject;->getLong': A('json-key', 1),
  'Lorg/json/JSONObject;->optLong': A('json-key', 1),
  'Lorg/json/JSONObject;->getBoolean': A('json-key', 1),
  'Lorg/json/JSONObject;->optBoolean': A('json-key', 1),
  'Lorg/json/JSONObject;->getJSONObject': A('json-key', 1),
  'Lorg/json/JSONObject;->optJSONObject': A('json-key', 1),
  'Lorg/json/JSONObject;->has': A('json-key', 1),
  'Lorg/json/JSONObject;->get': A('json-key', 1),
  'Lorg/json/JSONObject;->opt': A('json-key', 1),
  'Lorg/json/JSONObject;->getJSONArray': A('json-array', 1),
  'Lorg/json/JSONObject;->optJSONArray': A('json-array', 1),
  // Binding a response to a class: the argument is the class (its fields name the keys, see bound-types.ts).
  'Lcom/google/gson/Gson;->fromJson': A('json-bind', 2),
  'Lcom/squareup/moshi/Moshi;->adapter': A('json-bind', 1),
  'Lcom/fasterxml/jackson/databind/ObjectMapper;->readValue': A('json-bind', 2),
  'Lcom/alibaba/fastjson/JSON;->parseObject': A('json-bind', 1),
  'Lcom/alibaba/fastjson/JSON;->parseArray': A('json-bind', 1),
  'Landroid/content/Context;->getSharedPreferences': A('prefs-file', 1),
  'Landroid/content/SharedPreferences;->getString': A('prefs-read', 1),
  'Landroid/content/SharedPreferences;->getStringSet': A('prefs-read', 1),
  'Landroid/content/SharedPreferences;->getLong': A('prefs-read', 1),
  'Landroid/content/SharedPreferences;->getInt': A('prefs-read', 1),
  'Landroid/content/SharedPreferences;->getBoolean': A('prefs-read', 1),
  'Landroid/content/SharedPreferences$Editor;->putString': A('prefs-write', 1),
  'Landroid/content/SharedPreferences$Editor;->putStringSet': A('prefs-write', 1),
  'Landroid/content/SharedPreferences$Editor;->putLong': A('prefs-write', 1),
  'Landroid/content/SharedPreferences$Editor;->putInt': A('prefs-write', 1),
  'Landroid/content/SharedPreferences$Editor;->putBoolean': A('prefs-write', 1),
  'Landroid/content/Context;->openFileInput': A('file-name', 1),
  'Landroid/content/Context;->openFileOutput': A('file-name', 1),
  'Landroid/content/Context;->getFileStreamPath': A('file-name', 1),
  'Ljava/io/File;-><init>': A('file-name', 2),
  'Landroid/content/res/AssetManager;->open': A('asset-open', 1),
  'Landroid/os/SystemProperties;->get': A('region-prop', 0),
  // Vendor copies of the property reader, and MIUI's region API (the MIUI SDK's miui.os.Build).
  'Lmiui/os/SystemProperties;->get': A('region-prop', 0),
  'Lcom/huawei/android/os/SystemPropertiesEx;->get': A('region-prop', 0),
  'Lmiui/os/Build;->getRegion': A('region'),
  'Lmiui/os/Build;->checkRegion': A('region'),
  'Ljava/lang/reflect/Method;->invoke': A('reflect-invoke', 2),
  'Ljava/util/Locale;->getCountry': A('region'),
  'Landroid/telephony/TelephonyManager;->getSimCountryIso': A('region'),
  'Landroid/telephony/TelephonyManager;->getNetworkCountryIso': A('region'),
  'Landroid/telephony/TelephonyManager;->getSimOperator': A('region'),
  'Landroid/telephony/TelephonyManager;->getNetworkOperator': A('region'),
  'Landroid/provider/Settings$Global;->getString': A('settings', 1),
  'Landroid/provider/Settings$System;->getString': A('settings', 1),
  'Landroid/provider/Settings$Secure;->getString': A('settings', 1),
  'Landroid/app/AlarmManager;->setRepeating': A('schedule', 3),
  'Landroid/app/AlarmManager;->setInexactRepeating': A('schedule', 3),
  'Landroid/app/AlarmManager;->set': A('schedule', 2),
  'Landroid/app/AlarmManager;->setExact': A('schedule', 2),
  'Landroid/app/job/JobInfo$Builder;->setPeriodic': A('schedule', 1),
  'Landroidx/work/PeriodicWorkRequest$Builder;-><init>': A('schedule', 2),
  'Ljava/util/concurrent/ScheduledExecutorService;->scheduleAtFixedRate': A('schedule', 3),
  'Ljava/util/concurrent/ScheduledExecutorService;->scheduleWithFixedDelay': A('schedule', 3),
  'Ljava/util/Timer;->scheduleAtFixedRate': A('schedule', 3),
  'Ljava/util/Timer;->schedule': A('delay', 2),
  'Landroid/os/Handler;->postDelayed': A('delay', 2),
  'Landroid/os/Handler;->sendEmptyMessageDelayed': A('delay', 2),
  'Landroid/os/Handler;->sendMessageDelayed': A('delay', 2),
  'Ljava/util/concurrent/ScheduledExecutorService;->schedule': A('delay', 2),
  'Ljava/lang/System;->currentTimeMillis': A('clock'),
  'Landroid/os/SystemClock;->elapsedRealtime': A('clock'),
  'Ljava/lang/String;->contains': A('match', 1),
  'Ljava/lang/String;->indexOf': A('match', 1),
  'Ljava/lang/String;->startsWith': A('match', 1),
  'Ljava/lang/String;->endsWith': A('match', 1),
  'Ljava/lang/String;->replace': A('match', 1),
  'Ljava/lang/String;->equalsIgnoreCase': A('case-fold', 1),
  'Ljava/lang/String;->toLowerCase': A('case-fold'),
  'Ljava/lang/String;->toUpperCase': A('case-fold'),
  'Ljava/lang/String;->matches': A('regex', 1),
  'Ljava/lang/String;->replaceAll': A('regex', 1),
  'Ljava/util/regex/Pattern;->compile': A('regex', 0),
  'Ljava/util/regex/Pattern;->quote': A('regex', 0),
  'Ljava/util/regex/Matcher;->find': A('regex'),
  'Ljava/util/Set;->contains': A('set-lookup', 1),
  'Ljava/util/Collection;->contains': A('set-lookup', 1),
  'Ljava/util/Map;->containsKey': A('set-lookup', 1),
  'Ljava/util/Map;->get': A('set-lookup', 1),
  'Ljava/lang/String;->charAt': A('char-walk'),
  'Ljava/lang/String;->toCharArray': A('char-walk'),
  'Ljava/util/Set;->add': A('collection-add', 1),
  'Ljava/util/List;->add': A('collection-add', 1),
  'Ljava/util/Collection;->add': A('collection-add', 1),
  'Ljava/util/Collections;->addAll': A('collection-add', 1),
  'Ljava/util/Map;->put': A('collection-add', 1),
  'Ljava/lang/String;->split': A('split', 1),
};

/** Types that hold a list's entries: Java collections and maps, string arrays, JSON arrays. */
export const COLLECTION_TYPE = new RegExp(
  '^(?:Ljava/util/(?:Set|HashSet|LinkedHashSet|TreeSet|List|ArrayList|LinkedList|Collection|Map|HashMap|' +
    'concurrent/CopyOnWriteArrayList|concurrent/CopyOnWriteArraySet|concurrent/ConcurrentHashMap);|' +
    '\\[Ljava/lang/String;|Lorg/json/JSONArray;)$',
);

/** The library names a call goes to: its own reference, and the framework names of its class. */
export function callNames(model: CodeModel, call: CallSite): string[] {
  const names = model.apiNames(call.ref);
  return names.includes(call.callee) ? names : [call.callee, ...names];
}

export function roleOf(model: CodeModel, call: CallSite): { name: string; spec: ApiSpec } | null {
  for (const n of callNames(model, call)) {
    const spec = API_ROLES[n];
    if (spec) return { name: n, spec };
  }
  return null;
}

/** Calls of a method with the given roles, with their interesting argument's value. */
export function callsWithRole(
  model: CodeModel,
  s: MethodSummary,
  roles: ApiRole[],
): Array<{ call: CallSite; name: string; role: ApiRole; value: Value | undefined }> {
  const out: Array<{ call: CallSite; name: string; role: ApiRole; value: Value | undefined }> = [];
  for (const call of s.calls) {
    const r = roleOf(model, call);
    if (!r || !roles.includes(r.spec.role)) continue;
    out.push({
      call,
      name: r.name,
      role: r.spec.role,
      value: r.spec.arg === undefined ? undefined : call.args[r.spec.arg],
    });
  }
  return out;
}

/**
 * A value as text for evidence: constants as they are, unknown parts named (`{param1}`,
 * `{SystemProperties.get()}`).
 */
export function describe(s: MethodSummary, v: Value | undefined): string | null {
  if (!v) return null;
  return render(v, (site) => {
    const c = s.calls[site];
    if (!c) return 'call';
    const arrow = c.callee.indexOf('->');
    const cls = c.callee.slice(c.callee.lastIndexOf('/', arrow) + 1, arrow).replace(/;$/, '');
    return `${cls}.${c.callee.slice(arrow + 2)}`;
  });
}

/** Numbers a value is or holds (a constant, a constant field, a folded expression). */
export function numberOf(v: Value | undefined): number | null {
  return v && v.k === 'num' ? v.v : null;
}

/**
 * A number a value is, or the constant the app method that produced it always returns: a getter of a
 * constant (`access$700()` returning `RETRY_TIMES_MAX`, 3) compared in a branch.
 */
export function numberIn(model: CodeModel, s: MethodSummary, v: Value | undefined): number | null {
  const n = numberOf(v);
  if (n !== null || v?.k !== 'ret') return n;
  const call = s.calls[v.site];
  const targets = call ? model.methodsNamed(call.callee) : [];
  if (targets.length !== 1 || targets[0] === undefined) return null;
  const returns = model.summary(targets[0])?.returns ?? [];
  const first = returns[0];
  return first?.k === 'num' && returns.every((r) => r.k === 'num' && r.v === first.v) ? first.v : null;
}

/**
 * A value described, with the result of an app method that always returns one value (a path getter such
 * as `getBlackListFilePath()` returning `{Context.getFilesDir()}/MiAdConfig`) replaced by that value.
 */
export function describeIn(model: CodeModel, s: MethodSummary, v: Value | undefined): string | null {
  if (v?.k === 'ret') {
    const call = s.calls[v.site];
    const targets = call ? model.methodsNamed(call.callee) : [];
    const target = targets.length === 1 ? targets[0] : undefined;
    const ts = target === undefined ? null : model.summary(target);
    const texts = new Set((ts?.returns ?? []).map((r) => (ts ? describe(ts, r) : null)));
    const [only] = texts;
    if (texts.size === 1 && only && !only.includes('{param')) return only;
  }
  return describe(s, v);
}

/** A file name as code builds it, without the app folder it sits in (`{Context.getFilesDir()}/x` → `x`). */
export function fileNameOf(path: string | null): string | null {
  if (!path) return path;
  const m = /^(?:\{[^{}]*\}\/)+([^{}]+)$/.exec(path);
  return m?.[1] ?? path;
}

/**
 * The number behind a call's result, through up to `depth` app getters: a constant they return
 * (`access$900()` returning `RETRY_TIME`), or the default of a stored setting read under a constant key
 * (`load("cacheTime", DEFAULT_CACHETIME.longValue())`: the value used until the server sends another).
 */
export function numberBehind(model: CodeModel, s: MethodSummary, site: number, depth = 3): number | null {
  const call = s.calls[site];
  if (!call) return null;
  const targets = model.methodsNamed(call.callee);
  const target = targets.length === 1 ? targets[0] : undefined;
  const ts = target === undefined ? null : model.summary(target);
  if (ts && ts.returns.length) {
    const [r] = ts.returns;
    if (r?.k === 'num' && ts.returns.every((x) => x.k === 'num' && x.v === r.v)) return r.v;
    if (r?.k === 'ret' && ts.returns.length === 1 && depth > 1) return numberBehind(model, ts, r.site, depth - 1);
    return null;
  }
  const keys = call.args.filter((a) => constString(a) !== null);
  const nums = call.args.filter((a) => a.k === 'num');
  const [n] = nums;
  return keys.length === 1 && nums.length === 1 && n?.k === 'num' ? n.v : null;
}

/** Constant strings of a collection value (a set filled by add(), an array, Arrays.asList). */
export function stringElements(v: Value | undefined): string[] {
  return collectionElements(v)
    .map((e) => constString(e))
    .filter((s): s is string => s !== null);
}

/** Names of system properties and settings that hold the device's region or country. */
export const REGION_KEY = new RegExp(
  '(?:^|[._])(?:region|country|countrycode|country_code|countryiso_code|locale|hwc|csc|optb|regionmark|' +
    'mod_device|iso-country)(?:$|[._])|operator\\.numeric$|\\.region$',
  'i',
);

/** ISO 3166 alpha-2 codes of the EU member states (EL is Greece's EU code), and the EEA additions. */
export const EU27 = new Set([
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
]);
export const EEA_EXTRA = new Set(['IS', 'LI', 'NO']);

/** A country set as a reader would name it: "27 EU countries", "EU + EEA (30)", "5 countries incl. 4 in the EU". */
export function nameCountrySet(codes: string[]): string {
  const up = [...new Set(codes.map((c) => c.toUpperCase().replace('EL', 'GR')))];
  const eu = up.filter((c) => EU27.has(c)).length;
  const eea = up.filter((c) => EEA_EXTRA.has(c)).length;
  const other = up.length - eu - eea;
  if (eu === 27 && eea === 3 && other <= 2) return `EU + EEA (${up.length} countries)`;
  if (eu >= 27 && other <= 2) return `${up.length} countries: the 27 EU members${other ? ' and others' : ''}`;
  if (eu >= 20) return `${up.length} countries, ${eu} of them EU members`;
  return `${up.length} countr${up.length === 1 ? 'y' : 'ies'}${eu ? `, ${eu} in the EU` : ''}`;
}
