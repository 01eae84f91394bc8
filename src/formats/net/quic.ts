import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';

/**
 * QUIC Initial packets (RFC 9000, RFC 9001 section 5; version 2 per RFC 9369; drafts 29-32): derives the
 * client's Initial keys from the Destination Connection ID, removes header protection, decrypts the
 * payload with AES-128-GCM, and collects CRYPTO frames by offset so a ClientHello spread over several
 * packets (as Chrome's now is) can be read whole. Anything that does not decrypt is ignored.
 */

const VERSIONS: Record<number, { salt: string; prefix: string; initialType: number }> = {
  0x00000001: { salt: '38762cf7f55934b34d179ae6a4c80cadccbb7f0a', prefix: 'quic ', initialType: 0 },
  0x6b3343cf: { salt: '0dede3def700a6db819381be6e269dcbf9bd2ed9', prefix: 'quicv2 ', initialType: 1 },
  0xff00001d: { salt: 'afbfec289993d24c9e9786f19c6111e04390a899', prefix: 'quic ', initialType: 0 },
  0xff00001e: { salt: 'afbfec289993d24c9e9786f19c6111e04390a899', prefix: 'quic ', initialType: 0 },
  0xff00001f: { salt: 'afbfec289993d24c9e9786f19c6111e04390a899', prefix: 'quic ', initialType: 0 },
  0xff000020: { salt: 'afbfec289993d24c9e9786f19c6111e04390a899', prefix: 'quic ', initialType: 0 },
};

function hkdfExpandLabel(secret: Buffer, label: string, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`);
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, full.length]), full, Buffer.from([0])]);
  const out: Buffer[] = [];
  let prev = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(out).length < length; i++) {
    prev = createHmac('sha256', secret)
      .update(Buffer.concat([prev, info, Buffer.from([i])]))
      .digest();
    out.push(prev);
  }
  return Buffer.concat(out).subarray(0, length);
}

function varint(b: Buffer, p: number): [number, number] | null {
  const lead = b[p];
  if (lead === undefined) return null;
  const len = 1 << (lead >> 6);
  if (p + len > b.length) return null;
  let v = lead & 0x3f;
  for (const byte of b.subarray(p + 1, p + len)) v = v * 256 + byte;
  return [v, p + len];
}

/** CRYPTO frame data of one client Initial packet, keyed by offset; null when it is not one. */
export function quicInitialCrypto(b: Buffer): { dcid: string; chunks: Array<[number, Buffer]> } | null {
  if (b.length < 7 || (b.readUInt8(0) & 0x80) === 0) return null;
  const version = b.readUInt32BE(1);
  const v = VERSIONS[version];
  if (!v || ((b.readUInt8(0) >> 4) & 0x03) !== v.initialType) return null;
  let p = 5;
  const dcidLen = b.readUInt8(p++);
  if (dcidLen > 20 || p + dcidLen >= b.length) return null;
  const dcid = b.subarray(p, p + dcidLen);
  p += dcidLen;
  const scidLen = b.readUInt8(p++);
  p += scidLen;
  const tok = varint(b, p);
  if (!tok) return null;
  p = tok[1] + tok[0];
  const len = varint(b, p);
  if (!len) return null;
  const pnOffset = len[1];
  const end = pnOffset + len[0];
  if (end > b.length || pnOffset + 20 > end) return null;
  const initial = createHmac('sha256', Buffer.from(v.salt, 'hex')).update(dcid).digest();
  const client = hkdfExpandLabel(initial, 'client in', 32);
  const key = hkdfExpandLabel(client, `${v.prefix}key`, 16);
  const iv = hkdfExpandLabel(client, `${v.prefix}iv`, 12);
  const hp = hkdfExpandLabel(client, `${v.prefix}hp`, 16);
  const sample = b.subarray(pnOffset + 4, pnOffset + 20);
  const ecb = createCipheriv('aes-128-ecb', hp, null);
  const mask = ecb.update(sample);
  const first = b.readUInt8(0) ^ (mask.readUInt8(0) & 0x0f);
  const pnLen = (first & 0x03) + 1;
  const header = Buffer.from(b.subarray(0, pnOffset + pnLen));
  header[0] = first;
  let pn = 0;
  for (let i = 0; i < pnLen; i++) {
    const byte = header.readUInt8(pnOffset + i) ^ mask.readUInt8(1 + i);
    header[pnOffset + i] = byte;
    pn = pn * 256 + byte;
  }
  const nonce = Buffer.from(iv);
  for (let i = 0; i < 8; i++) nonce[11 - i] = nonce.readUInt8(11 - i) ^ (Math.floor(pn / 2 ** (8 * i)) & 0xff);
  const ciphertext = b.subarray(pnOffset + pnLen, end - 16);
  const tag = b.subarray(end - 16, end);
  let plain: Buffer;
  try {
    const d = createDecipheriv('aes-128-gcm', key, nonce);
    d.setAAD(header);
    d.setAuthTag(tag);
    plain = Buffer.concat([d.update(ciphertext), d.final()]);
  } catch {
    return null;
  }
  const chunks: Array<[number, Buffer]> = [];
  let q = 0;
  while (q < plain.length) {
    const type = plain[q];
    if (type === 0x00 || type === 0x01) {
      q++;
    } else if (type === 0x06) {
      const off = varint(plain, q + 1);
      const l = off && varint(plain, off[1]);
      if (!off || !l || l[1] + l[0] > plain.length) break;
      chunks.push([off[0], plain.subarray(l[1], l[1] + l[0])]);
      q = l[1] + l[0];
    } else if (type === 0x02 || type === 0x03) {
      // ACK: largest, delay, range count, first range, then ranges (and ECN counts for 0x03).
      let r = varint(plain, q + 1);
      for (let k = 0; r && k < 2; k++) r = varint(plain, r[1]);
      if (!r) break;
      const count = r[0];
      r = varint(plain, r[1]);
      for (let k = 0; r && k < count * 2 + (type === 0x03 ? 3 : 0); k++) r = varint(plain, r[1]);
      if (!r) break;
      q = r[1];
    } else break;
  }
  return { dcid: dcid.toString('hex'), chunks };
}

/** Joins CRYPTO chunks into the handshake stream from offset 0, wrapped as a TLS record for the ClientHello reader. */
export function cryptoStream(chunks: Array<[number, Buffer]>): Buffer | null {
  const sorted = [...chunks].sort((a, b) => a[0] - b[0]);
  const parts: Buffer[] = [];
  let at = 0;
  for (const [off, data] of sorted) {
    if (off > at) break;
    if (off + data.length <= at) continue;
    parts.push(data.subarray(at - off));
    at = off + data.length;
  }
  if (at === 0) return null;
  const hs = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([0x16, 0x03, 0x01, (hs.length >> 8) & 0xff, hs.length & 0xff]), hs]);
}
