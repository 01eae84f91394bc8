import { Type } from '@sinclair/typebox';
import { censorshipCode } from '../../code/censorship-code.js';
import { EEA_EXTRA, EU27, nameCountrySet } from '../../code/semantics.js';
import { defineDetector, evidence, messageData, RelatedFinding, type ReportOf } from '../define.js';

/**
 * The switch in front of a list, read from the app's code model: a region read (system property directly
 * or by reflection, SIM or network country, locale, a region in a server response) whose value flows to a
 * branch that decides whether list code runs — the path from the read to the gate and on to the list's
 * fetch, load or apply, the comparison and the country set. A region read that reaches no list code is
 * not a switch: when it only picks a server it is reported at info. Server flags that turn the filter
 * on or off are reported with their key and path.
 */

const EFFECT = {
  fetch: 'skips or allows the list download',
  apply: 'turns the filter on or off',
  list: 'picks or skips loading the list',
} as const;

const Strings = Type.Array(Type.String());

/**
 * One schema for the three kinds of finding (a gated read, a server flag, a read that picks a server):
 * the fields that only some kinds carry are optional.
 */
const Evidence = evidence({
  className: Type.Optional(Type.String()),
  methods: Type.Optional(Strings),
  /** The region read, e.g. `SystemProperties.get(ro.miui.region)`. */
  regionRead: Type.Optional(Type.String()),
  regionProperties: Type.Optional(Strings),
  countryApis: Type.Optional(Strings),
  comparisons: Type.Optional(Strings),
  countrySet: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  countries: Type.Optional(Strings),
  euCountryCodes: Type.Optional(Strings),
  gate: Type.Optional(Type.String()),
  gateEffect: Type.Optional(Type.String()),
  /** From the read to the gate and on to the list code. */
  path: Type.Optional(Strings),
  /** List-handling methods on the path. */
  listCode: Type.Optional(Strings),
  serverFlags: Type.Optional(Strings),
  serverFlag: Type.Optional(Type.String()),
  api: Type.Optional(Type.String()),
  bounds: Type.Optional(Type.String()),
  related: Type.Optional(Type.Array(RelatedFinding)),
});
const Data = messageData({
  read: Type.Optional(Type.String()),
  gate: Type.Optional(Type.String()),
  effect: Type.Optional(Type.String()),
  countries: Type.Optional(Type.String()),
  key: Type.Optional(Type.String()),
});

type Found = ReportOf<typeof Evidence, typeof Data>;

export default defineDetector({
  meta: {
    id: 'censorship/region-switch',
    version: 3,
    input: 'app',
    description:
      'Region checks whose value gates list code (with the path from the read to the list), server flags that ' +
      'switch a filter, and region reads that only pick a server (info).',
    severity: 'high',
    confidence: 'medium',
    tags: ['censorship', 'region-switch'],
    evidence: Evidence,
    data: Data,
    messages: {
      gated: '{{read}} decides whether list code runs: {{gate}} {{effect}}{{countries}}',
      remote: 'The server flag "{{key}}" decides whether list code runs ({{effect}})',
      server: '{{read}} decides whether or where {{gate}} connects (region-dependent behaviour, no list involved)',
    },
  },
  detect(app, ctx): Found[] {
    if (app.dexes.length === 0) return [];
    const code = censorshipCode(app, ctx.lexicon, ctx.limits);
    const { model } = code;
    const out: Found[] = [];
    const dexPath = (d: number) => app.dexes[d]?.artefact.path ?? app.artefact.path;
    const bounds = code.cut ? { bounds: 'a search bound cut part of the analysis short' } : {};
    const seen = new Set<string>();
    for (const g of code.gates) {
      const read = model.method(g.read.method);
      const what = g.read.key ? `${g.read.api}(${g.read.key})` : g.read.api;
      const identity = `${model.name(read.id)}|${what}|${model.name(g.sink)}`;
      if (seen.has(identity)) continue;
      seen.add(identity);
      const eu = g.countries.filter((c) => EU27.has(c) || EEA_EXTRA.has(c) || c === 'GB' || c === 'UK');
      out.push({
        messageId: 'gated',
        data: {
          read: what,
          gate: g.gate,
          effect: EFFECT[g.sinkKind],
          countries: g.countries.length ? ` (compared with ${nameCountrySet(g.countries)})` : '',
        },
        artefactId: app.artefact.id,
        location: { path: dexPath(read.dex), className: read.cls, method: read.name },
        severity: 'high',
        confidence: g.comparisons.length ? 'high' : 'medium',
        identity,
        evidence: {
          className: read.cls,
          methods: [model.name(read.id), g.gate],
          regionRead: what,
          regionProperties: g.read.key ? [g.read.key] : [],
          countryApis: [g.read.api],
          comparisons: g.comparisons,
          countrySet: g.countries.length ? nameCountrySet(g.countries) : null,
          countries: g.countries,
          euCountryCodes: eu,
          gate: g.gate,
          gateEffect: EFFECT[g.sinkKind],
          path: g.path,
          listCode: [...new Set(g.path.map((p) => p.slice(p.lastIndexOf(' ') + 1)))],
          serverFlags: code.switches.map((s) => s.key),
          ...bounds,
          excerpt: g.read.key ?? g.read.api,
        },
      });
    }
    for (const s of code.switches) {
      const first = s.path[0] ?? '';
      const at = model.methodsNamed(first)[0];
      const m = at === undefined ? undefined : model.method(at);
      out.push({
        messageId: 'remote',
        data: { key: s.key, effect: EFFECT[s.sinkKind] },
        artefactId: app.artefact.id,
        location: {
          path: dexPath(m?.dex ?? 0),
          className: m?.cls ?? first,
          ...(m ? { method: m.name } : {}),
        },
        severity: 'medium',
        confidence: 'medium',
        identity: `remote|${s.key}|${first}`,
        evidence: {
          serverFlag: s.key,
          api: s.api,
          path: s.path,
          listCode: [...new Set(s.path.map((p) => p.slice(p.lastIndexOf(' ') + 1)))],
          ...bounds,
          excerpt: s.key,
        },
      });
    }
    for (const c of code.serverChoices) {
      const read = model.method(c.read.method);
      const what = c.read.key ? `${c.read.api}(${c.read.key})` : c.read.api;
      const identity = `server|${model.name(read.id)}|${what}`;
      if (seen.has(identity)) continue;
      seen.add(identity);
      out.push({
        messageId: 'server',
        data: { read: what, gate: lastMethod(c.path) },
        artefactId: app.artefact.id,
        location: { path: dexPath(read.dex), className: read.cls, method: read.name },
        severity: 'info',
        confidence: 'medium',
        tags: ['region-dependent'],
        identity,
        evidence: { className: read.cls, regionRead: what, path: c.path, ...bounds, excerpt: c.read.key ?? c.read.api },
      });
    }
    return out;
  },
});

/** The method a rendered path ends at (`call → Lcls;->name` gives `Lcls;->name`). */
function lastMethod(path: string[]): string {
  const step = path.at(-1) ?? '';
  return step.slice(step.lastIndexOf(' ') + 1);
}
