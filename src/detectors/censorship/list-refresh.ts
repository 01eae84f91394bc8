import { Type } from '@sinclair/typebox';
import { censorshipCode } from '../../code/censorship-code.js';
import type { ListMechanism } from '../../code/list-mechanism.js';
import { formatInterval } from '../../correlate/list-code.js';
import { defineDetector, evidence, KnownListRef, messageData, RelatedFinding, type ReportOf } from '../define.js';

/**
 * A list that a server keeps current, read from the app's code model: one finding per mechanism, however
 * many classes it spans — the fetching method and the URL as the code builds it (parameters, HTTP method),
 * the response keys and the checks that accept a response, the storage, the refresh policy (cache life,
 * intervals, retry limits, wherever their constants live), the triggers (entry points, broadcasts, jobs,
 * alarms) with their call paths, and the code that applies the entries to text and how it matches.
 */

const MAX_ITEMS = 20;

const Strings = Type.Array(Type.String());
const Fetch = Type.Object(
  {
    method: Type.String(),
    url: Type.Union([Type.String(), Type.Null()]),
    httpMethod: Type.Union([Type.String(), Type.Null()]),
    params: Strings,
    headers: Strings,
    /** The app's HTTP helper that sends the request, when the fetching method hands it the URL. */
    via: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
const Trigger = Type.Object({ kind: Type.String(), actions: Strings, path: Strings }, { additionalProperties: false });
const Apply = Type.Object(
  { method: Type.String(), how: Strings, content: Strings, path: Strings },
  { additionalProperties: false },
);
const Numbers = Type.Array(Type.Number());

const Evidence = evidence({
  className: Type.String(),
  /** The fetching, list-handling and applying methods (`Lpkg/Class;->method`). */
  methods: Strings,
  fetch: Type.Array(Fetch),
  urls: Strings,
  host: Type.Optional(Type.String()),
  responseKeys: Strings,
  /** The checks that accept a response. */
  responseChecks: Strings,
  storage: Strings,
  storageDetail: Type.Object(
    { preferenceFiles: Strings, preferenceKeys: Strings, files: Strings },
    { additionalProperties: false },
  ),
  listFields: Strings,
  refreshIntervalsMs: Numbers,
  refreshIntervals: Strings,
  policy: Type.Object(
    {
      cacheLifeMs: Numbers,
      intervalsMs: Numbers,
      delaysMs: Numbers,
      backoffMs: Numbers,
      retryLimits: Numbers,
      retryWindowsMs: Numbers,
      constantsFrom: Strings,
      /** Each scheduling call: `PeriodicWorkRequest$Builder.<init>`, interval, 6 hours = 21,600,000 ms. */
      timings: Type.Array(
        Type.Object(
          { api: Type.String(), kind: Type.String(), value: Type.Number(), unit: Type.String(), ms: Type.Number() },
          { additionalProperties: false },
        ),
      ),
    },
    { additionalProperties: false },
  ),
  triggers: Type.Array(Trigger),
  onConnectivityChange: Type.Boolean(),
  apply: Type.Array(Apply),
  /** Methods that match text against the list (`Lpkg/Class;->method`). */
  appliedBy: Strings,
  regionGate: Type.Optional(Type.Object({ read: Type.String(), path: Strings }, { additionalProperties: false })),
  serverSwitches: Type.Optional(
    Type.Array(Type.Object({ key: Type.String(), path: Strings }, { additionalProperties: false })),
  ),
  bounds: Type.Optional(Type.String()),
  /** Set by the scan when a capture of the same scan reached the list's host (as for network/endpoints). */
  seenInCapture: Type.Optional(
    Type.Union([
      Type.Literal(false),
      Type.Array(
        Type.Object(
          {
            capture: Type.String(),
            host: Type.String(),
            connections: Type.Integer(),
            frames: Type.Array(Type.Integer()),
            country: Type.Union([Type.String(), Type.Null()]),
          },
          { additionalProperties: false },
        ),
      ),
    ]),
  ),
  related: Type.Optional(Type.Array(RelatedFinding)),
  knownList: Type.Optional(KnownListRef),
});
const Data = messageData({
  fetcher: Type.String(),
  url: Type.String(),
  storage: Type.String(),
  interval: Type.String(),
  apply: Type.String(),
});

type Found = ReportOf<typeof Evidence, typeof Data>;

export default defineDetector({
  meta: {
    id: 'censorship/list-refresh',
    version: 3,
    input: 'app',
    description:
      'Code that downloads a list, stores it, refreshes it and applies it to text: fetch, URL, response keys, ' +
      'storage, refresh policy, triggers and matching code, with call paths.',
    severity: 'medium',
    confidence: 'medium',
    tags: ['censorship', 'remote-config'],
    evidence: Evidence,
    data: Data,
    messages: {
      refresh: '{{fetcher}} downloads a list{{url}}{{storage}}{{interval}}{{apply}}',
    },
  },
  detect(app, ctx): Found[] {
    if (app.dexes.length === 0) return [];
    const code = censorshipCode(app, ctx.lexicon, ctx.limits);
    const { model } = code;
    const out: Found[] = [];
    for (const m of code.mechanisms) {
      const fetchId = m.fetchMethods[0];
      if (fetchId === undefined) continue;
      const fetcher = model.method(fetchId);
      const applier = m.apply[0];
      const gate = code.gates.find(
        (g) => m.fetchMethods.includes(g.sink) || m.applyMethods.includes(g.sink) || m.listMethods.includes(g.sink),
      );
      const switches = code.switches.filter((s) =>
        s.path.some(
          (p) =>
            m.applyMethods.some((a) => p.endsWith(model.name(a))) ||
            m.fetchMethods.some((f) => p.endsWith(model.name(f))),
        ),
      );
      const urls = [...new Set(m.fetches.map((f) => f.url).filter((u): u is string => u !== null))];
      const refresh = [...new Set([...m.policy.cacheLifeMs, ...m.policy.intervalsMs])].sort((a, b) => a - b);
      const storage = [...new Set([...m.storage.preferenceFiles, ...m.storage.preferenceKeys, ...m.storage.files])];
      const severity = m.apply.length ? (gate ? 'high' : 'medium') : 'low';
      out.push({
        messageId: 'refresh',
        data: {
          fetcher: model.name(fetcher.id),
          url: urls.length ? ` from ${urls[0]}` : '',
          storage: storage.length ? `, stores it as ${storage.slice(0, 4).join(', ')}` : '',
          interval: refresh.length ? `, refreshes after ${refresh.map(formatInterval).join(' or ')}` : '',
          apply: applier ? `, and ${applier.method} matches text against it (${applier.how.join(', ')})` : '',
        },
        artefactId: app.artefact.id,
        location: {
          path: app.dexes[fetcher.dex]?.artefact.path ?? app.artefact.path,
          className: fetcher.cls,
          method: fetcher.name,
        },
        severity,
        confidence:
          m.apply.length && (m.triggers.length || refresh.length)
            ? 'high'
            : m.apply.length || urls.length
              ? 'medium'
              : 'low',
        identity: m.identity,
        evidence: {
          className: fetcher.cls,
          methods: [
            ...new Set([...m.fetchMethods, ...m.listMethods, ...m.applyMethods].map((id) => model.name(id))),
          ].slice(0, MAX_ITEMS),
          fetch: m.fetches.slice(0, MAX_ITEMS),
          urls,
          ...(urls[0] ? { host: hostOf(urls[0]) } : {}),
          responseKeys: m.responseKeys,
          responseChecks: m.checks,
          storage,
          storageDetail: m.storage,
          listFields: m.listFields,
          refreshIntervalsMs: refresh,
          refreshIntervals: refresh.map(formatInterval),
          policy: m.policy,
          triggers: m.triggers.slice(0, MAX_ITEMS),
          onConnectivityChange: m.triggers.some((t) => t.actions.some((a) => a.endsWith('CONNECTIVITY_CHANGE'))),
          apply: m.apply.slice(0, MAX_ITEMS),
          appliedBy: m.apply.map((a) => a.method).slice(0, MAX_ITEMS),
          ...(gate ? { regionGate: { read: gate.read.key ?? gate.read.api, path: gate.path } } : {}),
          ...(switches.length ? { serverSwitches: switches.map((s) => ({ key: s.key, path: s.path })) } : {}),
          ...(m.cut || code.cut
            ? { bounds: 'a search bound cut part of the analysis short; parts of the mechanism may be missing' }
            : {}),
          excerpt: urls[0] ?? storage[0] ?? m.responseKeys.join(', '),
        },
      });
    }
    return out;
  },
});

function hostOf(url: string): string | undefined {
  const m = /^[a-z]+:\/\/([^/:?#{]+)/i.exec(url);
  return m?.[1]?.toLowerCase();
}

export type { ListMechanism };
