import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { MalformedInputError } from '../io/errors.js';
import { DEFAULT_LIMITS } from '../io/limits.js';
import { MAX_HAR_ENTRIES, readHarEntry, type HarEntry, type Problems } from '../formats/net/har.js';
import type { Destination as CaptureDestination } from './capture-model.js';
import { beaconPeriod, isoTime } from './destinations.js';
import { opaqueBody } from './opaque-body.js';
import { httpRequestLeaks, type DeviceIds, type Leak } from './leaks.js';

/**
 * What a HAR says (read by `formats/net/har.ts`): destinations from request URLs and server addresses,
 * identifier leaks in requests, and response bodies (Base64 content decoded) for the keyword-list
 * detectors.
 */

export interface HarAnalysis {
  entries: number;
  /** Entries, or fields of entries, that were not what HAR 1.2 says: each skipped, the rest kept. */
  problems: Array<{ code: string; message: string }>;
  destinations: CaptureDestination[];
  leaks: Array<Leak & { host: string; entry: number; scheme: string }>;
  responses: Array<{ entry: number; url: string; text: string }>;
}

/** A HAR's outline; each entry is then read on its own (`readHarEntry`), a bad one skipped. */
const HarLog = Type.Object({ log: Type.Object({ entries: Type.Array(Type.Unknown()) }) });

/** `maxBody`: characters of a request or response body read (capture.maxHttpBodyBytes, as for captures). */
export function analyzeHar(
  json: string,
  device: DeviceIds = {},
  maxBody = DEFAULT_LIMITS.capture.maxHttpBodyBytes,
): HarAnalysis {
  const MAX_BODY = maxBody;
  let data: unknown;
  try {
    data = JSON.parse(json) as unknown;
  } catch (err) {
    throw new MalformedInputError('har/bad-json', (err as Error).message);
  }
  if (!Value.Check(HarLog, data)) throw new MalformedInputError('har/no-entries', 'not a HAR file: no log.entries');
  const entries = data.log.entries;
  const by = new Map<
    string,
    {
      d: HarAnalysis['destinations'][number];
      starts: number[];
      connections: Set<string>;
      encrypted: number;
      encryption: Set<string>;
    }
  >();
  const leaks: HarAnalysis['leaks'] = [];
  const responses: HarAnalysis['responses'] = [];
  const problems: Problems = new Map();
  entries.slice(0, MAX_HAR_ENTRIES).forEach((rawEntry, i) => {
    const e = readHarEntry(rawEntry, i, problems);
    if (!e) return;
    try {
      addEntry(e, i);
    } catch (err) {
      // The last net for one entry: whatever it is, the other entries still count.
      const p = problems.get('har/bad-entry');
      if (p) p.count++;
      else problems.set('har/bad-entry', { count: 1, first: `entry ${i + 1}: ${(err as Error).message}` });
    }
  });
  /** A body over the limit is read up to it; the first such body is named, the others counted. */
  function bodyCut(i: number, which: string, length: number): void {
    const p = problems.get('limit/har-body');
    if (p) p.count++;
    else
      problems.set('limit/har-body', {
        count: 1,
        first:
          `entry ${i + 1}: the ${which} body of ${length} characters is read up to the limit ` +
          `capture.maxHttpBodyBytes ${MAX_BODY}`,
      });
  }
  function addEntry(e: HarEntry, i: number): void {
    let url: URL;
    try {
      url = new URL(e.request?.url ?? '');
    } catch {
      return;
    }
    const host = url.hostname.toLowerCase();
    const up = Math.max(0, e.request?.headersSize ?? 0) + Math.max(0, e.request?.bodySize ?? 0);
    const down =
      Math.max(0, e.response?.headersSize ?? 0) + Math.max(0, e.response?.bodySize ?? e.response?.content?.size ?? 0);
    const ts = e.startedDateTime ? Date.parse(e.startedDateTime) / 1000 : NaN;
    let x = by.get(host);
    if (!x) {
      x = {
        d: {
          host,
          ips: [],
          ports: [],
          protocols: [],
          bytesUp: 0,
          bytesDown: 0,
          connections: 0,
          firstSeen: '',
          lastSeen: '',
          periodSeconds: null,
          encryptedShare: 0,
          nameSource: 'http',
          apps: [],
          sampleFrames: [],
        },
        starts: [],
        connections: new Set(),
        encrypted: 0,
        encryption: new Set(),
      };
      by.set(host, x);
    }
    const d = x.d;
    if (e.serverIPAddress && !d.ips.includes(e.serverIPAddress.replace(/^\[|\]$/g, '')))
      d.ips.push(e.serverIPAddress.replace(/^\[|\]$/g, ''));
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
    const post = e.request?.postData?.text ?? '';
    if (post.length > MAX_BODY) bodyCut(i, 'request', post.length);
    const headers = (e.request?.headers ?? []).map((h) => `${h.name}: ${h.value}`).join('\r\n');
    const requestLine = `${e.request?.method ?? 'GET'} ${url.pathname}${url.search} HTTP/1.1`;
    const raw = `${requestLine}\r\n${headers}\r\n\r\n${post.slice(0, MAX_BODY)}`;
    for (const l of httpRequestLeaks(raw, device)) leaks.push({ ...l, host, entry: i + 1, scheme: proto });
    // An opaque body inside a decrypted HTTPS exchange is encryption by the app itself: say so.
    const opaque = opaqueBody(raw);
    if (opaque) x.encryption.add(`opaque-${opaque}`);
    if (proto === 'https' || proto === 'wss' || opaque) x.encrypted += up + down;
    const content = e.response?.content;
    if (content?.text) {
      const limit = content.encoding === 'base64' ? MAX_BODY * 2 : MAX_BODY;
      if (content.text.length > limit) bodyCut(i, 'response', content.text.length);
      const text =
        content.encoding === 'base64'
          ? Buffer.from(content.text.slice(0, MAX_BODY * 2), 'base64').toString('utf8')
          : content.text.slice(0, MAX_BODY);
      responses.push({ entry: i + 1, url: url.toString(), text });
    }
  }
  const destinations = [...by.values()].map(({ d, starts, connections, encrypted, encryption }) => {
    const sorted = starts.sort((a, b) => a - b);
    return {
      ...d,
      ...(encryption.size ? { encryption: [...encryption].sort() } : {}),
      connections: connections.size,
      firstSeen: sorted.length ? isoTime(sorted[0] as number) : '',
      lastSeen: sorted.length ? isoTime(sorted[sorted.length - 1] as number) : '',
      periodSeconds: beaconPeriod(sorted),
      encryptedShare:
        d.bytesUp + d.bytesDown
          ? Math.round((1000 * encrypted) / (d.bytesUp + d.bytesDown)) / 1000
          : d.protocols.every((p) => p === 'https')
            ? 1
            : 0,
    };
  });
  destinations.sort((a, b) => b.bytesUp + b.bytesDown - (a.bytesUp + a.bytesDown));
  const problemList = [...problems].map(([key, p]) => ({
    code: key.split(' ')[0] as string,
    message: p.count > 1 ? `${p.first} (and ${p.count - 1} more like it)` : p.first,
  }));
  if (entries.length > MAX_HAR_ENTRIES)
    problemList.push({
      code: 'limit/har-entries',
      message: `${entries.length - MAX_HAR_ENTRIES} entries past the first ${MAX_HAR_ENTRIES} not read`,
    });
  return { entries: entries.length, problems: problemList, destinations, leaks, responses };
}
