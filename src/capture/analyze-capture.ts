import type { ByteSource } from '../io/byte-source.js';
import { DEFAULT_LIMITS, type Limits } from '../io/limits.js';
import type { Destination as ModelDestination } from '../model.js';
import { parseDns } from './dns.js';
import { FragmentReassembler, decodePacket, type DecodeFailure, type Segment } from './packets.js';
import { readCapture, type CaptureProblem } from './pcap.js';
import { ja4, parseClientHello, parseHttpRequests } from './tls.js';
import { parseHttpResponses } from './http.js';
import { httpRequestLeaks, type DeviceIds, type Leak } from './leaks.js';
import { cryptoStream, quicInitialCrypto } from './quic.js';

/**
 * Turns a capture into flows and destinations: per 5-tuple the bytes each way, timing, and the first
 * bytes of each direction (enough for a TLS ClientHello or HTTP request headers); then names for each
 * server from SNI, HTTP Host, DNS answers or name-resolution blocks; then per destination the totals,
 * connection count, cadence and encrypted share. Memory is bounded per flow and in flow count.
 */

export interface Flow {
  proto: 'tcp' | 'udp';
  client: string;
  clientPort: number;
  server: string;
  serverPort: number;
  firstFrame: number;
  firstSeen: number;
  lastSeen: number;
  bytesUp: number;
  bytesDown: number;
  packets: number;
  sni?: string;
  alpn?: string[];
  ja3?: string;
  ja4?: string;
  http?: Array<{ method: string; host: string | null; path: string }>;
  /** Identifiers found in the plaintext the client sent. */
  leaks?: Leak[];
  /** The app that made the connection, from PCAPdroid's per-packet trailer (name, and UID). */
  app?: string;
  protocol: string;
  encrypted: boolean;
  /** Plain HTTP whose request bodies are opaque (high-entropy bytes, raw or Base64): likely encrypted. */
  opaque?: 'http-body' | 'http-body-base64';
}

/** A destination as one capture sees it; the scan adds the country and the artefact. `apps` holds the
 * apps a PCAPdroid capture attributes the connections to; the scan adds the apps that name the host. */
export type Destination = Omit<ModelDestination, 'country' | 'artefactId'>;

const PCAPDROID_TRAILER_MAGIC = 0x01072021;
const PCAPDROID_TRAILER_SIZE = 32;

/** PCAPdroid appends {magic, uid, app name[20], fcs} to each Ethernet frame it writes. */
function pcapdroidApp(linkType: number, data: Buffer): string | null {
  if (linkType !== 1 || data.length < 14 + 20 + PCAPDROID_TRAILER_SIZE) return null;
  const t = data.length - PCAPDROID_TRAILER_SIZE;
  if (data.readUInt32BE(t) !== PCAPDROID_TRAILER_MAGIC) return null;
  const uid = data.readInt32BE(t + 4);
  const name = data.toString('utf8', t + 8, t + 28).replace(/\0.*$/s, '');
  return name ? `${name} (uid ${uid})` : `uid ${uid}`;
}

export interface HttpBody {
  frame: number;
  host: string;
  path: string;
  contentType: string;
  text: string;
  encodings: string[];
}

export interface CaptureAnalysis {
  /** Decoded bodies of plaintext HTTP responses, for the keyword-list detectors. */
  responses: HttpBody[];
  packets: number;
  flows: Flow[];
  destinations: Destination[];
  dnsQueries: string[];
  problems: CaptureProblem[];
  skipped: Record<DecodeFailure, number>;
}

/** DNS, multicast DNS and LLMNR share the DNS message format. */
const DNS_PORTS = new Set([53, 5353, 5355]);
/** A flow silent this long (capture time) is settled: its retained bytes are parsed and released. */
const IDLE_SECONDS = 120;

