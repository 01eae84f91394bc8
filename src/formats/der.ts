import { MalformedInputError } from '../io/errors.js';

/** Minimal DER reader: enough to walk PKCS#7 SignedData to its certificates. */
export interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  contentStart: number;
  end: number;
}

export function readTlv(buf: Uint8Array, at: number, limit = buf.length): Tlv {
  if (at + 2 > limit) throw new MalformedInputError('der/truncated', 'DER element runs past its container');
  const tag = buf[at];
  if ((tag & 0x1f) === 0x1f) throw new MalformedInputError('der/long-tag', 'multi-byte DER tags are not used in PKCS#7');
  let p = at + 1;
  let len = buf[p++];
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > limit) throw new MalformedInputError('der/bad-length', 'unsupported or truncated DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++];
  }
  if (p + len > limit) throw new MalformedInputError('der/truncated', 'DER content runs past its container');
  return { tag, start: at, contentStart: p, end: p + len };
}

export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let p = parent.contentStart;
  while (p < parent.end && out.length < 10_000) {
    const t = readTlv(buf, p, parent.end);
    out.push(t);
    p = t.end;
  }
  return out;
}

/** Certificates (raw DER) from a PKCS#7 ContentInfo holding SignedData (RFC 2315 section 9.1). */
export function pkcs7Certificates(buf: Uint8Array): Uint8Array[] {
  const contentInfo = readTlv(buf, 0);
  const [, explicit] = children(buf, contentInfo);
  if (!explicit || explicit.tag !== 0xa0) throw new MalformedInputError('pkcs7/no-content', 'PKCS#7 has no signed content');
  const [signedData] = children(buf, explicit);
  if (!signedData) throw new MalformedInputError('pkcs7/no-content', 'PKCS#7 signed data is empty');
  const certSet = children(buf, signedData).find((t) => t.tag === 0xa0);
  if (!certSet) return [];
  return children(buf, certSet)
    .filter((t) => t.tag === 0x30)
    .map((t) => buf.subarray(t.start, t.end));
}
