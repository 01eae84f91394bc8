import { Type } from '@sinclair/typebox';
import { findingsOf, type PreinstalledApp } from '../../model.js';
import { defineDetector, evidence, messageData, type ReportOf } from '../define.js';
import { appsWithFindings } from '../models.js';

/** Trackers shipped in the system image: one finding per tracker, naming every app that carries it. */

const Evidence = evidence({ tracker: Type.String(), name: Type.String(), apps: Type.Array(Type.String()) });
const Data = messageData({ name: Type.String(), count: Type.Integer(), apps: Type.String() });

type Found = ReportOf<typeof Evidence, typeof Data>;

export default defineDetector({
  meta: {
    id: 'firmware/preinstalled-tracker',
    version: 1,
    input: 'firmware',
    description: 'A tracker SDK found in pre-installed apps, with every system app that carries it.',
    severity: 'medium',
    confidence: 'high',
    tags: ['firmware', 'tracker'],
    evidence: Evidence,
    data: Data,
    messages: {
      'preinstalled-tracker': '{{name}} is pre-installed in {{count}} system app(s): {{apps}}',
    },
  },
  detect(fw): Found[] {
    const trackers = new Map<string, { name: string; apps: PreinstalledApp[] }>();
    for (const { app, findings } of appsWithFindings(fw)) {
      for (const { evidence: t } of findingsOf(findings, 'trackers/code-signature')) {
        const id = t.trackerId;
        const entry = trackers.get(id) ?? { name: t.name, apps: [] };
        if (!entry.apps.includes(app)) entry.apps.push(app);
        trackers.set(id, entry);
      }
    }
    return [...trackers].map(([id, t]) => {
      const names = t.apps.map((a) => a.package ?? a.pathInPartition);
      return {
        messageId: 'preinstalled-tracker',
        data: {
          name: t.name,
          count: names.length,
          apps: `${names.slice(0, 8).join(', ')}${names.length > 8 ? '…' : ''}`,
        },
        artefactId: fw.summary.artefactId,
        location: { path: fw.summary.path },
        identity: `tracker|${id}`,
        evidence: { tracker: id, name: t.name, apps: names, excerpt: `${t.name}: ${names.length} apps` },
      };
    });
  },
});
