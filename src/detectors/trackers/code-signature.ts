import { Type } from '@sinclair/typebox';
import { definedClassNames, exodusClassNames } from '../../formats/dex-queries.js';
import { defineDetector, evidence, messageData, type ReportOf } from '../define.js';
import { matchesPrefix } from '../../trackers/trackers.js';

/**
 * Tracker SDKs found by class names. Built-in signatures are package prefixes matched against the
 * classes the app defines; Exodus signatures are regular expressions matched the way Exodus matches them.
 */

const MAX_MATCHED_CLASSES = 25;

const Evidence = evidence({
  trackerId: Type.String(),
  name: Type.String(),
  source: Type.Union([Type.Literal('builtin'), Type.Literal('exodus')]),
  categories: Type.Array(Type.String()),
  website: Type.Optional(Type.String()),
  matchedClasses: Type.Array(Type.String()),
  matchedClassCount: Type.Integer({ minimum: 1 }),
});
const Data = messageData({
  name: Type.String(),
  categories: Type.String(),
  package: Type.String(),
  count: Type.Integer(),
});

type Found = ReportOf<typeof Evidence, typeof Data>;

export default defineDetector({
  meta: {
    id: 'trackers/code-signature',
    version: 2,
    input: 'app',
    description: 'Analytics, advertising, push and crash-reporting SDKs identified by the classes they ship.',
    severity: 'low',
    confidence: 'high',
    tags: ['tracker'],
    evidence: Evidence,
    data: Data,
    messages: { tracker: '{{name}} ({{categories}}) in {{package}}: {{count}} matching classes' },
  },
  detect(app, ctx): Found[] {
    if (app.dexes.length === 0) return [];
    const exodus = ctx.trackers.signatures.some((s) => s.source === 'exodus');
    const names = new Set<string>();
    for (const { dex } of app.dexes) {
      for (const n of exodus ? exodusClassNames(dex) : definedClassNames(dex)) names.add(n);
    }
    const sorted = [...names].sort();
    const out: Found[] = [];
    for (const sig of ctx.trackers.signatures) {
      const matched: string[] = [];
      let count = 0;
      const visit = (n: string) => {
        count++;
        if (matched.length < MAX_MATCHED_CLASSES) matched.push(n.replace(/\//g, '.'));
      };
      if (sig.prefixes) {
        // Prefix signatures: binary-search each prefix in the sorted names instead of testing every class.
        const hits = new Set<string>();
        for (const p of sig.prefixes)
          for (let i = lowerBound(sorted, p), n = sorted[i]; n?.startsWith(p); n = sorted[++i])
            if (matchesPrefix(n, p)) hits.add(n);
        [...hits].sort().forEach(visit);
      } else {
        for (const n of sorted) if (sig.matchClass(n)) visit(n);
      }
      if (count === 0) continue;
      out.push({
        messageId: 'tracker',
        data: {
          name: sig.name,
          categories: sig.categories.join(', ') || 'uncategorised',
          package: app.manifest?.package ?? app.artefact.path,
          count,
        },
        artefactId: app.artefact.id,
        location: { path: app.artefact.path, className: matched[0] },
        tags: ['tracker', ...sig.categories.map((c) => c.replace(/\s+/g, '-'))],
        identity: sig.id,
        evidence: {
          trackerId: sig.id,
          name: sig.name,
          source: sig.source,
          categories: sig.categories,
          website: sig.website,
          matchedClasses: matched,
          matchedClassCount: count,
        },
      });
    }
    return out;
  },
});

function lowerBound(sorted: string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? key) < key)
      lo = mid + 1; // lo <= mid < hi <= sorted.length
    else hi = mid;
  }
  return lo;
}
