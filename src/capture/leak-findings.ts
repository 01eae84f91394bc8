import { shortHash } from '../io/hash.js';
import type { Artefact, Finding, Severity } from '../model.js';
import type { Flow } from './analyze-capture.js';

/** Identifier leaks found in plaintext flows, as findings naming the flow, frame, field and form. */

export const LEAK_DETECTOR = { id: 'network/identifier-leak', version: 1 };

const SEVERITY: Record<string, Severity> = { imei: 'high', iccid: 'high', imsi: 'high', 'android-id': 'medium', 'advertising-id': 'medium', 'mac-address': 'medium', email: 'medium', 'phone-number': 'high', gps: 'high', 'serial-number': 'medium', 'installed-packages': 'medium' };

export function leakFindings(flows: Flow[], capture: Artefact): Finding[] {
  const out: Finding[] = [];
  for (const f of flows) {
    const host = f.http?.find((h) => h.host)?.host ?? f.server;
    for (const l of f.leaks ?? []) {
      out.push({
        detectorId: LEAK_DETECTOR.id,
        detectorVersion: LEAK_DETECTOR.version,
        messageId: 'leak',
        severity: l.kind.startsWith('device-') ? 'high' : (SEVERITY[l.kind] ?? 'medium'),
        confidence: l.kind.startsWith('device-') || l.kind === 'imei' || l.kind === 'iccid' ? 'high' : 'medium',
        tags: ['privacy', 'identifier-leak', 'cleartext', 'network'],
        message: `${l.kind} sent in clear to ${host} in the ${l.field}${l.form === 'plain' ? '' : ` (${l.form})`}`,
        artefactId: capture.id,
        location: { path: capture.path, frame: f.firstFrame },
        evidence: { kind: l.kind, value: l.value, field: l.field, form: l.form, host, server: f.server, serverPort: f.serverPort, client: f.client, frame: f.firstFrame, excerpt: l.value },
        fingerprint: shortHash(`${LEAK_DETECTOR.id}|${capture.sha256}|${f.client}:${f.clientPort}>${f.server}:${f.serverPort}|${l.kind}|${l.value}|${l.field}`, 32),
      });
    }
  }
  return out;
}
