import { MalformedInputError, entryAt } from '../io/errors.js';

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
  const tag = entryAt(buf, at, 'der/truncated', 'DER byte');
  if ((tag & 0x1f) === 0x1f)
    throw new MalformedInputError('der/long-tag', 'multi-byte DER tags are not used in PKCS#7');
  let p = at + 1;
  let len = entryAt(buf, p++, 'der/truncated', 'DER byte');
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > limit)
      throw new MalformedInputError('der/bad-length', 'unsupported or truncated DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + entryAt(buf, p++, 'der/truncated', 'DER byte');
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

/**
 * Signer certificates (raw DER) from a PKCS#7 ContentInfo holding SignedData (RFC 2315 section 9.1).
 * The certificate bag may carry extra certificates (chains, decoys); only those named by a SignerInfo's
 * issuerAndSerialNumber are signers, as Android's JAR verifier and apksigner decide.
 */
export function pkcs7Certificates(buf: Uint8Array): Uint8Array[] {
  const contentInfo = readTlv(buf, 0);
  const [, explicit] = children(buf, contentInfo);
  if (!explicit || explicit.tag !== 0xa0)
    throw new MalformedInputError('pkcs7/no-content', 'PKCS#7 has no signed content');
  const [signedData] = children(buf, explicit);
  if (!signedData) throw new MalformedInputError('pkcs7/no-content', 'PKCS#7 signed data is empty');
  const parts = children(buf, signedData);
  const certSet = parts.find((t) => t.tag === 0xa0);
  if (!certSet) return [];
  const certs = children(buf, certSet).filter((t) => t.tag === 0x30);
  const signerInfos = parts[parts.length - 1];
  const wanted: Array<{ issuer: string; serial: string }> = [];
  if (signerInfos && signerInfos.tag === 0x31) {
    for (const si of children(buf, signerInfos)) {
      const [, ias] = children(buf, si);
      if (!ias || ias.tag !== 0x30) continue;
      const [issuer, serial] = children(buf, ias);
      if (issuer && serial) wanted.push({ issuer: hex(buf, issuer), serial: hex(buf, serial) });
    }
  }
  const matches = certs.filter((c) => {
    const [tbs] = children(buf, c);
    if (!tbs) return false;
    const fields = children(buf, tbs);
    const offset = fields[0]?.tag === 0xa0 ? 1 : 0; // optional [0] version
    const serial = fields[offset];
    const issuer = fields[offset + 2];
    return !!serial && !!issuer && wanted.some((w) => w.serial === hex(buf, serial) && w.issuer === hex(buf, issuer));
  });
  // Without a usable SignerInfo, fall back to the whole bag rather than report no signer at all.
  return (matches.length > 0 ? matches : certs).map((t) => buf.subarray(t.start, t.end));
}

function hex(buf: Uint8Array, t: Tlv): string {
  return Buffer.from(buf.subarray(t.start, t.end)).toString('hex');
}
