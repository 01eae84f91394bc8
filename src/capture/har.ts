import { MalformedInputError } from '../io/errors.js';
import { beaconPeriod, opaqueBody, type Destination as CaptureDestination } from './analyze-capture.js';
import { httpRequestLeaks, type DeviceIds, type Leak } from './leaks.js';

/**
 * HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), as browsers, mitmproxy and Charles write
 * it: destinations from request URLs and server addresses, identifier leaks in requests, and response
 * bodies (Base64 content decoded) for the keyword-list detectors.
 */

interface HarEntry {
  startedDateTime?: string;
  serverIPAddress?: string;
  connection?: string;
  request?: { method?: string; url?: string; headers?: Array<{ name: string; value: string }>; postData?: { text?: string }; headersSize?: number; bodySize?: number };
  response?: { status?: number; headers?: Array<{ name: string; value: string }>; content?: { text?: string; encoding?: string; mimeType?: string; size?: number }; headersSize?: number; bodySize?: number };
}

export interface HarAnalysis {
  entries: number;
  destinations: CaptureDestination[];
  leaks: Array<Leak & { host: string; entry: number; scheme: string }>;
  responses: Array<{ entry: number; url: string; text: string }>;
}

export function looksLikeHar(head: string): boolean {
  return /^\s*\{[\s\S]{0,200}"log"\s*:/.test(head);
}

const MAX_ENTRIES = 200_000;
const MAX_BODY = 8 * 1024 * 1024;

export function analyzeHar(json: string, device: DeviceIds = {}): HarAnalysis {
  let data: { log?: { entries?: HarEntry[] } };
  try {
    data = JSON.parse(json);
  } catch (err) {
    throw new MalformedInputError('har/bad-json', (err as Error).message);
  }
  const entries = data?.log?.entries;
  if (!Array.isArray(entries)) throw new MalformedInputError('har/no-entries', 'not a HAR file: no log.entries');
  const by = new Map<string, { d: HarAnalysis['destinations'][number]; starts: number[]; connections: Set<string>; encrypted: number; encryption: Set<string> }>();
  const leaks: HarAnalysis['leaks'] = [];
  const responses: HarAnalysis['responses'] = [];
  entries.slice(0, MAX_ENTRIES).forEach((e, i) => {
    let url: URL;
    try {
      url = new URL(e.request?.url ?? '');
    } catch {
      return;
    }
    const host = url.hostname.toLowerCase();
    const up = Math.max(0, e.request?.headersSize ?? 0) + Math.max(0, e.request?.bodySize ?? 0);
    const down = Math.max(0, e.response?.headersSize ?? 0) + Math.max(0, e.response?.bodySize ?? e.response?.content?.size ?? 0);
    const ts = e.startedDateTime ? Date.parse(e.startedDateTime) / 1000 : NaN;
    let x = by.get(host);
    if (!x) {
      x = { d: { host, ips: [], ports: [], protocols: [], bytesUp: 0, bytesDown: 0, connections: 0, firstSeen: '', lastSeen: '', periodSeconds: null, encryptedShare: 0, nameSource: 'http', apps: [], sampleFrames: [] }, starts: [], connections: new Set(), encrypted: 0, encryption: new Set() };
      by.set(host, x);
    }
    const d = x.d;
    if (e.serverIPAddress && !d.ips.includes(e.serverIPAddress.replace(/^\[|\]$/g, ''))) d.ips.push(e.serverIPAddress.replace(/^\[|\]$/g, ''));
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    if (!d.ports.includes(port)) d.ports.push(port);
    const proto = url.protocol.replace(':', '');
    if (!d.protocols.includes(proto)) d.protocols.push(proto);
    d.bytesUp += up;
    d.bytesDown += down;
    if (proto === 'https' || proto === 'wss') x.encryption.add('tls');
    x.connections.add(e.connection ?? `entry-${i}`);
    if (Number.isFinite(ts)) x.starts.push(ts);
    if (d.sampleFrames.length < 5) d.sampleFrames.push(i + 1);
    const raw = `${e.request?.method ?? 'GET'} ${url.pathname}${url.search} HTTP/1.1\r\n${(e.request?.headers ?? []).map((h) => `${h.name}: ${h.value}`).join('\r\n')}\r\n\r\n${(e.request?.postData?.text ?? '').slice(0, MAX_BODY)}`;
    for (const l of httpRequestLeaks(raw, device)) leaks.push({ ...l, host, entry: i + 1, scheme: proto });
    // An opaque body inside a decrypted HTTPS exchange is encryption by the app itself: say so.
    const opaque = opaqueBody(raw);
    if (opaque) x.encryption.add(`opaque-${opaque}`);
    if (proto === 'https' || proto === 'wss' || opaque) x.encrypted += up + down;
    const content = e.response?.content;
    if (content?.text) {
      const text = content.encoding === 'base64' ? Buffer.from(content.text.slice(0, MAX_BODY * 2), 'base64').toString('utf8') : content.text.slice(0, MAX_BODY);
      responses.push({ entry: i + 1, url: url.toString(), text });
    }
  });
  const destinations = [...by.values()].map(({ d, starts, connections, encrypted, encryption }) => {
    const sorted = starts.sort((a, b) => a - b);
    return {
      ...d,
      ...(encryption.size ? { encryption: [...encryption].sort() } : {}),
      connections: connections.size,
      firstSeen: sorted.length ? new Date(sorted[0] * 1000).toISOString() : '',
      lastSeen: sorted.length ? new Date(sorted[sorted.length - 1] * 1000).toISOString() : '',
      periodSeconds: beaconPeriod(sorted),
      encryptedShare: d.bytesUp + d.bytesDown ? Math.round((1000 * encrypted) / (d.bytesUp + d.bytesDown)) / 1000 : d.protocols.every((p) => p === 'https') ? 1 : 0,
    };
  });
  destinations.sort((a, b) => b.bytesUp + b.bytesDown - (a.bytesUp + a.bytesDown));
  return { entries: entries.length, destinations, leaks, responses };
}
