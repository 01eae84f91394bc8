import { annotationProblems, methodAnnotations, type Annotation } from './annotations.js';
import { signatureClasses } from './bound-types.js';
import type { CodeModel } from './model.js';
import { callersOfApi } from './reach.js';
import { describe } from './semantics.js';
import type { CallSite } from './values.js';

/**
 * Retrofit fetches: the app's service interfaces declare each request as a method annotated with its
 * HTTP method and path (`@GET("v1/words/{lang}")`), its parameters with `@Path`, `@Query`, `@Field` or
 * `@Header`; Retrofit implements them with a proxy, so the call graph has no edge into them. A method
 * that calls one is a fetcher, and the URL is rebuilt as the code builds it: the base URL given to
 * `Retrofit.Builder.baseUrl` (by the code that creates that service, or the app's only base URL), the
 * annotated path with the constant arguments put in, and the query parameters.
 */

export interface RetrofitEndpoint {
  /** `Lcls;->name` of the interface method. */
  api: string;
  service: string;
  httpMethod: string;
  path: string;
  /** Per parameter: how Retrofit uses it (`path`, `query`, `field`, `header`, `body`) and its name. */
  params: Array<{ kind: string; name: string } | null>;
  headers: string[];
  /** App classes the response is bound to, from the method's generic return type (`Call<Words>`). */
  responseTypes: string[];
}

export interface RetrofitFetch {
  method: number;
  endpoint: RetrofitEndpoint;
  url: string;
  params: string[];
  headers: string[];
}

const HTTP = /^Lretrofit2\/http\/(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|HTTP);$/;
const PARAM_KIND: Record<string, string> = {
  'Lretrofit2/http/Path;': 'path',
  'Lretrofit2/http/Query;': 'query',
  'Lretrofit2/http/QueryMap;': 'query',
  'Lretrofit2/http/Field;': 'field',
  'Lretrofit2/http/Header;': 'header',
  'Lretrofit2/http/Body;': 'body',
  'Lretrofit2/http/Url;': 'url',
};
const MAX_FETCHES = 256;

const cache = new WeakMap<CodeModel, Map<number, RetrofitFetch>>();

/** The app's Retrofit endpoints, by `Lcls;->name`. */
export function retrofitEndpoints(model: CodeModel): Map<string, RetrofitEndpoint> {
  const out = new Map<string, RetrofitEndpoint>();
  for (const dex of model.dexes) {
    const maxReads = model.limits.code.maxAnnotationReads;
    reportAnnotationProblems(model, annotationProblems(dex, maxReads));
    for (const [idx, a] of methodAnnotations(dex, maxReads)) {
      const http = a.method.find((x) => HTTP.test(x.type));
      if (!http) continue;
      const { className, method } = dex.methodOwnerAndName(idx);
      const verb = HTTP.exec(http.type)?.[1] ?? 'GET';
      const api = `${className}->${method}`;
      out.set(api, {
        api,
        service: className,
        httpMethod: verb === 'HTTP' ? (http.values.method?.[0] ?? 'GET') : verb,
        path: (verb === 'HTTP' ? http.values.path?.[0] : http.values.value?.[0]) ?? '',
        params: a.params.map(paramUse),
        headers: a.method.filter((x) => x.type === 'Lretrofit2/http/Headers;').flatMap((x) => x.values.value ?? []),
        responseTypes: responseTypes(a.method).filter((t) => model.classDef(t) !== null),
      });
    }
  }
  return out;
}

/** Damaged or over-long annotations, said once per model and code: Retrofit endpoints may be missing. */
function reportAnnotationProblems(model: CodeModel, p: { damagedClasses: number; cut: boolean }): void {
  const say = (code: string, message: string) => {
    if (!model.diagnostics.some((d) => d.code === code)) model.diagnostics.push({ code, message });
  };
  if (p.damagedClasses)
    say(
      'dex/bad-annotations',
      `the annotations of ${p.damagedClasses} classes point outside the DEX or hold impossible counts; ` +
        'they were not read, so Retrofit endpoints declared there are not reported',
    );
  if (p.cut)
    say(
      'limit/dex-annotations',
      `reading annotations stopped after ${model.limits.code.maxAnnotationReads} reads (code.maxAnnotationReads); ` +
        'Retrofit endpoints may be missing',
    );
}

/**
 * The classes of a service method's generic return type (`Lretrofit2/Call<Lr/v/b;>;`); for a Kotlin
 * `suspend` method, whose result comes through its last parameter, the continuation's type argument.
 */
function responseTypes(annotations: Annotation[]): string[] {
  const sig = annotations.find((a) => a.type === 'Ldalvik/annotation/Signature;')?.values.value?.join('') ?? '';
  const close = sig.lastIndexOf(')');
  const continuation = /Lkotlin\/coroutines\/Continuation<(.*)>;\)/.exec(sig)?.[1] ?? '';
  return [...signatureClasses(sig.slice(close + 1)), ...signatureClasses(continuation)];
}

