import type { Flow } from './capture-model.js';
import type { Segment } from '../formats/net/packets.js';
import type { Packet } from '../formats/net/pcap.js';

/** A flow while the capture is read: its summary plus the bytes retained until it is settled. */
export interface FlowState extends Flow {
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

export function flowKey(proto: string, src: string, sport: number, dst: string, dport: number): string {
  return `${proto} ${src}:${sport} ${dst}:${dport}`;
}

/**
 * A new flow for the first packet seen of it. The side that speaks first (or sends the bare SYN) is the
 * client; a first packet seen from a well-known port to an ephemeral one is a reply whose request was not
 * captured.
 */
export function openFlow(seg: Segment, pkt: Packet): FlowState {
  const isReply =
    (seg.proto === 'tcp' && seg.syn && seg.ack) ||
    (!(seg.proto === 'tcp' && seg.syn) && seg.sport < 1024 && seg.dport >= 1024);
  const [client, cport, server, sport] = isReply
    ? [seg.dst, seg.dport, seg.src, seg.sport]
    : [seg.src, seg.sport, seg.dst, seg.dport];
  return {
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
}

/** Drops the retained bytes of a settled flow; returns how many bytes that frees. */
export function releaseRetained(f: FlowState): number {
  const freed = f.upLen + (f.downLen ?? 0);
  f.up = [];
  f.upLen = 0;
  f.quic = undefined;
  f.ahead = undefined;
  f.down = undefined;
  f.downLen = 0;
  f.downAhead = undefined;
  f.settled = true;
  return freed;
}

/** The flow's summary without the reading state, as the model holds it. */
export function toFlow(f: FlowState): Flow {
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
  return flow;
}
