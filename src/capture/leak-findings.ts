import { shortHash } from '../io/hash.js';
import type { Artefact, Finding, Severity } from '../model.js';
import type { Flow } from './analyze-capture.js';
import type { Leak } from './leaks.js';

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

/** Leaks in HAR requests; over HTTPS the recipient still learns them, but nobody on the path does. */
export function harLeakFindings(leaks: Array<Leak & { host: string; entry: number; scheme: string }>, har: Artefact): Finding[] {
  return leaks.map((l) => {
    const clear = l.scheme === 'http' || l.scheme === 'ws';
    return {
      detectorId: LEAK_DETECTOR.id,
      detectorVersion: LEAK_DETECTOR.version,
      messageId: 'leak',
      severity: clear ? (l.kind.startsWith('device-') ? 'high' : (SEVERITY[l.kind] ?? 'medium')) : 'low',
      confidence: 'medium',
      tags: ['privacy', 'identifier-leak', 'network', ...(clear ? ['cleartext'] : [])],
      message: `${l.kind} sent ${clear ? 'in clear ' : ''}to ${l.host} in the ${l.field}${l.form === 'plain' ? '' : ` (${l.form})`}`,
      artefactId: har.id,
      location: { path: har.path, line: l.entry },
      evidence: { kind: l.kind, value: l.value, field: l.field, form: l.form, host: l.host, scheme: l.scheme, entry: l.entry, excerpt: l.value },
      fingerprint: shortHash(`${LEAK_DETECTOR.id}|${har.sha256}|${l.entry}|${l.kind}|${l.value}|${l.field}`, 32),
    };
  });
}