function paramUse(annotations: Annotation[] | undefined): { kind: string; name: string } | null {
  for (const a of annotations ?? []) {
    const kind = PARAM_KIND[a.type];
    if (kind) return { kind, name: a.values.value?.[0] ?? '' };
  }
  return null;
}

/** App methods that call a Retrofit endpoint, with the request as they build it (by method id). */
export function retrofitFetches(model: CodeModel): Map<number, RetrofitFetch> {
  const hit = cache.get(model);
  if (hit) return hit;
  const out = new Map<number, RetrofitFetch>();
  cache.set(model, out);
  const endpoints = retrofitEndpoints(model);
  if (!endpoints.size) return out;
  const bases = baseUrls(model);
  const distinct = [...new Set(bases.values())];
  const onlyBase = distinct.length === 1 ? distinct[0] : undefined;
  for (const id of endpointCallers(model, endpoints)) {
    if (out.size >= MAX_FETCHES) break;
    const s = model.summary(id);
    if (!s) continue;
    for (const call of s.calls) {
      const e = endpoints.get(call.callee);
      if (!e) continue;
      const base = bases.get(e.service) ?? bases.get('*') ?? onlyBase ?? '{baseUrl}';
      out.set(id, { method: id, endpoint: e, ...request(e, base, call, (v) => describe(s, v)) });
      break;
    }
  }
  return out;
}

function request(
  e: RetrofitEndpoint,
  base: string,
  call: CallSite,
  text: (v: CallSite['args'][number] | undefined) => string | null,
): { url: string; params: string[]; headers: string[] } {
  let path = e.path;
  const query: string[] = [];
  const params: string[] = [];
  const headers = e.headers.map((h) => (h.includes(':') ? h.slice(0, h.indexOf(':')).trim() : h));
  e.params.forEach((p, i) => {
    if (!p) return;
    // Argument 0 is the service object the interface method is called on.
    const value = text(call.args[i + 1]) ?? `{${p.name}}`;
    if (p.kind === 'path') path = path.replace(`{${p.name}}`, () => value);
    else if (p.kind === 'query' && p.name) {
      query.push(`${p.name}=${value}`);
      params.push(p.name);
    } else if (p.kind === 'field' && p.name) params.push(p.name);
    else if (p.kind === 'header' && p.name) headers.push(p.name);
    else if (p.kind === 'url') path = value;
  });
  const joined = /^[a-z]+:\/\//i.test(path) ? path : `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  return {
    url: query.length ? `${joined}${joined.includes('?') ? '&' : '?'}${query.join('&')}` : joined,
    params,
    headers,
  };
}

/** Base URLs by service interface: the code that calls `baseUrl` and `create(Service.class)`. */
function baseUrls(model: CodeModel): Map<string, string> {
  const out = new Map<string, string>();
  const loose: string[] = [];
  for (const id of callersOfApi(model, 'Lretrofit2/Retrofit$Builder;->baseUrl')) {
    const s = model.summary(id);
    if (!s) continue;
    for (const c of s.calls) {
      if (c.callee !== 'Lretrofit2/Retrofit$Builder;->baseUrl') continue;
      const url = describe(s, c.args[1]);
      if (!url) continue;
      const services = s.calls
        .filter((x) => x.callee === 'Lretrofit2/Retrofit;->create')
        .map((x) => x.args[1])
        .flatMap((v) => (v?.k === 'class' ? [v.desc] : []));
      if (services.length) for (const svc of services) out.set(svc, url);
      else loose.push(url);
    }
  }
  // A base URL set apart from any create(): the app's only one stands for all services without their own.
  if (new Set(loose).size === 1 && loose[0] !== undefined) out.set('*', loose[0]);
  return out;
}

/** Methods calling an endpoint: found in each DEX's method references (the proxy has no call edges). */
function endpointCallers(model: CodeModel, endpoints: Map<string, RetrofitEndpoint>): number[] {
  const out = new Set<number>();
  model.dexes.forEach((dex, d) => {
    const wanted = new Set<number>();
    for (let i = 0; i < dex.methodCount; i++) {
      const { className, method } = dex.methodOwnerAndName(i);
      if (endpoints.has(`${className}->${method}`)) wanted.add(i);
    }
    if (!wanted.size) return;
    const x = dex.xrefs();
    x.bodies.forEach((body, b) => {
      const from = x.methods.start[b] ?? 0;
      const to = x.methods.start[b + 1] ?? from;
      for (let k = from; k < to; k++) {
        if (!wanted.has(x.methods.targets[k] ?? -1)) continue;
        const { className, method } = dex.methodOwnerAndName(body.methodIdx);
        for (const id of model.methodsNamed(`${className}->${method}`)) {
          const m = model.method(id);
          if (m.dex === d && m.methodIdx === body.methodIdx) out.add(id);
        }
        break;
      }
    });
  });
  return [...out];
}
