import { defineDetector, type Report } from '../define.js';
import { appsWithFindings } from '../models.js';

/** A pre-installed app that carries keyword lists: the roll-up of its censorship findings. */

export default defineDetector({
  meta: {
    id: 'firmware/system-keyword-list',
    version: 1,
    input: 'firmware',
    description: 'A pre-installed system app whose own findings include keyword lists or list machinery (censorship/*).',
    severity: 'high',
    confidence: 'high',
    tags: ['firmware', 'censorship'],
    messages: {
      'system-keyword-list': 'pre-installed {{label}} ({{partition}}) carries {{count}} censorship finding(s){{coverage}}',
    },
  },
  detect(fw) {
    const out: Report[] = [];
    for (const { app: a, findings } of appsWithFindings(fw)) {
      const lists = findings.filter((f) => f.detectorId.startsWith('censorship/') && f.severity !== 'info');
      if (!lists.length) continue;
      const terms = lists.reduce((n, f) => n + (Number((f.evidence as { termCount?: number }).termCount) || 0), 0);
      out.push({
        messageId: 'system-keyword-list',
        data: { label: a.package ?? a.pathInPartition, partition: a.partition, count: lists.length, coverage: terms ? ` covering ${terms} listed terms` : '' },
        artefactId: a.artefactId,
        location: { path: a.path },
        identity: `${a.package}|lists`,
        evidence: { package: a.package, partition: a.partition, path: a.pathInPartition, related: lists.map((f) => f.fingerprint), detectors: [...new Set(lists.map((f) => f.detectorId))], excerpt: lists[0].message.slice(0, 200) },
      });
    }
    return out;
  },
});
