import { Type } from '@sinclair/typebox';
import type { Severity } from '../../model.js';
import { defineDetector, evidence, messageData, type ReportOf } from '../define.js';
import type { CaptureModel, HarLeak } from '../models.js';
import type { Flow } from '../../capture/capture-model.js';
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

const Evidence = evidence({
  kind: Type.String(),
  value: Type.String(),
  /** Where in the request: url, a header name, body. */
  field: Type.String(),
  /** How the value was found: plain, percent-decoded, base64, md5-of-imei... */
  form: Type.String(),
  host: Type.String(),
  // Packet captures name the flow; HAR files the request's scheme and entry number.
  server: Type.Optional(Type.String()),
  serverPort: Type.Optional(Type.Integer()),
  client: Type.Optional(Type.String()),
  frame: Type.Optional(Type.Integer({ minimum: 1 })),
  scheme: Type.Optional(Type.String()),
  entry: Type.Optional(Type.Integer({ minimum: 1 })),
});
const Data = messageData({
  kind: Type.String(),
  clear: Type.String(),
  host: Type.String(),
  field: Type.String(),
  form: Type.String(),
});

type Found = ReportOf<typeof Evidence, typeof Data>;

export default defineDetector({
  meta: {
    id: 'network/identifier-leak',
    version: 1,
    input: 'capture',
    description:
      'Device and user identifiers (IMEI, IMSI, advertising id, e-mail, location...) sent in captured requests, ' +
      'plainly or hashed.',
    severity: 'medium',
    confidence: 'medium',
    tags: ['privacy', 'identifier-leak', 'network'],
    evidence: Evidence,
    data: Data,
    messages: {
      leak: '{{kind}} sent {{clear}}to {{host}} in the {{field}}{{form}}',
    },
  },
  detect(cap): Found[] {
    return [...cap.flows.flatMap((f) => flowLeaks(cap, f)), ...cap.harLeaks.map((l) => harLeak(cap, l))];
  },
});

function flowLeaks(cap: CaptureModel, f: Flow): Found[] {
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
    evidence: {
      kind: l.kind,
      value: l.value,
      field: l.field,
      form: l.form,
      host,
      server: f.server,
      serverPort: f.serverPort,
      client: f.client,
      frame: f.firstFrame,
      excerpt: l.value,
    },
  }));
}

/** Leaks in HAR requests; over HTTPS the recipient still learns them, but nobody on the path does. */
function harLeak(cap: CaptureModel, l: HarLeak): Found {
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
    evidence: {
      kind: l.kind,
      value: l.value,
      field: l.field,
      form: l.form,
      host: l.host,
      scheme: l.scheme,
      entry: l.entry,
      excerpt: l.value,
    },
  };
}