interface FlowState extends Flow {
  up: Buffer[];
  upLen: number;
  nextSeq?: number;
  /** Client segments that arrived ahead of the next expected sequence number. */
  ahead?: Array<{ seq: number; data: Buffer }>;
  /** CRYPTO frames from the client's QUIC Initial packets, by offset. */
  quic?: Array<[number, Buffer]>;
  /** For plaintext HTTP flows: the server's first bytes, in order (responses are checked for lists). */
  down?: FlowState['up'];
  downLen?: number;
  downSeq?: number;
  downAhead?: Array<{ seq: number; data: Buffer }>;
  /** Directions that sent FIN or RST (bit 1 client, bit 2 server). */
  closed?: number;
  /** The retained bytes were parsed and released; later payload is not kept. */
  settled?: boolean;
}

export function analyzeCapture(
  src: ByteSource,
  device: DeviceIds = {},
  limits: Limits['capture'] = DEFAULT_LIMITS.capture,
): CaptureAnalysis {
  const problems: CaptureProblem[] = [];
  const PREFIX_BYTES = limits.maxFlowBytes;
  const MAX_RETAINED = limits.maxRetainedBytes;
  let flowsDropped = 0;
  const names = new Map<string, string>();
  const flows = new Map<string, FlowState>();
  const ipToName = new Map<string, string>();
  const dnsQueries = new Set<string>();
  const skipped: Record<DecodeFailure, number> = {
    link: 0,
    'encrypted-link': 0,
    ip: 0,
    fragment: 0,
    transport: 0,
    'other-protocol': 0,
  };
  let packets = 0;
  let retained = 0;
  const fragments = new FragmentReassembler();
  const responses: HttpBody[] = [];
  const bodyCuts = { count: 0, first: '' };
  const bodyCut = (message: string) => {
    if (bodyCuts.count++ === 0) bodyCuts.first = message;
  };

  /**
   * Parses what a flow retained (TLS or QUIC ClientHello, HTTP requests and responses, identifiers) into
   * its summary and releases the bytes, so a long capture holds bytes only for the flows still open.
   */
  function settle(f: FlowState): void {
    const prefix = Buffer.concat(f.up);
    const quicHello = f.quic?.length ? cryptoStream(f.quic) : null;
    let hello = f.proto === 'tcp' ? parseClientHello(prefix) : quicHello ? parseClientHello(quicHello) : null;
    const http = f.proto === 'tcp' && !hello ? parseHttpRequests(prefix) : [];
    // Through an HTTP proxy, the TLS handshake follows the CONNECT request in the same stream.
    if (!hello && http[0]?.method === 'CONNECT') {
      const end = prefix.indexOf('\r\n\r\n');
      if (end >= 0) hello = parseClientHello(prefix.subarray(end + 4));
    }
    if (f.down?.length) {
      const host = http.find((h) => h.host)?.host ?? f.server;
      for (const r of parseHttpResponses(Buffer.concat(f.down), 50, limits.maxHttpBodyBytes, bodyCut)) {
        if (responses.length < 1000) responses.push({ frame: f.firstFrame, host, path: http[0]?.path ?? '/', ...r });
      }
    }
    if (hello)
      Object.assign(f, {
        sni: hello.sni ?? undefined,
        alpn: hello.alpn,
        ja3: hello.ja3Hash,
        ja4: f.proto === 'udp' ? ja4('q', hello.ja4Parts) : hello.ja4,
        protocol: f.proto === 'udp' ? 'quic' : 'tls',
        encrypted: true,
        ...(http.length ? { http } : {}),
      });
    else if (http.length) {
      // Each request of the stream, split at its start line, checked for identifiers.
      const text = prefix.toString('latin1');
      const starts = [
        ...text.matchAll(/(?:^|\r\n)(?=(?:GET|POST|PUT|HEAD|DELETE|OPTIONS|PATCH) \S+ HTTP\/1\.[01]\r\n)/g),
      ].map((m) => (m.index === 0 ? 0 : (m.index ?? 0) + 2));
      const requests = starts.map((st, i) => text.slice(st, starts[i + 1] ?? text.length));
      const leaks = requests.flatMap((r) => httpRequestLeaks(r, device));
      const opaque = requests.map(opaqueBody).find((o) => o !== null) ?? null;
      Object.assign(f, { http, protocol: 'http', ...(leaks.length ? { leaks } : {}), ...(opaque ? { opaque } : {}) });
    } else if (
      f.proto === 'udp' &&
      (f.serverPort === 443 || f.clientPort === 443) &&
      prefix.length > 0 &&
      (prefix[0] & 0x80) !== 0
    )
      Object.assign(f, { protocol: 'quic', encrypted: true });
    else if (DNS_PORTS.has(f.serverPort)) f.protocol = 'dns';
    else if (f.serverPort === 853) Object.assign(f, { protocol: 'dot', encrypted: true });
    retained -= f.upLen + (f.downLen ?? 0);
    f.up = [];
    f.upLen = 0;
    f.quic = undefined;
    f.ahead = undefined;
    f.down = undefined;
    f.downLen = 0;
    f.downAhead = undefined;
    f.settled = true;
  }
  for (const pkt of readCapture(src, problems, names)) {
    packets++;
    const decoded = decodePacket(pkt.linkType, pkt.data);
    let seg: Segment | DecodeFailure | null;
    if (typeof decoded !== 'string' && 'key' in decoded) {
      seg = fragments.add(decoded);
      if (seg === null) continue;
    } else seg = decoded;
    if (typeof seg === 'string') {
      skipped[seg]++;
      continue;
    }
    if (seg.proto === 'udp' && (DNS_PORTS.has(seg.sport) || DNS_PORTS.has(seg.dport))) {
      const msg = parseDns(seg.payload);
      if (msg) {
        if (!msg.response) msg.questions.forEach((q) => dnsQueries.add(q));
        for (const a of msg.answers)
          if (a.type !== 'CNAME' && ipToName.size < 500_000) ipToName.set(a.value, msg.questions[0] ?? a.name);
      }
    }
    let flow = flows.get(`${seg.proto} ${seg.src}:${seg.sport} ${seg.dst}:${seg.dport}`);
    let upward = true;
    if (!flow) {
      flow = flows.get(`${seg.proto} ${seg.dst}:${seg.dport} ${seg.src}:${seg.sport}`);
      upward = false;
    }
    if (!flow) {
      if (flows.size >= limits.maxFlows) {
        // Said once at the end, with the count: a report never covers fewer flows in silence.
        flowsDropped++;
        continue;
      }
      // The side that speaks first (or sends the bare SYN) is the client; a first packet seen from a
      // well-known port to an ephemeral one is a reply whose request was not captured.
      const isReply =
        (seg.proto === 'tcp' && seg.syn && seg.ack) ||
        (!(seg.proto === 'tcp' && seg.syn) && seg.sport < 1024 && seg.dport >= 1024);
      const [client, cport, server, sport] = isReply
        ? [seg.dst, seg.dport, seg.src, seg.sport]
        : [seg.src, seg.sport, seg.dst, seg.dport];
      flow = {
        proto: seg.proto,
        client,
        clientPort: cport,
        server,
        serverPort: sport,
        firstFrame: pkt.frame,
        firstSeen: pkt.ts,
        lastSeen: pkt.ts,
        bytesUp: 0,
        bytesDown: 0,
        packets: 0,
        protocol: seg.proto,
        encrypted: false,
        up: [],
        upLen: 0,
      };
      flows.set(`${seg.proto} ${client}:${cport} ${server}:${sport}`, flow);
      upward = seg.src === client && seg.sport === cport;
    }
    flow.packets++;
    flow.lastSeen = Math.max(flow.lastSeen, pkt.ts);
    // Every few thousand packets, flows idle for two minutes of capture time are settled.
    if (packets % 4096 === 0)
      for (const g of flows.values()) if (!g.settled && pkt.ts - g.lastSeen > IDLE_SECONDS) settle(g);
    if (!flow.app) {
      const app = pkt.app ?? pcapdroidApp(pkt.linkType, pkt.data);
      if (app) flow.app = app;
    }
    if (upward) {
      flow.bytesUp += seg.length;
      // Keep the client's first bytes in order (TCP by sequence number, duplicates dropped).
      // QUIC: decrypt the client's Initial packets while the ClientHello may still be incomplete.
      if (seg.proto === 'udp' && seg.payload.length > 20 && seg.payload[0] & 0x80 && (flow.quic?.length ?? 0) < 16) {
        const init = quicInitialCrypto(seg.payload);
        if (init) (flow.quic ??= []).push(...init.chunks);
      }
      if (seg.payload.length && !flow.settled && flow.upLen < PREFIX_BYTES && retained < MAX_RETAINED) {
        const before = flow.upLen;
        if (seg.proto === 'udp') {
          if (flow.up.length === 0)
            (flow.up.push(Buffer.from(seg.payload.subarray(0, PREFIX_BYTES))),
              (flow.upLen = Math.min(PREFIX_BYTES, seg.payload.length)));
        } else {
          appendInOrder(flow, seg.seq ?? 0, seg.payload, 'up', PREFIX_BYTES);
        }
        retained += flow.upLen - before;
      }
      if (seg.proto === 'tcp' && seg.syn && !seg.ack) flow.nextSeq = ((seg.seq ?? 0) + 1) >>> 0;
    } else {
      flow.bytesDown += seg.length;
      // Keep the server's bytes only where the client spoke plaintext HTTP: lists can arrive that way.
      if (
        seg.proto === 'tcp' &&
        seg.payload.length &&
        !flow.settled &&
        retained < MAX_RETAINED &&
        isHttpStart(flow.up[0])
      ) {
        const before = flow.downLen ?? 0;
        appendInOrder(flow, seg.seq ?? 0, seg.payload, 'down');
        retained += (flow.downLen ?? 0) - before;
      }
    }
    // Both sides said FIN (or one said RST): the connection is over, its bytes can be parsed and released.
    if (seg.proto === 'tcp' && (seg.fin || seg.rst)) {
      flow.closed = seg.rst ? 3 : (flow.closed ?? 0) | (upward ? 1 : 2);
      if (flow.closed === 3 && !flow.settled) settle(flow);
    }
  }
  const out: Flow[] = [];
  for (const f of flows.values()) {
    if (!f.settled) settle(f);
    const {
      up: _up,
      upLen: _upLen,
      nextSeq: _nextSeq,
      quic: _quic,
      ahead: _ahead,
      down: _down,
      downLen: _downLen,
      downSeq: _downSeq,
      downAhead: _downAhead,
      closed: _closed,
      settled: _settled,
      ...flow
    } = f;
    out.push(flow);
  }
  out.sort((a, b) => a.firstFrame - b.firstFrame);
  if (fragments.dropped)
    problems.push({
      code: 'capture/fragments-dropped',
      message: `${fragments.dropped} fragmented datagrams could not be reassembled within the limits`,
    });
  // Packets a reader of the report would otherwise assume were analysed.
  if (skipped['encrypted-link']) {
    problems.push({
      code: 'capture/encrypted-wifi',
      message: `${skipped['encrypted-link']} of ${packets} packets are WPA-protected 802.11 frames and were not analysed; decrypt the capture with the network key (e.g. Wireshark's "Export Specified Packets" after adding the key) and scan it again`,
    });
  }
  if (skipped.link) {
    problems.push({
      code: 'capture/unsupported-link',
      message: `${skipped.link} of ${packets} packets have a link-layer type or header Candor does not decode and were not analysed`,
    });
  }
  if (bodyCuts.count > 0)
    problems.push({
      code: 'limit/http-body',
      message: `${bodyCuts.count} HTTP response bodies over the limit capture.maxHttpBodyBytes ${limits.maxHttpBodyBytes}, e.g. ${bodyCuts.first}`,
    });
  if (flowsDropped > 0)
    problems.push({
      code: 'limit/capture-flows',
      message: `${flowsDropped} packets of flows past the limit capture.maxFlows ${limits.maxFlows} counted in no flow`,
    });
  return {
    responses,
    packets,
    flows: out,
    destinations: destinations(out, ipToName, names),
    dnsQueries: [...dnsQueries].sort(),
    problems,
    skipped,
  };
}

