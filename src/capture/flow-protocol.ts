import type { Limits } from '../io/limits.js';
import type { HttpBody, RequestInspector } from './capture-model.js';
import type { FlowState } from './flow-state.js';
import { parseHttpResponses } from '../formats/net/http.js';
import { opaqueBody } from './opaque-body.js';
import { cryptoStream } from '../formats/net/quic.js';
import { ja4, parseClientHello, parseHttpRequests, type ClientHello } from '../formats/net/tls.js';

/** DNS, multicast DNS and LLMNR share the DNS message format. */
export const DNS_PORTS = new Set([53, 5353, 5355]);
/** Plaintext HTTP responses kept per capture for the keyword-list detectors. */
const MAX_RESPONSES = 1000;

/**
 * Names a flow's protocol from what it retained: a TLS or QUIC ClientHello (SNI, ALPN, JA3, JA4), HTTP
 * requests (and the responses to them), else the ports. Plaintext requests go to `inspect`.
 */
export function identifyProtocol(
  f: FlowState,
  limits: Limits['capture'],
  responses: HttpBody[],
  inspect: RequestInspector,
  bodyCut: (message: string) => void = () => {},
): void {
  const prefix = Buffer.concat(f.up);
  const quicHello = f.quic?.length ? cryptoStream(f.quic) : null;
  let hello = f.proto === 'tcp' ? parseClientHello(prefix) : quicHello ? parseClientHello(quicHello) : null;
  const http = f.proto === 'tcp' && !hello ? parseHttpRequests(prefix) : [];
  // Through an HTTP proxy, the TLS handshake follows the CONNECT request in the same stream.
  if (!hello && http[0]?.method === 'CONNECT') {
    const end = prefix.indexOf('\r\n\r\n');
    if (end >= 0) hello = parseClientHello(prefix.subarray(end + 4));
  }
  if (f.down?.length) keepResponses(f, f.down, http, limits, responses, bodyCut);
  if (hello) markTls(f, hello, http);
  else if (http.length) markHttp(f, prefix, http, inspect);
  else if (looksLikeQuic(f, prefix)) Object.assign(f, { protocol: 'quic', encrypted: true });
  else if (DNS_PORTS.has(f.serverPort)) f.protocol = 'dns';
  else if (f.serverPort === 853) Object.assign(f, { protocol: 'dot', encrypted: true });
}

type Requests = ReturnType<typeof parseHttpRequests>;

function keepResponses(
  f: FlowState,
  down: Buffer[],
  http: Requests,
  limits: Limits['capture'],
  responses: HttpBody[],
  bodyCut: (message: string) => void,
): void {
  const host = http.find((h) => h.host)?.host ?? f.server;
  for (const r of parseHttpResponses(Buffer.concat(down), 50, limits.maxHttpBodyBytes, bodyCut)) {
    if (responses.length < MAX_RESPONSES)
      responses.push({ frame: f.firstFrame, host, path: http[0]?.path ?? '/', ...r });
  }
}

function markTls(f: FlowState, hello: ClientHello, http: Requests): void {
  Object.assign(f, {
    sni: hello.sni ?? undefined,
    alpn: hello.alpn,
    ja3: hello.ja3Hash,
    ja4: f.proto === 'udp' ? ja4('q', hello.ja4Parts) : hello.ja4,
    protocol: f.proto === 'udp' ? 'quic' : 'tls',
    encrypted: true,
    ...(http.length ? { http } : {}),
  });
}

function markHttp(f: FlowState, prefix: Buffer, http: Requests, inspect: RequestInspector): void {
  const requests = splitRequests(prefix.toString('latin1'));
  const opaque = requests.map(opaqueBody).find((o) => o !== null) ?? null;
  Object.assign(f, { http, protocol: 'http', ...(opaque ? { opaque } : {}) });
  inspect(f, requests);
}

/** Each request of a plaintext stream, split at its start line. */
function splitRequests(text: string): string[] {
  const starts = [
    ...text.matchAll(/(?:^|\r\n)(?=(?:GET|POST|PUT|HEAD|DELETE|OPTIONS|PATCH) \S+ HTTP\/1\.[01]\r\n)/g),
  ].map((m) => (m.index === 0 ? 0 : (m.index ?? 0) + 2));
  return starts.map((st, i) => text.slice(st, starts[i + 1] ?? text.length));
}

/** UDP to or from 443 whose first byte has the long-header bit: QUIC even where no Initial decrypted. */
function looksLikeQuic(f: FlowState, prefix: Buffer): boolean {
  const first = prefix.at(0);
  return (
    f.proto === 'udp' && (f.serverPort === 443 || f.clientPort === 443) && first !== undefined && (first & 0x80) !== 0
  );
}
