import type { Destination as ModelDestination } from '../model.js';
import type { DecodeFailure } from '../formats/net/packets.js';
import type { CaptureProblem } from '../formats/net/pcap.js';
import type { Leak } from './leaks.js';

/**
 * The model a capture is parsed into: per 5-tuple flow the bytes each way, timing and what the first
 * bytes said (TLS or QUIC ClientHello, HTTP requests); per named server the totals, cadence and
 * encrypted share; the DNS names asked and the plaintext HTTP responses. Detectors read this model only.
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
  /** Identifiers found in the plaintext the client sent (added by `capture/flow-leaks.ts`). */
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

/**
 * Looks at the plaintext HTTP requests of one flow when the flow is settled. The request texts are not
 * kept in the model: holding every flow's bytes to the end would lift the bound `capture.maxRetainedBytes`
 * puts on memory, so what needs them (leak detection) runs on each flow as its bytes are released.
 */
export type RequestInspector = (flow: Flow, requests: readonly string[]) => void;