function destinations(flows: Flow[], ipToName: Map<string, string>, names: Map<string, string>): Destination[] {
  // Sets and running min/max: a capture can hold thousands of connections to one host.
  const by = new Map<
    string,
    {
      d: Destination;
      starts: number[];
      encrypted: number;
      first: number;
      last: number;
      ips: Set<string>;
      ports: Set<number>;
      protocols: Set<string>;
      apps: Set<string>;
      encryption: Set<string>;
    }
  >();
  for (const f of flows) {
    if (f.protocol === 'dns' && f.serverPort !== 53) continue;
    const httpHost = f.http?.find((h) => h.host)?.host ?? undefined;
    const [host, nameSource]: [string, Destination['nameSource']] = f.sni
      ? [f.sni, 'sni']
      : httpHost
        ? [httpHost, 'http']
        : ipToName.has(f.server)
          ? [ipToName.get(f.server) as string, 'dns']
          : names.has(f.server)
            ? [names.get(f.server) as string, 'capture-names']
            : [f.server, 'ip'];
    let e = by.get(host);
    if (!e) {
      const d: Destination = {
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
        nameSource,
        apps: [],
        sampleFrames: [],
      };
      e = {
        d,
        starts: [],
        encrypted: 0,
        first: Infinity,
        last: -Infinity,
        ips: new Set(),
        ports: new Set(),
        protocols: new Set(),
        apps: new Set(),
        encryption: new Set(),
      };
      by.set(host, e);
    }
    const d = e.d;
    e.ips.add(f.server);
    e.ports.add(f.serverPort);
    e.protocols.add(f.protocol);
    if (f.app) e.apps.add(f.app);
    d.bytesUp += f.bytesUp;
    d.bytesDown += f.bytesDown;
    d.connections++;
    if (d.sampleFrames.length < 5) d.sampleFrames.push(f.firstFrame);
    e.starts.push(f.firstSeen);
    if (f.encrypted || f.opaque) e.encrypted += f.bytesUp + f.bytesDown;
    if (f.encrypted) e.encryption.add(f.protocol);
    if (f.opaque) e.encryption.add(`opaque-${f.opaque}`);
    e.first = Math.min(e.first, f.firstSeen);
    e.last = Math.max(e.last, f.lastSeen);
  }
  const out: Destination[] = [];
  for (const { d, starts, encrypted, first, last, ips, ports, protocols, apps, encryption } of by.values()) {
    if (encryption.size) d.encryption = [...encryption].sort();
    d.ips = [...ips];
    d.ports = [...ports];
    d.protocols = [...protocols];
    d.apps = [...apps];
    d.firstSeen = isoTime(first);
    d.lastSeen = isoTime(last);
    d.encryptedShare = d.bytesUp + d.bytesDown ? Math.round((1000 * encrypted) / (d.bytesUp + d.bytesDown)) / 1000 : 0;
    d.periodSeconds = beaconPeriod(starts);
    out.push(d);
  }
  return out.sort((a, b) => b.bytesUp + b.bytesDown - (a.bytesUp + a.bytesDown));
}

