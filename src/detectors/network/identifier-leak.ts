import type { Severity } from '../../model.js';
import { defineDetector, type Report } from '../define.js';
import type { CaptureModel, HarLeak } from '../models.js';
import type { Flow } from '../../capture/analyze-capture.js';
import type { Leak } from '../../capture/leaks.js';

/** Identifier leaks found in captured requests, as findings naming the flow, frame, field and form. */

const SEVERITY: Record<string, Severity> = {
  imei: 'high',
  iccid: 'high',
  imsi: 'high',
  'android-id': 'medium',
  'advertising-id': 'medium',
  'mac-address': 'medium',
  email: 'medium',
  'phone-number': 'high',
  gps: 'high',
  'serial-number': 'medium',
  'installed-packages': 'medium',
};

/** A value matching one of the audited device's own identifiers is always high. */
const severityOf = (kind: string): Severity => (kind.startsWith('device-') ? 'high' : (SEVERITY[kind] ?? 'medium'));
const formText = (l: Leak) => (l.form === 'plain' ? '' : ` (${l.form})`);

export default defineDetector({
  meta: {
    id: 'network/identifier-leak',
    version: 1,
    input: 'capture',
    description: 'Device and user identifiers (IMEI, IMSI, advertising id, e-mail, location...) sent in captured requests, plainly or hashed.',
    severity: 'medium',
    confidence: 'medium',
    tags: ['privacy', 'identifier-leak', 'network'],
    messages: {
      leak: '{{kind}} sent {{clear}}to {{host}} in the {{field}}{{form}}',
    },
  },
  detect(cap) {
    return [...cap.flows.flatMap((f) => flowLeaks(cap, f)), ...cap.harLeaks.map((l) => harLeak(cap, l))];
  },
});

function flowLeaks(cap: CaptureModel, f: Flow): Report[] {
  const host = f.http?.find((h) => h.host)?.host ?? f.server;
  return (f.leaks ?? []).map((l) => ({
    messageId: 'leak',
    data: { kind: l.kind, clear: 'in clear ', host, field: l.field, form: formText(l) },
    artefactId: cap.artefact.id,
    location: { path: cap.artefact.path, frame: f.firstFrame },
    severity: severityOf(l.kind),
    confidence: l.kind.startsWith('device-') || l.kind === 'imei' || l.kind === 'iccid' ? 'high' : 'medium',
    tags: ['privacy', 'identifier-leak', 'cleartext', 'network'],
    identity: `${f.client}:${f.clientPort}>${f.server}:${f.serverPort}|${l.kind}|${l.value}|${l.field}`,
    evidence: { kind: l.kind, value: l.value, field: l.field, form: l.form, host, server: f.server, serverPort: f.serverPort, client: f.client, frame: f.firstFrame, excerpt: l.value },
  }));
}

/** Leaks in HAR requests; over HTTPS the recipient still learns them, but nobody on the path does. */
function harLeak(cap: CaptureModel, l: HarLeak): Report {
  const clear = l.scheme === 'http' || l.scheme === 'ws';
  return {
    messageId: 'leak',
    data: { kind: l.kind, clear: clear ? 'in clear ' : '', host: l.host, field: l.field, form: formText(l) },
    artefactId: cap.artefact.id,
    location: { path: cap.artefact.path, line: l.entry },
    severity: clear ? severityOf(l.kind) : 'low',
    confidence: 'medium',
    tags: ['privacy', 'identifier-leak', 'network', ...(clear ? ['cleartext'] : [])],
    identity: `${l.entry}|${l.kind}|${l.value}|${l.field}`,
    evidence: { kind: l.kind, value: l.value, field: l.field, form: l.form, host: l.host, scheme: l.scheme, entry: l.entry, excerpt: l.value },
  };
}
