import { Type } from '@sinclair/typebox';
import type { Severity } from '../../model.js';
import { defineDetector, evidence, messageData, type ReportOf } from '../define.js';

/**
 * Archive shapes that Android and analysers read differently: the tricks malware uses to hide code
 * from scanners (Janus CVE-2017-13156, Master Key duplicates, overlapping entries, fake encryption).
 */

const RULES: Record<string, { severity: Severity; messageId: string }> = {
  'zip/duplicate-entry': { severity: 'medium', messageId: 'duplicate' },
  'zip/overlapping-entries': { severity: 'medium', messageId: 'overlap' },
  'zip/unsafe-entry-name': { severity: 'medium', messageId: 'unsafe-name' },
  'zip/encryption-flag': { severity: 'low', messageId: 'fake-encryption' },
};

const Evidence = evidence({
  prepended: Type.Optional(Type.Literal('dex')),
  cve: Type.Optional(Type.String()),
  anomaly: Type.Optional(Type.String()),
  detail: Type.Optional(Type.String()),
  entry: Type.Optional(Type.String()),
});
const Data = messageData({
  path: Type.String(),
  bytes: Type.Optional(Type.String()),
  entry: Type.Optional(Type.String()),
});

type Found = ReportOf<typeof Evidence, typeof Data>;

export default defineDetector({
  meta: {
    id: 'integrity/zip-anomalies',
    version: 1,
    input: 'app',
    description:
      'APK structures used to evade analysis: prepended DEX (Janus), duplicate or overlapping entries, ' +
      'path-traversal names, fake encryption flags.',
    severity: 'medium',
    confidence: 'high',
    tags: ['integrity', 'evasion'],
    evidence: Evidence,
    data: Data,
    messages: {
      janus: '{{path}} starts with a DEX file before its zip entries (Janus, CVE-2017-13156)',
      prepended: '{{path}} has {{bytes}} bytes before its first zip entry',
      duplicate: '{{path}} has more than one entry named {{entry}}',
      overlap: '{{path}}: entry {{entry}} overlaps other data',
      'unsafe-name': '{{path}}: entry name {{entry}} escapes the archive root',
      'fake-encryption': '{{path}}: entry {{entry}} is flagged as encrypted, which Android ignores',
    },
  },
  detect(app): Found[] {
    const out: Found[] = [];
    const path = app.artefact.path;
    if (app.prependedMagic === 'dex') {
      out.push({
        messageId: 'janus',
        data: { path },
        artefactId: app.artefact.id,
        location: { path, offset: 0 },
        severity: 'high',
        identity: 'janus',
        evidence: { prepended: 'dex', cve: 'CVE-2017-13156' },
      });
    } else if (app.zipAnomalies.some((a) => a.code === 'zip/prepended-data')) {
      const a = app.zipAnomalies.find((x) => x.code === 'zip/prepended-data');
      out.push({
        messageId: 'prepended',
        data: { path, bytes: a?.message ?? '' },
        artefactId: app.artefact.id,
        location: { path, offset: 0 },
        severity: 'low',
        identity: 'prepended',
        evidence: { detail: a?.message },
      });
    }
    const seen = new Set<string>();
    for (const a of app.zipAnomalies) {
      const rule = RULES[a.code];
      if (!rule) continue;
      const key = `${a.code}:${a.entry ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        messageId: rule.messageId,
        data: { path, entry: JSON.stringify(a.entry ?? '') },
        artefactId: app.artefact.id,
        location: { path, entry: a.entry },
        severity: rule.severity,
        identity: key,
        evidence: { anomaly: a.code, detail: a.message, entry: a.entry },
      });
    }
    return out;
  },
});