/**
 * Whether an HTTP request's body looks encrypted: at least 64 bytes whose byte entropy is near the
 * maximum for their length, either raw or after Base64 decoding (how SDKs often post ciphertext).
 * JSON, form fields and text stay well below.
 */
export function opaqueBody(request: string): 'http-body' | 'http-body-base64' | null {
  const at = request.indexOf('\r\n\r\n');
  if (at < 0) return null;
  const body = Buffer.from(request.slice(at + 4), 'latin1');
  if (body.length < 64) return null;
  if (highEntropy(body)) return 'http-body';
  const text = body.toString('latin1').trim();
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    const decoded = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (decoded.length >= 48 && highEntropy(decoded)) return 'http-body-base64';
  }
  return null;
}

function highEntropy(b: Buffer): boolean {
  const counts = new Uint32Array(256);
  for (const x of b) counts[x]++;
  let h = 0;
  for (const c of counts) if (c) h -= (c / b.length) * Math.log2(c / b.length);
  // Short samples cannot reach 8 bits: compare with what uniform random bytes of this length give.
  const ceiling = Math.min(8, Math.log2(b.length));
  return h >= ceiling * 0.85 && h >= 5.5;
}

/** A steady rhythm: at least four connections whose gaps vary by less than a fifth of their median. */
export function beaconPeriod(starts: number[]): number | null {
  if (starts.length < 4) return null;
  const s = [...starts].sort((a, b) => a - b);
  const gaps = s
    .slice(1)
    .map((t, i) => t - s[i])
    .filter((g) => g > 0.5);
  if (gaps.length < 3) return null;
  const sorted = [...gaps].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
  return sd / median < 0.2 ? Math.round(median * 10) / 10 : null;
}

