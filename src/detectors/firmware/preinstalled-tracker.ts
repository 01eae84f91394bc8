import type { PreinstalledApp } from '../../model.js';
import { defineDetector } from '../define.js';
import { appsWithFindings } from '../models.js';

/** Trackers shipped in the system image: one finding per tracker, naming every app that carries it. */

export default defineDetector({
  meta: {
    id: 'firmware/preinstalled-tracker',
    version: 1,
    input: 'firmware',
    description: 'A tracker SDK found in pre-installed apps, with every system app that carries it.',
    severity: 'medium',
    confidence: 'high',
    tags: ['firmware', 'tracker'],
    messages: {
      'preinstalled-tracker': '{{name}} is pre-installed in {{count}} system app(s): {{apps}}',
    },
  },
  detect(fw) {
    const trackers = new Map<string, { name: string; apps: PreinstalledApp[] }>();
    for (const { app, findings } of appsWithFindings(fw)) {
      for (const f of findings) {
        if (!f.detectorId.startsWith('trackers/')) continue;
        const t = f.evidence as { trackerId?: string; id?: string; name?: string };
        const id = t.trackerId ?? t.id ?? t.name ?? f.message;
        const entry = trackers.get(id) ?? { name: t.name ?? id, apps: [] };
        if (!entry.apps.includes(app)) entry.apps.push(app);
        trackers.set(id, entry);
      }
    }
    return [...trackers].map(([id, t]) => {
      const names = t.apps.map((a) => a.package ?? a.pathInPartition);
      return {
        messageId: 'preinstalled-tracker',
        data: { name: t.name, count: names.length, apps: `${names.slice(0, 8).join(', ')}${names.length > 8 ? '…' : ''}` },
        artefactId: fw.summary.artefactId,
        location: { path: fw.summary.path },
        identity: `tracker|${id}`,
        evidence: { tracker: id, name: t.name, apps: names, excerpt: `${t.name}: ${names.length} apps` },
      };
    });
  },
});
