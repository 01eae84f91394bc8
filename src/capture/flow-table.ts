import type { Limits } from '../io/limits.js';
import type { Flow, HttpBody, RequestInspector } from './capture-model.js';
import { identifyProtocol } from './flow-protocol.js';
import { flowKey, openFlow, releaseRetained, toFlow, type FlowState } from './flow-state.js';
import type { Segment } from '../formats/net/packets.js';
import type { Packet } from '../formats/net/pcap.js';
import { quicInitialCrypto } from '../formats/net/quic.js';
import { appendInOrder, isHttpStart } from './stream-order.js';

/** A flow silent this long (capture time) is settled: its retained bytes are parsed and released. */
const IDLE_SECONDS = 120;
/** How often (in packets) idle flows are looked for. */
const IDLE_CHECK_PACKETS = 4096;
/** QUIC Initial packets decrypted per flow while the ClientHello may still be incomplete. */
const MAX_QUIC_CHUNKS = 16;

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

/**
 * The flows of a capture by 5-tuple. Memory is bounded per flow (`maxFlowBytes` of client bytes), over
 * all open flows (`maxRetainedBytes`) and in flow count (`maxFlows`); a flow is settled (parsed and its
 * bytes released) when both sides closed, when idle, or at the end.
 */
export class FlowTable {
  private readonly flows = new Map<string, FlowState>();
  private retained = 0;
  /** Packets of flows past `maxFlows`, counted in no flow. */
  dropped = 0;
  readonly responses: HttpBody[] = [];
  /** HTTP bodies cut at `maxHttpBodyBytes`: how many, and the first one's description. */
  readonly bodyCuts = { count: 0, first: '' };

  constructor(
    private readonly limits: Limits['capture'],
    private readonly inspect: RequestInspector,
  ) {}

  /** Adds a decoded segment; `packetsRead` counts every packet of the capture so far, decoded or not. */
  add(seg: Segment, pkt: Packet, packetsRead: number): void {
    const found = this.locate(seg, pkt);
    if (!found) return;
    const { flow, upward } = found;
    flow.packets++;
    flow.lastSeen = Math.max(flow.lastSeen, pkt.ts);
    if (packetsRead % IDLE_CHECK_PACKETS === 0) this.settleIdle(pkt.ts);
    if (!flow.app) {
      const app = pkt.app ?? pcapdroidApp(pkt.linkType, pkt.data);
      if (app) flow.app = app;
    }
    if (upward) this.addUp(flow, seg);
    else this.addDown(flow, seg);
    // Both sides said FIN (or one said RST): the connection is over, its bytes can be parsed and released.
    if (seg.proto === 'tcp' && (seg.fin || seg.rst)) {
      flow.closed = seg.rst ? 3 : (flow.closed ?? 0) | (upward ? 1 : 2);
      if (flow.closed === 3 && !flow.settled) this.settle(flow);
    }
  }

  /** Every flow settled, in order of first frame. */
  finish(): Flow[] {
    const out: Flow[] = [];
    for (const f of this.flows.values()) {
      if (!f.settled) this.settle(f);
      out.push(toFlow(f));
    }
    return out.sort((a, b) => a.firstFrame - b.firstFrame);
  }

  /** The segment's flow and whether it goes client to server; null when the flow table is full. */
  private locate(seg: Segment, pkt: Packet): { flow: FlowState; upward: boolean } | null {
    const forward = this.flows.get(flowKey(seg.proto, seg.src, seg.sport, seg.dst, seg.dport));
    if (forward) return { flow: forward, upward: true };
    const backward = this.flows.get(flowKey(seg.proto, seg.dst, seg.dport, seg.src, seg.sport));
    if (backward) return { flow: backward, upward: false };
    if (this.flows.size >= this.limits.maxFlows) {
      // Said once at the end, with the count: a report never covers fewer flows in silence.
      this.dropped++;
      return null;
    }
    const flow = openFlow(seg, pkt);
    this.flows.set(flowKey(seg.proto, flow.client, flow.clientPort, flow.server, flow.serverPort), flow);
    return { flow, upward: seg.src === flow.client && seg.sport === flow.clientPort };
  }

  /** Keeps the client's first bytes in order (TCP by sequence number, duplicates dropped). */
  private addUp(flow: FlowState, seg: Segment): void {
    const { maxFlowBytes, maxRetainedBytes } = this.limits;
    flow.bytesUp += seg.length;
    // QUIC: decrypt the client's Initial packets while the ClientHello may still be incomplete.
    const first = seg.payload.at(0) ?? 0;
    if (seg.proto === 'udp' && seg.payload.length > 20 && first & 0x80 && (flow.quic?.length ?? 0) < MAX_QUIC_CHUNKS) {
      const init = quicInitialCrypto(seg.payload);
      if (init) (flow.quic ??= []).push(...init.chunks);
    }
    if (seg.payload.length && !flow.settled && flow.upLen < maxFlowBytes && this.retained < maxRetainedBytes) {
      const before = flow.upLen;
      if (seg.proto === 'tcp') appendInOrder(flow, seg.seq ?? 0, seg.payload, 'up', maxFlowBytes);
      else if (flow.up.length === 0) {
        flow.up.push(Buffer.from(seg.payload.subarray(0, maxFlowBytes)));
        flow.upLen = Math.min(maxFlowBytes, seg.payload.length);
      }
      this.retained += flow.upLen - before;
    }
    if (seg.proto === 'tcp' && seg.syn && !seg.ack) flow.nextSeq = ((seg.seq ?? 0) + 1) >>> 0;
  }

  /** Keeps the server's bytes only where the client spoke plaintext HTTP: lists can arrive that way. */
  private addDown(flow: FlowState, seg: Segment): void {
    flow.bytesDown += seg.length;
    if (
      seg.proto === 'tcp' &&
      seg.payload.length &&
      !flow.settled &&
      this.retained < this.limits.maxRetainedBytes &&
      isHttpStart(flow.up[0])
    ) {
      const before = flow.downLen ?? 0;
      appendInOrder(flow, seg.seq ?? 0, seg.payload, 'down');
      this.retained += (flow.downLen ?? 0) - before;
    }
  }

  /** Flows idle for two minutes of capture time are settled, so a long capture holds bytes only for open flows. */
  private settleIdle(now: number): void {
    for (const g of this.flows.values()) if (!g.settled && now - g.lastSeen > IDLE_SECONDS) this.settle(g);
  }

  private settle(f: FlowState): void {
    identifyProtocol(f, this.limits, this.responses, this.inspect, (message) => {
      if (this.bodyCuts.count++ === 0) this.bodyCuts.first = message;
    });
    this.retained -= releaseRetained(f);
  }
}
