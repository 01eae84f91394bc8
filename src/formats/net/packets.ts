import { ipv6 } from './pcap.js';

/**
 * Link, network and transport decoding: Ethernet (with VLAN tags), Linux cooked capture v1 and v2, raw
 * IPv4/IPv6, BSD loopback, IEEE 802.11 data frames (bare or behind radiotap, as monitor-mode Wi-Fi captures
 * of a phone are written); IPv4 (header length and total length checked, fragments counted) and IPv6
 * (extension headers skipped); TCP and UDP. Anything that does not add up is skipped and counted.
 */

export interface Segment {
  src: string;
  dst: string;
  proto: 'tcp' | 'udp';
  sport: number;
  dport: number;
  /** IP packet length, for byte counts. */
  length: number;
  payload: Buffer;
  syn?: boolean;
  ack?: boolean;
  /** FIN: the sender has no more data. */
  fin?: boolean;
  /** RST: the connection is aborted. */
  rst?: boolean;
  seq?: number;
}

/**
 * Why a packet was not decoded. `encrypted-link` is an 802.11 frame with the Protected bit set: its
 * payload is WPA-encrypted and needs the network's key (Wireshark can decrypt and re-export it).
 */
export type DecodeFailure = 'link' | 'encrypted-link' | 'ip' | 'fragment' | 'transport' | 'other-protocol';

/** One fragment of an IP datagram, for the reassembler. */
export interface Fragment {
  key: string;
  src: string;
  dst: string;
  proto: number;
  offset: number;
  more: boolean;
  data: Buffer;
}

const LINKTYPE_NULL = 0;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_IPV4 = 228;
const LINKTYPE_IPV6 = 229;
const LINKTYPE_LINUX_SLL2 = 276;
const LINKTYPE_IEEE802_11 = 105;
const LINKTYPE_IEEE802_11_RADIOTAP = 127;

export function decodePacket(linkType: number, data: Buffer): Segment | Fragment | DecodeFailure {
  let p: number;
  let ethertype: number | null = null;
  switch (linkType) {
    case LINKTYPE_ETHERNET: {
      if (data.length < 14) return 'link';
      ethertype = data.readUInt16BE(12);
      p = 14;
      // 802.1Q and 802.1ad tags.
      while ((ethertype === 0x8100 || ethertype === 0x88a8) && p + 4 <= data.length) {
        ethertype = data.readUInt16BE(p + 2);
        p += 4;
      }
      break;
    }
    case LINKTYPE_LINUX_SLL:
      if (data.length < 16) return 'link';
      ethertype = data.readUInt16BE(14);
      p = 16;
      break;
    case LINKTYPE_LINUX_SLL2:
      if (data.length < 20) return 'link';
      ethertype = data.readUInt16BE(0);
      p = 20;
      break;
    case LINKTYPE_NULL:
      if (data.length < 4) return 'link';
      p = 4;
      break;
    case LINKTYPE_RAW:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      p = 0;
      break;
    case LINKTYPE_IEEE802_11_RADIOTAP:
    case LINKTYPE_IEEE802_11: {
      const wifi = linkType === LINKTYPE_IEEE802_11 ? { start: 0, fcs: false } : radiotap(data);
      if (!wifi) return 'link';
      const frame = ieee80211(data, wifi.start);
      if (typeof frame === 'string') return frame;
      ethertype = frame.ethertype;
      p = frame.payload;
      // A trailing frame check sequence is outside the IP packet; IP lengths already bound it, but a
      // snap-length-cut frame must not read the FCS as payload.
      if (wifi.fcs && data.length >= p + 4) data = data.subarray(0, data.length - 4);
      break;
    }
    default:
      return 'link';
  }
  if (ethertype !== null && ethertype !== 0x0800 && ethertype !== 0x86dd) return 'other-protocol';
  if (p >= data.length) return 'ip';
  const version = data.readUInt8(p) >> 4;
  if (version === 4) return ipv4(data, p);
  if (version === 6) return ipv6Packet(data, p);
  return 'ip';
}