const MAX_AHEAD = 32;

/** ISO time of capture seconds; empty when the value is outside what Date holds (never a RangeError). */
export function isoTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

/**
 * Adds client bytes to a flow's prefix in sequence order: retransmitted bytes are skipped, overlapping
 * segments contribute only their new tail, and segments that arrive early wait (a few at most) until the
 * gap before them is filled.
 */
function appendInOrder(
  flow: FlowState,
  seq: number,
  data: Buffer,
  dir: 'up' | 'down' = 'up',
  upLimit = DEFAULT_LIMITS.capture.maxFlowBytes,
): void {
  const limit = dir === 'up' ? upLimit : RESPONSE_BYTES;
  const st =
    dir === 'up'
      ? {
          get next() {
            return flow.nextSeq;
          },
          set next(v) {
            flow.nextSeq = v;
          },
          get len() {
            return flow.upLen;
          },
          set len(v) {
            flow.upLen = v;
          },
          parts: flow.up,
          get ahead() {
            return (flow.ahead ??= []);
          },
        }
      : {
          get next() {
            return flow.downSeq;
          },
          set next(v) {
            flow.downSeq = v;
          },
          get len() {
            return flow.downLen ?? 0;
          },
          set len(v) {
            flow.downLen = v;
          },
          parts: (flow.down ??= []),
          get ahead() {
            return (flow.downAhead ??= []);
          },
        };
  if (st.next === undefined) st.next = seq;
  const take = (s: number, d: Buffer): boolean => {
    const next = st.next as number;
    const skip = (next - s) >>> 0;
    if (skip > 0x7fffffff) return false; // starts after the gap: not yet
    if (skip >= d.length) return true; // entirely old
    const part = d.subarray(skip, skip + Math.max(0, limit - st.len));
    st.parts.push(Buffer.from(part));
    st.len += part.length;
    st.next = (next + (d.length - skip)) >>> 0;
    return true;
  };
  if (st.len >= limit) return;
  if (!take(seq, data)) {
    if (st.ahead.length < MAX_AHEAD) st.ahead.push({ seq, data: Buffer.from(data) });
    return;
  }
  // Drain waiting segments that now fit.
  for (let progress = true; progress && st.ahead.length && st.len < limit;) {
    progress = false;
    for (let i = 0; i < st.ahead.length; i++) {
      if (take(st.ahead[i].seq, st.ahead[i].data)) {
        st.ahead.splice(i, 1);
        progress = true;
        break;
      }
    }
  }
}

const RESPONSE_BYTES = 1024 * 1024;

function isHttpStart(first: Buffer | undefined): boolean {
  return !!first && /^(GET|POST|PUT|HEAD|DELETE|OPTIONS|PATCH) /.test(first.toString('latin1', 0, 8));
}
