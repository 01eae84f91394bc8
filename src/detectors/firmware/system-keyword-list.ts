import { partText, rollUp } from '../../correlate/roll-up.js';
import { defineDetector, type Report } from '../define.js';
import { appsWithFindings } from '../models.js';

/**
 * A pre-installed app that carries keyword lists: the roll-up of its censorship findings. It takes the
 * highest severity of those findings and never raises it (see correlate/roll-up.ts).
 */

export default defineDetector({
  meta: {
    id: 'firmware/system-keyword-list',
    version: 2,
    input: 'firmware',
    description: 'A pre-installed system app whose own findings include keyword lists or list machinery (censorship/*), at their highest severity.',
    severity: 'high',
    confidence: 'high',
    tags: ['firmware', 'censorship'],
    messages: {
      'system-keyword-list': 'pre-installed {{label}} ({{partition}}) carries {{count}} censorship finding(s){{coverage}}; the most severe: {{top}}',
    },
  },
  detect(fw) {
    const out: Report[] = [];
    for (const { app: a, findings } of appsWithFindings(fw)) {
      const lists = findings.filter((f) => f.detectorId.startsWith('censorship/') && f.severity !== 'info');
      const r = rollUp(lists, findings);
      if (!r) continue;
      const terms = r.parts.reduce((n, p) => n + (p.termCount ?? 0), 0);
      out.push({
        messageId: 'system-keyword-list',
        data: { label: a.package ?? a.pathInPartition, partition: a.partition, count: lists.length, coverage: terms ? ` covering ${terms} listed terms` : '', top: partText(r.top, a.path) },
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
          excerpt: lists[0].message.slice(0, 200),
        },
      });
    }
    return out;
  },
});