/**
 * Radiotap header (radiotap.org): version 0, little-endian length at 2, a chain of "present" words (bit 31
 * extends it). Only the Flags field matters here, for its "frame includes FCS" bit; it follows TSFT
 * (8 bytes, 8-aligned) when that is present. Alignment is from the start of the header.
 */
function radiotap(d: Buffer): { start: number; fcs: boolean } | null {
  if (d.length < 8 || d.readUInt8(0) !== 0) return null;
  const len = d.readUInt16LE(2);
  if (len < 8 || len > d.length) return null;
  let off = 4;
  const present = d.readUInt32LE(4);
  // Skip extended present words (and, in vendor namespaces, their own chains): each has bit 31 set to continue.
  while (d.readUInt32LE(off) & 0x8000_0000) {
    off += 4;
    if (off + 4 > len) return null;
  }
  off += 4;
  let fcs = false;
  if (present & 0x2) {
    if (present & 0x1) off = ((off + 7) & ~7) + 8;
    if (off < len) fcs = (d.readUInt8(off) & 0x10) !== 0;
  }
  return { start: len, fcs };
}

/**
 * An 802.11 MAC header followed by LLC/SNAP. Only data frames carry IP: the header is 24 bytes, plus the
 * fourth address when both To-DS and From-DS are set (mesh/WDS), the QoS control field for QoS subtypes,
 * and the HT control field when a QoS frame has the Order bit. Null-data subtypes carry nothing.
 */
function ieee80211(d: Buffer, p: number): { ethertype: number; payload: number } | DecodeFailure {
  if (p + 24 > d.length) return 'link';
  const fc0 = d.readUInt8(p);
  const flags = d.readUInt8(p + 1);
  const type = (fc0 >> 2) & 0x3;
  const subtype = fc0 >> 4;
  if ((fc0 & 0x3) !== 0) return 'link'; // protocol version other than 0
  if (type !== 2) return 'other-protocol'; // management and control frames
  if (subtype & 0x4) return 'other-protocol'; // null data, CF-Ack/Poll without data
  if (flags & 0x40) return 'encrypted-link';
  let h = 24;
  if ((flags & 0x3) === 0x3) h += 6;
  const qos = (subtype & 0x8) !== 0;
  if (qos) {
    // An A-MSDU carries several subframes, each with its own header; not decoded.
    if (p + h + 2 > d.length || d.readUInt8(p + h) & 0x80) return 'other-protocol';
    h += 2;
    if (flags & 0x80) h += 4;
  }
  const llc = p + h;
  if (llc + 8 > d.length) return 'link';
  if (d.readUInt8(llc) !== 0xaa || d.readUInt8(llc + 1) !== 0xaa || d.readUInt8(llc + 2) !== 0x03)
    return 'other-protocol';
  return { ethertype: d.readUInt16BE(llc + 6), payload: llc + 8 };
}

function ipv4(d: Buffer, p: number): Segment | Fragment | DecodeFailure {
  if (p + 20 > d.length) return 'ip';
  const ihl = (d.readUInt8(p) & 0x0f) * 4;
  const total = d.readUInt16BE(p + 2);
  if (ihl < 20 || total < ihl || p + ihl > d.length) return 'ip';
  const flagsFrag = d.readUInt16BE(p + 6);
  const proto = d.readUInt8(p + 9);
  const src = `${d.readUInt8(p + 12)}.${d.readUInt8(p + 13)}.${d.readUInt8(p + 14)}.${d.readUInt8(p + 15)}`;
  const dst = `${d.readUInt8(p + 16)}.${d.readUInt8(p + 17)}.${d.readUInt8(p + 18)}.${d.readUInt8(p + 19)}`;
  // Snap-length-cut packets keep what was captured; lengths come from the header.
  const end = Math.min(d.length, p + total);
  if (flagsFrag & 0x2000 || (flagsFrag & 0x1fff) !== 0) {
    return {
      key: `${src}>${dst}/${d.readUInt16BE(p + 4)}/${proto}`,
      src,
      dst,
      proto,
      offset: (flagsFrag & 0x1fff) * 8,
      more: (flagsFrag & 0x2000) !== 0,
      data: d.subarray(p + ihl, end),
    };
  }
  return transport(d, p + ihl, end, proto, src, dst, total);
}

