import { LimitExceededError, MalformedInputError } from '../io/errors.js';

/**
 * LZ4 frames (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md) and raw blocks
 * (lz4_Block_format.md): frames hide lists in apps and wrap Samsung's `*.img.lz4`; raw blocks are EROFS
 * clusters. Checksums are not verified: a wrong decoding is caught by what it yields.
 */
export const LZ4_MAGIC = 0x184d2204;

/**
 * Raw LZ4 block decoding (lz4_Block_format.md) into a buffer of known size, as EROFS stores its
 * clusters: no frame, and the decoder stops when the output is full (EROFS decodes a cluster's prefix
 * when a file ends inside it). Returns the number of bytes written.
 */
export function lz4BlockDecode(
  src: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  outStart = 0,
  outEnd = out.length,
  windowStart = outStart,
): number {
  let p = start;
  let o = outStart;
  while (p < end && o < outEnd) {
    const token = blockByte(src, p++, end, 'token');
    let lit = token >> 4;
    if (lit === 15) {
      let b: number;
      do {
        b = blockByte(src, p++, end, 'literal length');
        lit += b;
      } while (b === 255);
    }
    if (p + lit > end) throw new MalformedInputError('lz4/bad-literals', 'literal run past the block');
    const take = Math.min(lit, outEnd - o);
    out.set(src.subarray(p, p + take), o);
    o += take;
    p += lit;
    if (p >= end || o >= outEnd) break;
    const offset = blockByte(src, p, end, 'match offset') | (blockByte(src, p + 1, end, 'match offset') << 8);
    p += 2;
    if (offset === 0 || offset > o - windowStart)
      throw new MalformedInputError('lz4/bad-offset', 'match offset outside the output');
    let len = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do {
        b = blockByte(src, p++, end, 'match length');
        len += b;
      } while (b === 255);
    }
    len = Math.min(len, outEnd - o);
    // A match may overlap its own output (offset < len: the last `offset` bytes repeat). Copying from the
    // match start what is already written, the available run doubles each step and stays a whole number
    // of periods, so this equals the byte-by-byte copy.
    const from = o - offset;
    while (len > 0) {
      const n = Math.min(o - from, len);
      out.copyWithin(o, from, from + n);
      o += n;
      len -= n;
    }
  }
  return o - outStart;
}

/** Byte `p` of a block ending at `end`; past the end (or the buffer) the block is truncated. */
function blockByte(src: Uint8Array, p: number, end: number, what: string): number {
  const b = p < end ? src[p] : undefined;
  if (b === undefined) throw new MalformedInputError('lz4/truncated', `${what} runs past the block`);
  return b;
}

/**
 * An LZ4 frame decoded into one buffer. Linked blocks may refer back into earlier blocks, so the whole
 * output is the match window. Output past `maxOutput` (or a declared size above it) is a
 * LimitExceededError with `limitCode`.
 */
export function lz4FrameDecode(input: Uint8Array, maxOutput: number, limitCode = 'limit/decoded-bytes'): Buffer {
  const b = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (b.length < 7 || b.readUInt32LE(0) !== LZ4_MAGIC)
    throw new MalformedInputError('lz4/bad-magic', 'not an LZ4 frame');
  const flg = b.readUInt8(4);
  if (flg >> 6 !== 1) throw new MalformedInputError('lz4/version', 'unsupported LZ4 frame version');
  const blockChecksum = (flg & 0x10) !== 0;
  const hasSize = (flg & 0x08) !== 0;
  const blockMax = [0, 0, 0, 0, 64 << 10, 256 << 10, 1 << 20, 4 << 20][(b.readUInt8(5) >> 4) & 7];
  if (!blockMax) throw new MalformedInputError('lz4/bad-block-size', 'bad block maximum size');
  let p = 6;
  let declared = -1;
  if (hasSize) {
    if (b.length < 15) throw new MalformedInputError('lz4/truncated', 'LZ4 frame header is cut short');
    declared = Number(b.readBigUInt64LE(6));
    p += 8;
  }
  if (flg & 0x01) p += 4;
  p += 1; // header checksum
  if (declared > maxOutput) throw new LimitExceededError(limitCode, `LZ4 frame declares ${declared} bytes`);
  let out = Buffer.allocUnsafe(Math.max(blockMax, declared >= 0 ? declared : Math.min(maxOutput, b.length * 3)));
  let o = 0;
  while (p + 4 <= b.length) {
    const word = b.readUInt32LE(p);
    p += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    if (p + size > b.length) throw new MalformedInputError('lz4/truncated', 'LZ4 block runs past the input');
    // Room for a whole block, so a block is never cut short silently; the limit is checked after it.
    if (o + blockMax > out.length) {
      const grown = Buffer.allocUnsafe(Math.max(out.length * 2, o + blockMax));
      out.copy(grown, 0, 0, o);
      out = grown;
    }
    if (word & 0x80000000) {
      b.copy(out, o, p, p + size);
      o += size;
    } else {
      o += lz4BlockDecode(b, p, p + size, out, o, o + blockMax, 0);
    }
    if (o > maxOutput) throw new LimitExceededError(limitCode, `LZ4 output exceeds ${maxOutput} bytes`);
    p += size + (blockChecksum ? 4 : 0);
  }
  return out.subarray(0, o);
}
