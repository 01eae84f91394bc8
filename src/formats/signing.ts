import { X509Certificate, createHash } from 'node:crypto';
import type { ByteSource } from '../io/byte-source.js';
import { MalformedInputError } from '../io/errors.js';
import type { Signer } from '../model.js';
import { pkcs7Certificates } from './der.js';

/**
 * APK signatures. v1 is the JAR scheme (META-INF/*.RSA|DSA|EC holding PKCS#7); v2, v3 and v3.1 live in the
 * APK Signing Block just before the zip central directory
 * (https://source.android.com/docs/security/features/apksigning/v2).
 */

const BLOCK_MAGIC = 'APK Sig Block 42';
const SCHEME_IDS: Record<number, Signer['scheme']> = { 0x7109871a: 'v2', 0xf05368c0: 'v3', 0x1b93ad61: 'v3.1' };
const MAX_SIGNERS = 64;

export function describeCertificate(der: Uint8Array, scheme: Signer['scheme']): Signer {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch (err) {
    throw new MalformedInputError(
      'apksig/bad-certificate',
      `${scheme} certificate (sha256 ${createHash('sha256').update(der).digest('hex')}) ` +
        `is not readable X.509: ${(err as Error).message}`,
    );
  }
  return {
    scheme,
    sha256: createHash('sha256').update(der).digest('hex'),
    sha1: createHash('sha1').update(der).digest('hex'),
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    serialNumber: cert.serialNumber,
    validFrom: cert.validFrom,
    validTo: cert.validTo,
  };
}

/** A certificate that could not be read: the others of its block are still returned. */
export type CertificateProblem = MalformedInputError;

export function v1Signers(pkcs7: Uint8Array, problems: CertificateProblem[] = []): Signer[] {
  return pkcs7Certificates(pkcs7).flatMap((der) => describeOrNote(der, 'v1', problems));
}

function describeOrNote(der: Uint8Array, scheme: Signer['scheme'], problems: CertificateProblem[]): Signer[] {
  try {
    return [describeCertificate(der, scheme)];
  } catch (err) {
    if (!(err instanceof MalformedInputError)) throw err;
    problems.push(err);
    return [];
  }
}

/** Finds the signing block that must end right where the central directory starts. */
export function readSigningBlock(src: ByteSource, cdOffset: number): Map<number, Buffer> | null {
  if (cdOffset < 32) return null;
  const footer = src.read(cdOffset - 24, 24);
  if (footer.toString('latin1', 8, 24) !== BLOCK_MAGIC) return null;
  const sizeInFooter = Number(footer.readBigUInt64LE(0));
  const blockStart = cdOffset - sizeInFooter - 8;
  if (sizeInFooter < 24 || blockStart < 0)
    throw new MalformedInputError('apksig/bad-block-size', `signing block size ${sizeInFooter} is impossible`);
  const block = src.read(blockStart, sizeInFooter + 8);
  if (Number(block.readBigUInt64LE(0)) !== sizeInFooter)
    throw new MalformedInputError('apksig/size-mismatch', 'signing block header and footer sizes differ');
  const pairs = new Map<number, Buffer>();
  let p = 8;
  const end = block.length - 24;
  while (p + 12 <= end) {
    const len = Number(block.readBigUInt64LE(p));
    if (len < 4 || p + 8 + len > end)
      throw new MalformedInputError('apksig/bad-pair', `signing block pair at ${p} runs past the block`);
    pairs.set(block.readUInt32LE(p + 8), block.subarray(p + 12, p + 8 + len));
    p += 8 + len;
  }
  return pairs;
}

/** Signers of the v2/v3/v3.1 schemes present in a signing block. */
export function blockSigners(pairs: Map<number, Buffer>, problems: CertificateProblem[] = []): Signer[] {
  const out: Signer[] = [];
  for (const [id, value] of pairs) {
    const scheme = SCHEME_IDS[id];
    if (!scheme) continue;
    const signers = lengthPrefixed(value, 0, value.length, 'signer sequence');
    for (const signer of sequence(signers, MAX_SIGNERS)) {
      const signedData = lengthPrefixed(signer.buf, signer.start, signer.end, 'signed data');
      const seq = sequence(signedData, 2);
      // signed data = digests, certificates, ...; take the certificates sequence.
      const certs = seq[1];
      if (!certs) throw new MalformedInputError('apksig/no-certificates', `${scheme} signer has no certificates`);
      for (const cert of sequence(certs, MAX_SIGNERS)) {
        out.push(...describeOrNote(cert.buf.subarray(cert.start, cert.end), scheme, problems));
      }
    }
  }
  return out;
}

export function presentSchemes(pairs: Map<number, Buffer> | null): Array<Signer['scheme']> {
  if (!pairs) return [];
  return [...pairs.keys()].map((id) => SCHEME_IDS[id]).filter((s): s is Signer['scheme'] => s !== undefined);
}

interface Slice {
  buf: Buffer;
  start: number;
  end: number;
}

function lengthPrefixed(buf: Buffer, at: number, limit: number, what: string): Slice {
  if (at + 4 > limit) throw new MalformedInputError('apksig/truncated', `${what} is truncated`);
  const len = buf.readUInt32LE(at);
  if (at + 4 + len > limit)
    throw new MalformedInputError('apksig/truncated', `${what} claims ${len} bytes and runs past its parent`);
  return { buf, start: at + 4, end: at + 4 + len };
}

/** A sequence of u32-length-prefixed items, read only up to `max` items (the rest is not needed). */
function sequence(s: Slice, max: number): Slice[] {
  const out: Slice[] = [];
  let p = s.start;
  while (p < s.end && out.length < max) {
    const item = lengthPrefixed(s.buf, p, s.end, 'sequence item');
    out.push(item);
    p = item.end;
  }
  return out;
}
