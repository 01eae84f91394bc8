import type { ByteSource } from '../io/byte-source.js';
import { MalformedInputError } from '../io/errors.js';

/**
 * Android Verified Boot 2.0 metadata (external/avb/libavb/avb_vbmeta_image.h): a 256-byte big-endian
 * header, then authentication and auxiliary blocks. The flags say whether dm-verity
 * (HASHTREE_DISABLED) or verification as a whole (VERIFICATION_DISABLED) is switched off; descriptors
 * name the partitions covered and any chained keys. Also read from the footer (`AVBf`) that images
 * with appended vbmeta carry in their last 64 bytes.
 */

const FLAG_HASHTREE_DISABLED = 1;
const FLAG_VERIFICATION_DISABLED = 2;
const ALGORITHMS = [
  'NONE',
  'SHA256_RSA2048',
  'SHA256_RSA4096',
  'SHA256_RSA8192',
  'SHA512_RSA2048',
  'SHA512_RSA4096',
  'SHA512_RSA8192',
];

export interface Vbmeta {
  /** Offset of the vbmeta struct in the source (0, or where the footer points). */
  offset: number;
  version: string;
  algorithm: string;
  flags: number;
  hashtreeDisabled: boolean;
  verificationDisabled: boolean;
  rollbackIndex: string;
  release: string;
  partitions: Array<{ partition: string; kind: 'hash' | 'hashtree' | 'chain' }>;
  properties: Record<string, string>;
  cmdlines: string[];
  publicKeySha256: string | null;
}

export function isVbmeta(head: Buffer): boolean {
  return head.length >= 4 && head.toString('latin1', 0, 4) === 'AVB0';
}

/** Finds vbmeta at the start of the source or through an AVB footer at its end. */
export function findVbmeta(src: ByteSource): number | null {
  if (src.size >= 256 && isVbmeta(src.read(0, 4))) return 0;
  if (src.size >= 64) {
    const f = src.read(src.size - 64, 64);
    if (f.toString('latin1', 0, 4) === 'AVBf') {
      const at = Number(f.readBigUInt64BE(20));
      if (at + 256 <= src.size && isVbmeta(src.read(at, 4))) return at;
    }
  }
  return null;
}

export function parseVbmeta(src: ByteSource, offset: number, sha256: (b: Buffer) => string): Vbmeta {
  if (offset + 256 > src.size) throw new MalformedInputError('vbmeta/truncated', 'vbmeta header is cut short');
  const h = src.read(offset, 256);
  if (!isVbmeta(h)) throw new MalformedInputError('vbmeta/bad-magic', 'no AVB0 magic');
  const authSize = num(h, 12);
  const auxSize = num(h, 20);
  const algorithm = h.readUInt32BE(28);
  const flags = h.readUInt32BE(120);
  const auxAt = offset + 256 + authSize;
  if (authSize > 1 << 20 || auxSize > 16 << 20 || auxAt + auxSize > src.size)
    throw new MalformedInputError('vbmeta/truncated', 'vbmeta blocks run past the image');
  const aux = src.read(auxAt, auxSize);
  const keyOff = num(h, 64);
  const keySize = num(h, 72);
  const descOff = num(h, 96);
  const descSize = num(h, 104);
  const out: Vbmeta = {
    offset,
    version: `${h.readUInt32BE(4)}.${h.readUInt32BE(8)}`,
    algorithm: ALGORITHMS[algorithm] ?? `algorithm ${algorithm}`,
    flags,
    hashtreeDisabled: (flags & FLAG_HASHTREE_DISABLED) !== 0,
    verificationDisabled: (flags & FLAG_VERIFICATION_DISABLED) !== 0,
    rollbackIndex: h.readBigUInt64BE(112).toString(),
    release: cstr(h.subarray(128, 176)),
    partitions: [],
    properties: {},
    cmdlines: [],
    publicKeySha256:
      keySize > 0 && keyOff + keySize <= aux.length ? sha256(aux.subarray(keyOff, keyOff + keySize)) : null,
  };
  if (descOff + descSize > aux.length)
    throw new MalformedInputError('vbmeta/bad-descriptors', 'descriptors run past the auxiliary block');
  let p = descOff;
  const end = descOff + descSize;
  while (p + 16 <= end) {
    const tag = Number(aux.readBigUInt64BE(p));
    const len = num(aux, p + 8);
    const body = p + 16;
    if (body + len > end)
      throw new MalformedInputError('vbmeta/bad-descriptor', `descriptor at ${p} runs past the descriptor area`);
    const d = aux.subarray(body, body + len);
    if (tag === 0 && d.length >= 16) {
      const kl = num(d, 0);
      const vl = num(d, 8);
      if (16 + kl + 1 + vl <= d.length)
        out.properties[d.toString('utf8', 16, 16 + kl)] = d.toString('utf8', 17 + kl, 17 + kl + vl);
    } else if (tag === 1 && d.length >= 164) {
      // hashtree: dm_verity_version, image_size, tree_offset, tree_size, data_block_size, hash_block_size,
      // fec_num_roots, fec_offset, fec_size, hash_algorithm[32], then partition_name_len at 88.
      out.partitions.push({ partition: nameAt(d, 88, 164), kind: 'hashtree' });
    } else if (tag === 2 && d.length >= 116) {
      out.partitions.push({ partition: nameAt(d, 40, 116), kind: 'hash' });
    } else if (tag === 3 && d.length >= 8) {
      const l = d.readUInt32BE(4);
      if (8 + l <= d.length) out.cmdlines.push(d.toString('utf8', 8, 8 + l));
    } else if (tag === 4 && d.length >= 76) {
      out.partitions.push({ partition: nameAt(d, 4, 76), kind: 'chain' });
    }
    p = body + len;
  }
  return out;
}

/** The partition name of a descriptor: its length sits at `lenAt`, the name right after the fixed part. */
function nameAt(d: Buffer, lenAt: number, fixed: number): string {
  const l = d.readUInt32BE(lenAt);
  return fixed + l <= d.length ? d.toString('utf8', fixed, fixed + l) : '';
}

function num(b: Buffer, at: number): number {
  const v = b.readBigUInt64BE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new MalformedInputError('vbmeta/bad-size', 'a size does not fit');
  return Number(v);
}

function cstr(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.toString('utf8', 0, nul < 0 ? b.length : nul);
}
