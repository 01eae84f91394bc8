import { Type } from '@sinclair/typebox';
import { SeveritySchema } from '../../model.js';
import { isCensorship, partText, rollUp } from '../../correlate/roll-up.js';
import { defineDetector, evidence, messageData, type ReportOf } from '../define.js';
import { appsWithFindings } from '../models.js';

/**
 * A pre-installed app that carries keyword lists: the roll-up of its censorship findings. It takes the
 * highest severity of those findings and never raises it (see correlate/roll-up.ts).
 */

const Part = Type.Object(
  {
    detectorId: Type.String(),
    fingerprint: Type.String(),
    severity: SeveritySchema,
    path: Type.String(),
    kind: Type.Optional(Type.String()),
    termCount: Type.Optional(Type.Integer()),
    applyingCode: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
const Evidence = evidence({
  package: Type.Union([Type.String(), Type.Null()]),
  partition: Type.String(),
  path: Type.String(),
  /** Fingerprints of the rolled-up censorship findings. */
  related: Type.Array(Type.String()),
  detectors: Type.Array(Type.String()),
  lists: Type.Array(Part),
});
const Data = messageData({
  label: Type.String(),
  partition: Type.String(),
  count: Type.Integer(),
  coverage: Type.String(),
  top: Type.String(),
});

type Found = ReportOf<typeof Evidence, typeof Data>;

export default defineDetector({
  meta: {
    id: 'firmware/system-keyword-list',
    version: 2,
    input: 'firmware',
    description:
      'A pre-installed system app whose own findings include keyword lists or list machinery (censorship/*), ' +
      'at their highest severity.',
    severity: 'high',
    confidence: 'high',
    tags: ['firmware', 'censorship'],
    evidence: Evidence,
    data: Data,
    messages: {
      'system-keyword-list':
        'pre-installed {{label}} ({{partition}}) carries {{count}} censorship finding(s){{coverage}}; ' +
        'the most severe: {{top}}',
    },
  },
  detect(fw): Found[] {
    const out: Found[] = [];
    for (const { app: a, findings } of appsWithFindings(fw)) {
      const lists = findings.filter(isCensorship).filter((f) => f.severity !== 'info');
      const r = rollUp(lists, findings);
      if (!r) continue;
      const terms = r.parts.reduce((n, p) => n + (p.termCount ?? 0), 0);
      out.push({
        messageId: 'system-keyword-list',
        data: {
          label: a.package ?? a.pathInPartition,
          partition: a.partition,
          count: lists.length,
          coverage: terms ? ` covering ${terms} listed terms` : '',
          top: partText(r.top, a.path),
        },
        artefactId: a.artefactId,
        location: { path: a.path },
        severity: r.severity,
        confidence: r.confidence,
        identity: `${a.package}|lists`,
        evidence: {
          package: a.package,
          partition: a.partition,
          path: a.pathInPartition,
          related: lists.map((f) => f.fingerprint),
          detectors: [...new Set(lists.map((f) => f.detectorId))],
          lists: r.parts,
          excerpt: (lists[0]?.message ?? '').slice(0, 200),
        },
      });
    }
    return out;
  },
});
