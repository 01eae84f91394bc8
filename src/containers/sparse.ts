import type { ByteSource } from '../io/byte-source.js';
import { LimitExceededError, MalformedInputError } from '../io/errors.js';
import { DEFAULT_LIMITS } from '../io/limits.js';
import { MappedSource, type Piece } from './mapped-source.js';

/**
 * Android sparse images (libsparse, `sparse_format.h`): a 28-byte header (some tools write longer
 * headers, which the header-size fields announce) and chunks of RAW data, FILL patterns, DONT_CARE
 * holes and CRC32 checks. The image is exposed as the raw partition it expands to, without expanding it.
 */

export const SPARSE_MAGIC = 0xed26ff3a;
const RAW = 0xcac1;
const FILL = 0xcac2;
const DONT_CARE = 0xcac3;
const CRC32 = 0xcac4;
/** More chunks than this is not a real image (a 256 GB image of 4 KiB blocks alternating has 64 M). */

export function isSparse(head: Buffer): boolean {
  return head.length >= 4 && head.readUInt32LE(0) === SPARSE_MAGIC;
}

export interface SparseInfo {
  blockSize: number;
  blocks: number;
  chunks: number;
  /** Expanded size in bytes. */
  size: number;
}

export function openSparse(
  src: ByteSource,
  maxChunks = DEFAULT_LIMITS.firmware.maxSparseChunks,
): { image: MappedSource; info: SparseInfo; warnings: string[] } {
  const h = src.read(0, Math.min(src.size, 28));
  if (h.length < 28 || !isSparse(h)) throw new MalformedInputError('sparse/bad-magic', 'not an Android sparse image');
  const major = h.readUInt16LE(4);
  if (major !== 1) throw new MalformedInputError('sparse/version', `sparse format version ${major} is not 1`);
  const fileHeader = h.readUInt16LE(8);
  const chunkHeader = h.readUInt16LE(10);
  const blockSize = h.readUInt32LE(12);
  const blocks = h.readUInt32LE(16);
  const chunks = h.readUInt32LE(20);
  if (fileHeader < 28 || chunkHeader < 12)
    throw new MalformedInputError(
      'sparse/bad-header',
      `header sizes ${fileHeader}/${chunkHeader} are below the format's 28/12`,
    );
  if (blockSize === 0 || blockSize % 4 !== 0)
    throw new MalformedInputError('sparse/bad-block-size', `block size ${blockSize} is not a multiple of 4`);
  if (chunks > maxChunks)
    throw new LimitExceededError(
      'limit/sparse-chunks',
      `${chunks} chunks claimed, limit firmware.maxSparseChunks is ${maxChunks}`,
    );
  const size = blocks * blockSize;
  const pieces: Piece[] = [];
  const warnings: string[] = [];
  let pos = fileHeader;
  let block = 0;
  for (let i = 0; i < chunks; i++) {
    if (pos + chunkHeader > src.size) {
      warnings.push(`image ends after ${i} of ${chunks} chunks`);
      break;
    }
    const c = src.read(pos, 12);
    const type = c.readUInt16LE(0);
    const count = c.readUInt32LE(4);
    const total = c.readUInt32LE(8);
    const data = pos + chunkHeader;
    const bytes = count * blockSize;
    if (type !== CRC32 && block + count > blocks) {
      throw new MalformedInputError(
        'sparse/chunk-overrun',
        `chunk ${i} covers blocks ${block}..${block + count}, past the image's ${blocks} blocks`,
      );
    }
    if (type === RAW) {
      if (total !== chunkHeader + bytes)
        throw new MalformedInputError(
          'sparse/bad-chunk',
          `raw chunk ${i} is ${total} bytes, expected ${chunkHeader + bytes}`,
        );
      if (data + bytes > src.size) {
        warnings.push(`raw chunk ${i} is cut short by the end of the file`);
        pieces.push({ at: block * blockSize, length: src.size - data, kind: 'source', source: src, offset: data });
        break;
      }
      pieces.push({ at: block * blockSize, length: bytes, kind: 'source', source: src, offset: data });
    } else if (type === FILL) {
      if (total < chunkHeader + 4) throw new MalformedInputError('sparse/bad-chunk', `fill chunk ${i} has no pattern`);
      const pattern = src.read(data, 4);
      if (pattern.readUInt32LE(0) !== 0)
        pieces.push({ at: block * blockSize, length: bytes, kind: 'fill', pattern: Buffer.from(pattern) });
    } else if (type === DONT_CARE || type === CRC32) {
      // Holes read as zeros; the CRC chunk carries a checksum of what precedes it and no blocks.
    } else {
      throw new MalformedInputError('sparse/bad-chunk-type', `chunk ${i} has unknown type 0x${type.toString(16)}`);
    }
    if (type !== CRC32) block += count;
    if (total < chunkHeader)
      throw new MalformedInputError('sparse/bad-chunk', `chunk ${i} claims ${total} bytes, less than its header`);
    pos += total;
  }
  return { image: new MappedSource(size, pieces), info: { blockSize, blocks, chunks, size }, warnings };
}
