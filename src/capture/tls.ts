import { createHash } from 'node:crypto';

/**
 * TLS ClientHello (RFC 8446 section 4.1.2) from the first bytes a client sends: server name, ALPN,
 * offered versions and the JA3 fingerprint (md5 of version, ciphers, extensions, groups and point
 * formats, GREASE values removed). Record and handshake lengths are checked against what is present.
 */

export interface ClientHello {
  sni: string | null;
  alpn: string[];
  versions: string[];
  ja3: string;
  ja3Hash: string;
}

const isGrease = (v: number) => (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);

export function parseClientHello(b: Buffer): ClientHello | null {
  if (b.length < 9 || b[0] !== 0x16 || b[1] !== 0x03) return null;
  const recLen = b.readUInt16BE(3);
  if (b[5] !== 0x01) return null;
  // The hello may span records; use what is here, bounded by the handshake's own length.
  const hsLen = (b[6] << 16) | (b[7] << 8) | b[8];
  const end = Math.min(b.length, 9 + hsLen, 5 + Math.max(recLen, 4) + 16384);
  let p = 9;
  if (p + 34 > end) return null;
  const version = b.readUInt16BE(p);
  p += 34;
  const sidLen = b[p];
  p += 1 + sidLen;
  if (p + 2 > end) return null;
  const csLen = b.readUInt16BE(p);
  p += 2;
  if (p + csLen > end) return null;
  const ciphers: number[] = [];
  for (let i = 0; i < csLen; i += 2) {
    const c = b.readUInt16BE(p + i);
    if (!isGrease(c)) ciphers.push(c);
  }
  p += csLen;
  if (p >= end) return null;
  p += 1 + b[p];
  const exts: number[] = [];
  const groups: number[] = [];
  const formats: number[] = [];
  const alpn: string[] = [];
  const versions: string[] = [];
  let sni: string | null = null;
  if (p + 2 <= end) {
    const extEnd = Math.min(end, p + 2 + b.readUInt16BE(p));
    p += 2;
    while (p + 4 <= extEnd) {
      const type = b.readUInt16BE(p);
      const len = b.readUInt16BE(p + 2);
      const d = p + 4;
      if (d + len > extEnd) break;
      if (!isGrease(type)) exts.push(type);
      if (type === 0 && len >= 5) {
        const nameLen = b.readUInt16BE(d + 3);
        if (b[d + 2] === 0 && d + 5 + nameLen <= d + len) sni = b.toString('latin1', d + 5, d + 5 + nameLen).toLowerCase();
      } else if (type === 10 && len >= 2) {
        for (let i = 2; i + 1 < len; i += 2) {
          const g = b.readUInt16BE(d + i);
          if (!isGrease(g)) groups.push(g);
        }
      } else if (type === 11 && len >= 1) {
        for (let i = 1; i <= b[d] && i < len; i++) formats.push(b[d + i]);
      } else if (type === 16 && len >= 2) {
        let q = d + 2;
        while (q < d + len) {
          const l = b[q];
          if (q + 1 + l > d + len) break;
          alpn.push(b.toString('latin1', q + 1, q + 1 + l));
          q += 1 + l;
        }
      } else if (type === 43 && len >= 1) {
        for (let i = 1; i + 1 <= b[d] && i + 1 < len; i += 2) {
          const v = b.readUInt16BE(d + i);
          if (!isGrease(v)) versions.push(tlsVersion(v));
        }
      }
      p = d + len;
    }
  }
  const ja3 = [version, ciphers.join('-'), exts.join('-'), groups.join('-'), formats.join('-')].join(',');
  return { sni, alpn, versions: versions.length ? versions : [tlsVersion(version)], ja3, ja3Hash: createHash('md5').update(ja3).digest('hex') };
}

function tlsVersion(v: number): string {
  return ({ 0x0300: 'SSL 3.0', 0x0301: 'TLS 1.0', 0x0302: 'TLS 1.1', 0x0303: 'TLS 1.2', 0x0304: 'TLS 1.3' } as Record<number, string>)[v] ?? `0x${v.toString(16)}`;
}

/** HTTP/1.x requests at the start of a client's stream: method, host, path. */
export function parseHttpRequests(b: Buffer, max = 50): Array<{ method: string; host: string | null; path: string }> {
  const out: Array<{ method: string; host: string | null; path: string }> = [];
  const text = b.toString('latin1');
  const re = /(?:^|\r\n)(GET|POST|PUT|HEAD|DELETE|OPTIONS|PATCH|CONNECT) (\S{1,4096}) HTTP\/1\.[01]\r\n([\s\S]*?)\r\n\r\n/g;
  for (const m of text.matchAll(re)) {
    const host = /^host:\s*([^\r\n:]+)/im.exec(m[3])?.[1]?.trim().toLowerCase() ?? null;
    out.push({ method: m[1], host, path: m[2] });
    if (out.length >= max) break;
  }
  return out;
}
