import type { ByteSource } from '../io/byte-source.js';
import type { Limits } from '../io/limits.js';
import type { CaptureAnalysis, RequestInspector } from './capture-model.js';
import { destinations } from './destinations.js';
import { parseDns } from '../formats/net/dns.js';
import { DNS_PORTS } from './flow-protocol.js';
import { FlowTable } from './flow-table.js';
import { FragmentReassembler, decodePacket, type DecodeFailure, type Segment } from '../formats/net/packets.js';
import { readCapture, type CaptureProblem } from '../formats/net/pcap.js';

/** Addresses remembered from DNS answers, to name servers reached by address. */
const MAX_DNS_ADDRESSES = 500_000;

/**
 * Parses a capture into its model: packets into flows (see `FlowTable`), names for each server from SNI,
 * HTTP Host, DNS answers or name-resolution blocks, then per destination the totals, connection count,
 * cadence and encrypted share. Every packet not analysed is counted and said as a problem.
 */
export function parseCapture(src: ByteSource, limits: Limits['capture'], inspect: RequestInspector): CaptureAnalysis {
  const problems: CaptureProblem[] = [];
  const names = new Map<string, string>();
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
  const fragments = new FragmentReassembler();
  const table = new FlowTable(limits, inspect);
  let packets = 0;
  for (const pkt of readCapture(src, problems, names)) {
    packets++;
    const seg = reassembled(decodePacket(pkt.linkType, pkt.data), fragments);
    if (seg === null) continue;
    if (typeof seg === 'string') {
      skipped[seg]++;
      continue;
    }
    if (seg.proto === 'udp' && (DNS_PORTS.has(seg.sport) || DNS_PORTS.has(seg.dport)))
      recordDns(seg.payload, dnsQueries, ipToName);
    table.add(seg, pkt, packets);
  }
  const flows = table.finish();
  problems.push(...unanalysedProblems(packets, skipped, fragments.dropped, table.dropped, limits));
  if (table.bodyCuts.count > 0)
    problems.push({
      code: 'limit/http-body',
      message:
        `${table.bodyCuts.count} HTTP response bodies over the limit capture.maxHttpBodyBytes ` +
        `${limits.maxHttpBodyBytes}, e.g. ${table.bodyCuts.first}`,
    });
  return {
    responses: table.responses,
    packets,
    flows,
    destinations: destinations(flows, ipToName, names),
    dnsQueries: [...dnsQueries].sort(),
    problems,
    skipped,
  };
}

/** A whole segment, a decode failure, or null while an IP datagram's fragments are still arriving. */
function reassembled(
  decoded: ReturnType<typeof decodePacket>,
  fragments: FragmentReassembler,
): Segment | DecodeFailure | null {
  if (typeof decoded !== 'string' && 'key' in decoded) return fragments.add(decoded);
  return decoded;
}

function recordDns(payload: Buffer, dnsQueries: Set<string>, ipToName: Map<string, string>): void {
  const msg = parseDns(payload);
  if (!msg) return;
  if (!msg.response) msg.questions.forEach((q) => dnsQueries.add(q));
  for (const a of msg.answers)
    if (a.type !== 'CNAME' && ipToName.size < MAX_DNS_ADDRESSES) ipToName.set(a.value, msg.questions[0] ?? a.name);
}

/** Packets a reader of the report would otherwise assume were analysed. */
function unanalysedProblems(
  packets: number,
  skipped: Record<DecodeFailure, number>,
  fragmentsDropped: number,
  flowsDropped: number,
  limits: Limits['capture'],
): CaptureProblem[] {
  const problems: CaptureProblem[] = [];
  if (fragmentsDropped)
    problems.push({
      code: 'capture/fragments-dropped',
      message: `${fragmentsDropped} fragmented datagrams could not be reassembled within the limits`,
    });
  if (skipped['encrypted-link']) {
    problems.push({
      code: 'capture/encrypted-wifi',
      message:
        `${skipped['encrypted-link']} of ${packets} packets are WPA-protected 802.11 frames and were not ` +
        'analysed; decrypt the capture with the network key (e.g. Wireshark\'s "Export Specified Packets" ' +
        'after adding the key) and scan it again',
    });
  }
  if (skipped.link) {
    problems.push({
      code: 'capture/unsupported-link',
      message:
        `${skipped.link} of ${packets} packets have a link-layer type or header Candor does not decode ` +
        'and were not analysed',
    });
  }
  if (flowsDropped > 0)
    problems.push({
      code: 'limit/capture-flows',
      message: `${flowsDropped} packets of flows past the limit capture.maxFlows ${limits.maxFlows} counted in no flow`,
    });
  return problems;
}
