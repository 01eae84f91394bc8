import type { ByteSource } from '../../io/byte-source.js';
import { MalformedInputError } from '../../io/errors.js';

/**
 * Streaming readers for libpcap files (microsecond and nanosecond, either byte order) and pcapng
 * (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-03.html): section headers, several
 * interfaces with their link types and timestamp resolutions, enhanced, simple and obsolete packet
 * blocks, and name-resolution blocks. Packets are read a block at a time. In pcap files a damaged record
 * is skipped: reading resumes at the next offset where two consecutive records are believable, and a
 * file whose header was lost is read from its first believable record (what pcapfix repairs). In pcapng
 * a damaged block ends the file with a diagnostic and everything before it is kept.
 */

export interface Packet {
  frame: number;
  /** Seconds since the epoch. */
  ts: number;
  linkType: number;
  data: Buffer;
  origLen: number;
  iface: number;
  /** The app that sent or received the packet, when the capture says (PCAPdroid's pcapng). */
  app?: string;
}

export interface CaptureProblem {
  code: string;
  message: string;
}

const MAX_PACKET = 256 * 1024;

export function captureFormat(head: Buffer): 'pcap' | 'pcapng' | null {
  if (head.length < 4) return null;
  const le = head.readUInt32LE(0);
  if (le === 0xa1b2c3d4 || le === 0xd4c3b2a1 || le === 0xa1b23c4d || le === 0x4d3cb2a1) return 'pcap';
  if (le === 0x0a0d0d0a) return 'pcapng';
  return null;
}

export function* readCapture(
  src: ByteSource,
  problems: CaptureProblem[],
  names: Map<string, string>,
): Generator<Packet> {
  const head = src.read(0, Math.min(src.size, 4));
  const format = captureFormat(head);
  if (format === 'pcap') yield* readPcap(src, problems);
  else if (format === 'pcapng') yield* readPcapng(src, problems, names);
  else {
    const start = headerlessStart(src);
    if (start === null) throw new MalformedInputError('capture/bad-magic', 'not a pcap or pcapng file');
    problems.push({
      code: 'pcap/missing-header',
      message: `no pcap file header: records from byte ${start} read as little-endian, microseconds, Ethernet`,
    });
    yield* readPcap(src, problems, { le: true, nano: false, linkType: 1, snaplen: 0, start });
  }
}

interface PcapFormat {
  le: boolean;
  nano: boolean;
  linkType: number;
  /** 0 when unknown. */
  snaplen: number;
  start: number;
}

/**
 * Where pcap records start in a file whose header is lost or zeroed (pcapfix's "missing header" case):
 * the first offset in the first 64 KiB where two consecutive little-endian records are believable.
 */
export function headerlessStart(src: ByteSource): number | null {
  const f: PcapFormat = { le: true, nano: false, linkType: 1, snaplen: 0, start: 0 };
  return resync(src, 0, f, null, 64 * 1024);
}

/** The record's timestamp when a record header at `off` is believable, else null. */
function plausibleRecord(
  src: ByteSource,
  off: number,
  f: PcapFormat,
  prevTs: number | null,
  header?: Buffer,
): number | null {
  if (off + 16 > src.size) return null;
  const r = header ?? src.read(off, 16);
  const u32 = (o: number) => (f.le ? r.readUInt32LE(o) : r.readUInt32BE(o));
  const sec = u32(0);
  const frac = u32(4);
  const incl = u32(8);
  const orig = u32(12);
  if (frac >= (f.nano ? 1e9 : 1e6)) return null;
  if (incl === 0 || incl > MAX_PACKET || (f.snaplen > 0 && incl > f.snaplen) || orig < incl || orig > 16 * 1024 * 1024)
    return null;
  if (off + 16 + incl > src.size) return null;
  // A zeroed time is damage pcapfix keeps the record through; any other time must be near the previous
  // record's (damaged bytes rarely look like a nearby time) or, for the first, between 1980 and 2100.
  if (sec === 0) return prevTs ?? 0;
  if (prevTs !== null && prevTs !== 0 && Math.abs(sec - prevTs) > 86_400) return null;
  if ((prevTs === null || prevTs === 0) && (sec < 315_532_800 || sec > 4_102_444_800)) return null;
  return sec;
}

