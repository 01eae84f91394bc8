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
  /** JA4 (FoxIO) for TLS over TCP; the QUIC form is made by `ja4` with 'q'. */
  ja4: string;
  /** What JA4 is computed from, so the QUIC form can be derived. */
  ja4Parts: {
    version: number;
    ciphers: number[];
    extensions: number[];
    sigAlgs: number[];
    alpn: string | null;
    sni: boolean;
  };
}

const isGrease = (v: number) => (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);

export function parseClientHello(b: Buffer): ClientHello | null {
  if (b.length < 9 || b[0] !== 0x16 || b[1] !== 0x03) return null;
  const recLen = b.readUInt16BE(3);
  if (b[5] !== 0x01) return null;
  // The hello may span records; use what is here, bounded by the handshake's own length.
  const hsLen = b.readUIntBE(6, 3);
  const end = Math.min(b.length, 9 + hsLen, 5 + Math.max(recLen, 4) + 16384);
  let p = 9;
  if (p + 34 > end) return null;
  const version = b.readUInt16BE(p);
  p += 34;
  if (p >= end) return null;
  p += 1 + b.readUInt8(p);
  if (p + 2 > end) return null;
  const csLen = b.readUInt16BE(p);
  p += 2;
  if (p + csLen > end) return null;
  const ciphers: number[] = [];
  for (let i = 0; i + 1 < csLen; i += 2) {
    const c = b.readUInt16BE(p + i);
    if (!isGrease(c)) ciphers.push(c);
  }
  p += csLen;
  if (p >= end) return null;
  p += 1 + b.readUInt8(p);
  const exts: number[] = [];
  const groups: number[] = [];
  const sigAlgs: number[] = [];
  let maxVersion = 0;
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
        if (b.readUInt8(d + 2) === 0 && d + 5 + nameLen <= d + len)
          sni = b.toString('latin1', d + 5, d + 5 + nameLen).toLowerCase();
      } else if (type === 10 && len >= 2) {
        for (let i = 2; i + 1 < len; i += 2) {
          const g = b.readUInt16BE(d + i);
          if (!isGrease(g)) groups.push(g);
        }
      } else if (type === 11 && len >= 1) {
        const count = b.readUInt8(d);
        for (let i = 1; i <= count && i < len; i++) formats.push(b.readUInt8(d + i));
      } else if (type === 16 && len >= 2) {
        let q = d + 2;
        while (q < d + len) {
          const l = b.readUInt8(q);
          if (q + 1 + l > d + len) break;
          alpn.push(b.toString('latin1', q + 1, q + 1 + l));
          q += 1 + l;
        }
      } else if (type === 43 && len >= 1) {
        const listLen = b.readUInt8(d);
        for (let i = 1; i + 1 <= listLen && i + 1 < len; i += 2) {
          const v = b.readUInt16BE(d + i);
          if (!isGrease(v)) {
            versions.push(tlsVersion(v));
            maxVersion = Math.max(maxVersion, v);
          }
        }
      } else if (type === 13 && len >= 2) {
        const n = b.readUInt16BE(d);
        for (let i = 2; i + 1 < len && i < n + 2; i += 2) {
          const a = b.readUInt16BE(d + i);
          if (!isGrease(a)) sigAlgs.push(a);
        }
      }
      p = d + len;
    }
  }
  const ja3 = [version, ciphers.join('-'), exts.join('-'), groups.join('-'), formats.join('-')].join(',');
  // JA4 marks the SNI extension's presence ('d'), whatever it holds.
  const ja4Parts = {
    version: maxVersion || version,
    ciphers,
    extensions: exts,
    sigAlgs,
    alpn: alpn[0] ?? null,
    sni: exts.includes(0),
  };
  return {
    sni,
    alpn,
    versions: versions.length ? versions : [tlsVersion(version)],
    ja3,
    ja3Hash: createHash('md5').update(ja3).digest('hex'),
    ja4: ja4('t', ja4Parts),
    ja4Parts,
  };
}

function tlsVersion(v: number): string {
  return (
    (
      { 0x0300: 'SSL 3.0', 0x0301: 'TLS 1.0', 0x0302: 'TLS 1.1', 0x0303: 'TLS 1.2', 0x0304: 'TLS 1.3' } as Record<
        number,
        string
      >
    )[v] ?? `0x${v.toString(16)}`
  );
}

/** HTTP/1.x requests at the start of a client's stream: method, host, path. */
export function parseHttpRequests(b: Buffer, max = 50): Array<{ method: string; host: string | null; path: string }> {
  const out: Array<{ method: string; host: string | null; path: string }> = [];
  const text = b.toString('latin1');
  const re =
    /(?:^|\r\n)(GET|POST|PUT|HEAD|DELETE|OPTIONS|PATCH|CONNECT) (\S{1,4096}) HTTP\/1\.[01]\r\n([\s\S]*?)\r\n\r\n/g;
  for (const m of text.matchAll(re)) {
    const [, method = '', path = '', head = ''] = m;
    const host = /^host:\s*([^\r\n:]+)/im.exec(head)?.[1]?.trim().toLowerCase() ?? null;
    out.push({ method, host, path });
    if (out.length >= max) break;
  }
  return out;
}

const JA4_VERSIONS: Record<number, string> = { 0x0304: '13', 0x0303: '12', 0x0302: '11', 0x0301: '10', 0x0300: 's3' };
const hex4 = (v: number) => v.toString(16).padStart(4, '0');
const sha12 = (s: string) => (s ? createHash('sha256').update(s).digest('hex').slice(0, 12) : '000000000000');

/**
 * JA4 (https://github.com/FoxIO-LLC/ja4, technical details): protocol, highest TLS version, SNI or IP,
 * cipher and extension counts, first and last characters of the first ALPN value; then truncated
 * SHA-256 of the sorted ciphers, and of the sorted extensions (without SNI and ALPN) with the signature
 * algorithms in their original order.
 */
export function ja4(protocol: 't' | 'q', p: ClientHello['ja4Parts']): string {
  const count = (n: number) => String(Math.min(n, 99)).padStart(2, '0');
  let alpn = '00';
  if (p.alpn) {
    const first = p.alpn.charAt(0);
    const last = p.alpn.charAt(p.alpn.length - 1);
    const alnum = (c: string) => /[A-Za-z0-9]/.test(c);
    alpn =
      alnum(first) && alnum(last)
        ? `${first}${last}`
        : `${Buffer.from(first).toString('hex')[0]}${Buffer.from(last).toString('hex').slice(-1)}`;
  }
  const version = JA4_VERSIONS[p.version] ?? '00';
  const a = `${protocol}${version}${p.sni ? 'd' : 'i'}${count(p.ciphers.length)}${count(p.extensions.length)}${alpn}`;
  const b = sha12(
    [...p.ciphers]
      .sort((x, y) => x - y)
      .map(hex4)
      .join(','),
  );
  const exts = p.extensions
    .filter((e) => e !== 0x0000 && e !== 0x0010)
    .sort((x, y) => x - y)
    .map(hex4)
    .join(',');
  const c = sha12(p.sigAlgs.length ? `${exts}_${p.sigAlgs.map(hex4).join(',')}` : exts);
  return `${a}_${b}_${c}`;
}
