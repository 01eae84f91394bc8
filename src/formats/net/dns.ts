import { ipv6 } from './pcap.js';

/**
 * DNS messages (RFC 1035), read far enough to map answers back to names: questions, and A, AAAA and
 * CNAME answers. Compression pointers are followed a bounded number of times, so a pointer loop ends
 * the name instead of the program.
 */

export interface DnsMessage {
  id: number;
  response: boolean;
  questions: string[];
  answers: Array<{ name: string; type: 'A' | 'AAAA' | 'CNAME'; value: string }>;
}

const MAX_POINTERS = 16;

export function parseDns(b: Buffer): DnsMessage | null {
  if (b.length < 12) return null;
  const qd = b.readUInt16BE(4);
  const an = b.readUInt16BE(6);
  if (qd > 64 || an > 512) return null;
  const msg: DnsMessage = {
    id: b.readUInt16BE(0),
    response: (b.readUInt8(2) & 0x80) !== 0,
    questions: [],
    answers: [],
  };
  let p = 12;
  for (let i = 0; i < qd; i++) {
    const n = readName(b, p);
    if (!n) return msg.questions.length ? msg : null;
    msg.questions.push(n.name);
    p = n.next + 4;
    if (p > b.length) return msg;
  }
  for (let i = 0; i < an; i++) {
    const n = readName(b, p);
    if (!n || n.next + 10 > b.length) return msg;
    const type = b.readUInt16BE(n.next);
    const rdlen = b.readUInt16BE(n.next + 8);
    const rd = n.next + 10;
    if (rd + rdlen > b.length) return msg;
    if (type === 1 && rdlen === 4)
      msg.answers.push({ name: n.name, type: 'A', value: [...b.subarray(rd, rd + 4)].join('.') });
    else if (type === 28 && rdlen === 16)
      msg.answers.push({ name: n.name, type: 'AAAA', value: ipv6(b.subarray(rd, rd + 16)) });
    else if (type === 5) {
      const c = readName(b, rd);
      if (c) msg.answers.push({ name: n.name, type: 'CNAME', value: c.name });
    }
    p = rd + rdlen;
  }
  return msg;
}

export function readName(b: Buffer, start: number): { name: string; next: number } | null {
  const labels: string[] = [];
  let p = start;
  let next = -1;
  let jumps = 0;
  for (let guard = 0; guard < 128; guard++) {
    const len = b[p];
    if (len === undefined) return null;
    if (len === 0) {
      if (next < 0) next = p + 1;
      return { name: labels.join('.').toLowerCase(), next };
    }
    if ((len & 0xc0) === 0xc0) {
      if (p + 1 >= b.length || ++jumps > MAX_POINTERS) return null;
      if (next < 0) next = p + 2;
      p = ((len & 0x3f) << 8) | b.readUInt8(p + 1);
      continue;
    }
    if (len > 63 || p + 1 + len > b.length) return null;
    labels.push(b.toString('latin1', p + 1, p + 1 + len));
    p += 1 + len;
  }
  return null;
}