/** After a damaged record, the next offset where two consecutive records are believable (pcapfix's resync). */
function resync(
  src: ByteSource,
  from: number,
  f: PcapFormat,
  prevTs: number | null,
  window = 64 * 1024 * 1024,
): number | null {
  const limit = Math.min(src.size - 16, from + window);
  const CHUNK = 1 << 20;
  for (let base = from; base <= limit; base += CHUNK) {
    // Read a chunk at a time; most offsets fail on the length fields without another read.
    const buf = src.read(base, Math.min(CHUNK + 15, src.size - base));
    const last = Math.min(limit, base + CHUNK - 1);
    for (let off = base; off <= last; off++) {
      const i = off - base;
      if (i + 16 > buf.length) break;
      const incl = f.le ? buf.readUInt32LE(i + 8) : buf.readUInt32BE(i + 8);
      if (incl === 0 || incl > MAX_PACKET) continue;
      const ts = plausibleRecord(src, off, f, prevTs, buf.subarray(i, i + 16));
      if (ts === null) continue;
      const next = off + 16 + incl;
      if (next === src.size || plausibleRecord(src, next, f, ts) !== null) return off;
    }
  }
  return null;
}

function* readPcap(src: ByteSource, problems: CaptureProblem[], given?: PcapFormat): Generator<Packet> {
  let f: PcapFormat;
  if (given) f = given;
  else {
    if (src.size < 24) throw new MalformedInputError('pcap/truncated-header', 'pcap header is truncated');
    const h = src.read(0, 24);
    const magicLe = h.readUInt32LE(0);
    const le = magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d;
    const u32h = (o: number) => (le ? h.readUInt32LE(o) : h.readUInt32BE(o));
    f = {
      le,
      nano: magicLe === 0xa1b23c4d || magicLe === 0x4d3cb2a1,
      linkType: u32h(20) & 0x0fffffff,
      snaplen: u32h(16),
      start: 24,
    };
  }
  const u32 = (b: Buffer, o: number) => (f.le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  // Records are sliced out of 4 MiB chunks: one read per chunk instead of two per packet. Each refill
  // allocates a new chunk, so packets already handed out stay valid (consumers copy what they keep).
  let chunk: Buffer = Buffer.alloc(0);
  let chunkAt = 0;
  const bytes = (at: number, len: number): Buffer => {
    if (at < chunkAt || at + len > chunkAt + chunk.length) {
      chunkAt = at;
      chunk = src.read(at, Math.min(src.size - at, Math.max(len, 4 * 1024 * 1024)));
    }
    return chunk.subarray(at - chunkAt, at - chunkAt + len);
  };
  let off = f.start;
  let frame = 0;
  let prevTs: number | null = null;
  while (off < src.size) {
    if (off + 16 > src.size) {
      problems.push({ code: 'pcap/truncated-record', message: `record header at ${off} is cut short` });
      return;
    }
    const r = bytes(off, 16);
    const incl = u32(r, 8);
    const orig = u32(r, 12);
    // Only a record that cannot be read is damage. Odd but readable headers (time jumps in stitched
    // captures, original lengths below captured ones, lengths over the snap length) are read as tshark does.
    if (incl > MAX_PACKET || off + 16 + incl > src.size) {
      // A damaged record: find where believable records resume, as pcapfix does, and say how much was lost.
      const next = resync(src, off + 1, f, prevTs);
      const why = incl > MAX_PACKET ? `claims ${incl} bytes` : 'is cut short';
      if (next === null) {
        const code = incl > MAX_PACKET ? 'pcap/bad-length' : 'pcap/truncated-record';
        problems.push({ code, message: `record at ${off} ${why}; no readable record follows` });
        return;
      }
      problems.push({
        code: 'pcap/resynced',
        message: `record at ${off} ${why}; skipped ${next - off} bytes to the next readable record`,
      });
      off = next;
      continue;
    }
    const sec = u32(r, 0);
    if (sec !== 0) prevTs = sec;
    frame++;
    yield {
      frame,
      ts: u32(r, 0) + u32(r, 4) / (f.nano ? 1e9 : 1e6),
      linkType: f.linkType,
      data: bytes(off + 16, incl),
      origLen: orig,
      iface: 0,
    };
    off += 16 + incl;
  }
}

interface Iface {
  linkType: number;
  tsDivisor: number;
}

function* readPcapng(src: ByteSource, problems: CaptureProblem[], names: Map<string, string>): Generator<Packet> {
  let off = 0;
  let le = true;
  let ifaces: Iface[] = [];
  let frame = 0;
  // PCAPdroid's pcapng: custom blocks map UIDs to apps, each packet's comment names its UID.
  const uids = new Map<number, string>();
  while (off + 12 <= src.size) {
    const peek = src.read(off, 12);
    const type = peek.readUInt32LE(0);
    if (type === 0x0a0d0d0a) {
      // Section header: its byte-order magic decides the endianness of this section.
      const bom = peek.readUInt32LE(8);
      if (bom === 0x1a2b3c4d) le = true;
      else if (bom === 0x4d3c2b1a) le = false;
      else {
        problems.push({ code: 'pcapng/bad-byte-order', message: `section at ${off} has no valid byte-order magic` });
        return;
      }
      ifaces = [];
    }
    const len = le ? peek.readUInt32LE(4) : peek.readUInt32BE(4);
    if (len < 12 || len % 4 !== 0 || off + len > src.size || len > MAX_PACKET + 64 * 1024) {
      problems.push({
        code: off + len > src.size ? 'pcapng/truncated-block' : 'pcapng/bad-block-length',
        message: `block at ${off} claims ${len} bytes`,
      });
      return;
    }
    const block = src.read(off, len);
    const u32 = (o: number) => (le ? block.readUInt32LE(o) : block.readUInt32BE(o));
    const u16 = (o: number) => (le ? block.readUInt16LE(o) : block.readUInt16BE(o));
    const btype = u32(0);
    if (btype === 1 && len >= 20) {
      ifaces.push({ linkType: u16(8), tsDivisor: ifaceResolution(block, 16, len - 4, le) });
    } else if (btype === 6 && len >= 32) {
      const ifId = u32(8);
      const captured = u32(20);
      const iface = ifaces[ifId];
      if (!iface || 28 + captured > len - 4) {
        problems.push({
          code: 'pcapng/bad-packet',
          message: `packet block at ${off} names interface ${ifId} or overruns`,
        });
      } else {
        frame++;
        const ts = checkedTime((u32(12) * 2 ** 32 + u32(16)) / iface.tsDivisor, off, frame, problems);
        const app = pcapdroidUid(block, 28 + ((captured + 3) & ~3), len - 4, le, uids);
        yield {
          frame,
          ts,
          linkType: iface.linkType,
          data: block.subarray(28, 28 + captured),
          origLen: u32(24),
          iface: ifId,
          ...(app ? { app } : {}),
        };
      }
    } else if (btype === 3 && len >= 16 && ifaces[0]) {
      frame++;
      const orig = u32(8);
      yield {
        frame,
        ts: 0,
        linkType: ifaces[0].linkType,
        data: block.subarray(12, Math.min(len - 4, 12 + orig)),
        origLen: orig,
        iface: 0,
      };
    } else if (btype === 2 && len >= 32) {
      const ifId = u16(8);
      const captured = u32(20);
      const iface = ifaces[ifId];
      if (iface && 28 + captured <= len - 4) {
        frame++;
        yield {
          frame,
          ts: checkedTime((u32(12) * 2 ** 32 + u32(16)) / iface.tsDivisor, off, frame, problems),
          linkType: iface.linkType,
          data: block.subarray(28, 28 + captured),
          origLen: u32(24),
          iface: ifId,
        };
      }
    } else if (btype === 4) {
      readNameRecords(block, len, le, names);
    } else if ((btype === 0xbad || btype === 0x40000bad) && len >= 24 && u32(8) === PCAPDROID_PEN) {
      readPcapdroidBlock(block, le, uids);
    }
    off += len;
  }
  if (off < src.size)
    problems.push({ code: 'pcapng/trailing-bytes', message: `${src.size - off} bytes after the last block` });
}

/** Seconds Date can represent (ECMA-262: ±8.64e15 ms). */
const MAX_TIME_SECONDS = 8.64e12;
const timeProblems = new WeakSet<CaptureProblem[]>();

/**
 * A timestamp outside what Date can hold (a bad if_tsresol, a corrupt block) is read as 0 for that
 * packet, with one diagnostic per capture, so the capture's other packets and times stay usable.
 */
function checkedTime(ts: number, off: number, frame: number, problems: CaptureProblem[]): number {
  if (Number.isFinite(ts) && Math.abs(ts) <= MAX_TIME_SECONDS) return ts;
  if (!timeProblems.has(problems)) {
    timeProblems.add(problems);
    problems.push({
      code: 'pcapng/bad-timestamp',
      message: `packet ${frame} (block at ${off}) has a timestamp outside the representable range; read as 0`,
    });
  }
  return 0;
}

/** PCAPdroid's private enterprise number, which its pcapng custom blocks carry. */
const PCAPDROID_PEN = 62652;

/**
 * PCAPdroid UID-mapping custom block (version 1, type 1): after the PEN, u16 version, u8 type, a pad
 * byte, then u32 uid, u8 package-name length, u8 app-name length and both names.
 */
function readPcapdroidBlock(block: Buffer, le: boolean, uids: Map<number, string>): void {
  const version = le ? block.readUInt16LE(12) : block.readUInt16BE(12);
  if (version !== 1 || block[14] !== 1 || block.length < 26) return;
  const uid = le ? block.readInt32LE(16) : block.readInt32BE(16);
  const pkgLen = block.readUInt8(20);
  const appLen = block.readUInt8(21);
  if (22 + pkgLen + appLen > block.length - 4) return;
  const pkg = block.toString('utf8', 22, 22 + pkgLen);
  const app = block.toString('utf8', 22 + pkgLen, 22 + pkgLen + appLen);
  if (uids.size < 100_000) uids.set(uid, `${app || pkg}${pkg && app ? ` (${pkg}, uid ${uid})` : ` (uid ${uid})`}`);
}

/** The app of a packet whose options carry PCAPdroid's "u-<uid>" comment. */
function pcapdroidUid(
  block: Buffer,
  start: number,
  end: number,
  le: boolean,
  uids: Map<number, string>,
): string | undefined {
  let p = start;
  while (p + 4 <= end) {
    const code = le ? block.readUInt16LE(p) : block.readUInt16BE(p);
    const len = le ? block.readUInt16LE(p + 2) : block.readUInt16BE(p + 2);
    if (code === 0) break;
    if (code === 1 && p + 4 + len <= end) {
      const m = /^u-(-?\d+)$/.exec(block.toString('utf8', p + 4, p + 4 + len));
      if (m) return uids.get(Number(m[1])) ?? `uid ${m[1]}`;
    }
    p += 4 + ((len + 3) & ~3);
  }
  return undefined;
}

/** if_tsresol (option 9): 10^-n or 2^-n seconds per unit; microseconds by default. */
function ifaceResolution(b: Buffer, start: number, end: number, le: boolean): number {
  let p = start;
  while (p + 4 <= end) {
    const code = le ? b.readUInt16LE(p) : b.readUInt16BE(p);
    const len = le ? b.readUInt16LE(p + 2) : b.readUInt16BE(p + 2);
    if (code === 0) break;
    if (code === 9 && len >= 1) {
      const v = p + 4 < end ? b[p + 4] : undefined;
      if (v === undefined) break;
      return v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
    }
    p += 4 + Math.ceil(len / 4) * 4;
  }
  return 1e6;
}

/** Name-resolution records: IPv4 (1) and IPv6 (2) addresses with their names. */
function readNameRecords(b: Buffer, len: number, le: boolean, names: Map<string, string>): void {
  let p = 8;
  while (p + 4 <= len - 4) {
    const type = le ? b.readUInt16LE(p) : b.readUInt16BE(p);
    const rlen = le ? b.readUInt16LE(p + 2) : b.readUInt16BE(p + 2);
    if (type === 0 || p + 4 + rlen > len - 4) return;
    const body = b.subarray(p + 4, p + 4 + rlen);
    const addrLen = type === 1 ? 4 : type === 2 ? 16 : 0;
    if (addrLen && rlen > addrLen) {
      const ip = addrLen === 4 ? [...body.subarray(0, 4)].join('.') : ipv6(body.subarray(0, 16));
      const name = body.toString('latin1', addrLen).split('\0')[0];
      if (name && names.size < 100_000) names.set(ip, name.toLowerCase());
    }
    p += 4 + Math.ceil(rlen / 4) * 4;
  }
}

/** An IPv6 address in RFC 5952 text form; bytes missing from a shorter input read as zero. */
export function ipv6(b: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push((((b[i] ?? 0) << 8) | (b[i + 1] ?? 0)).toString(16));
  // Compress the longest run of zero groups, as RFC 5952 asks.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (parts[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && parts[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return parts.join(':');
  return `${parts.slice(0, best).join(':')}::${parts.slice(best + bestLen).join(':')}`;
}