function ipv6Packet(d: Buffer, p: number): Segment | Fragment | DecodeFailure {
  if (p + 40 > d.length) return 'ip';
  const payloadLen = d.readUInt16BE(p + 4);
  let next = d.readUInt8(p + 6);
  const src = ipv6(d.subarray(p + 8, p + 24));
  const dst = ipv6(d.subarray(p + 24, p + 40));
  let q = p + 40;
  const end = Math.min(d.length, p + 40 + payloadLen);
  for (let hops = 0; hops < 8 && (next === 0 || next === 43 || next === 60 || next === 44); hops++) {
    if (q + 8 > end) return 'ip';
    if (next === 44) {
      const off = d.readUInt16BE(q + 2);
      return {
        key: `${src}>${dst}/${d.readUInt32BE(q + 4)}/${d.readUInt8(q)}`,
        src,
        dst,
        proto: d.readUInt8(q),
        offset: off & 0xfff8,
        more: (off & 1) === 1,
        data: d.subarray(q + 8, end),
      };
    }
    const hdrLen = (d.readUInt8(q + 1) + 1) * 8;
    next = d.readUInt8(q);
    q += hdrLen;
  }
  return transport(d, q, end, next, src, dst, 40 + payloadLen);
}

export function transport(
  d: Buffer,
  p: number,
  end: number,
  proto: number,
  src: string,
  dst: string,
  length: number,
): Segment | DecodeFailure {
  if (proto === 6) {
    if (p + 20 > end) return 'transport';
    const off = (d.readUInt8(p + 12) >> 4) * 4;
    if (off < 20 || p + off > end) return 'transport';
    const flags = d.readUInt8(p + 13);
    return {
      src,
      dst,
      proto: 'tcp',
      sport: d.readUInt16BE(p),
      dport: d.readUInt16BE(p + 2),
      length,
      payload: d.subarray(p + off, end),
      syn: (flags & 0x02) !== 0,
      ack: (flags & 0x10) !== 0,
      fin: (flags & 0x01) !== 0,
      rst: (flags & 0x04) !== 0,
      seq: d.readUInt32BE(p + 4),
    };
  }
  if (proto === 17) {
    if (p + 8 > end) return 'transport';
    return {
      src,
      dst,
      proto: 'udp',
      sport: d.readUInt16BE(p),
      dport: d.readUInt16BE(p + 2),
      length,
      payload: d.subarray(p + 8, end),
    };
  }
  return 'other-protocol';
}

/**
 * Reassembles fragmented IP datagrams (first copy of overlapping bytes wins), bounded in datagrams held,
 * fragments per datagram and size, so a flood of fragments that never completes costs a fixed amount.
 */
export class FragmentReassembler {
  private readonly pending = new Map<
    string,
    { parts: Array<{ offset: number; data: Buffer }>; total: number | null }
  >();
  dropped = 0;

  constructor(
    private readonly maxDatagrams = 1024,
    private readonly maxSize = 65_535,
  ) {}

  add(f: Fragment): Segment | DecodeFailure | null {
    let e = this.pending.get(f.key);
    if (!e) {
      if (this.pending.size >= this.maxDatagrams) {
        this.pending.delete(this.pending.keys().next().value as string);
        this.dropped++;
      }
      e = { parts: [], total: null };
      this.pending.set(f.key, e);
    }
    if (f.offset + f.data.length > this.maxSize || e.parts.length >= 64) {
      this.pending.delete(f.key);
      this.dropped++;
      return null;
    }
    e.parts.push({ offset: f.offset, data: f.data });
    if (!f.more) e.total = f.offset + f.data.length;
    if (e.total === null) return null;
    const buf = Buffer.alloc(e.total);
    const have = new Uint8Array(e.total);
    for (const part of e.parts) {
      for (const [i, byte] of part.data.subarray(0, Math.max(0, e.total - part.offset)).entries()) {
        const at = part.offset + i;
        if (have[at]) continue;
        buf[at] = byte;
        have[at] = 1;
      }
    }
    if (have.includes(0)) return null;
    this.pending.delete(f.key);
    return transport(buf, 0, buf.length, f.proto, f.src, f.dst, buf.length + 20);
  }
}
