import { MalformedInputError } from '../io/errors.js';

/**
 * Raw LZ4 block decoding (lz4_Block_format.md) into a buffer of known size, as EROFS stores its
 * clusters: no frame, and the decoder stops when the output is full (EROFS decodes a cluster's prefix
 * when a file ends inside it). Returns the number of bytes written.
 */
export function lz4BlockDecode(src: Uint8Array, start: number, end: number, out: Uint8Array, outStart = 0, outEnd = out.length): number {
  let p = start;
  let o = outStart;
  while (p < end && o < outEnd) {
    const token = src[p++];
    let lit = token >> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (p >= end) throw new MalformedInputError('lz4/truncated', 'literal length runs past the block');
        b = src[p++];
        lit += b;
      } while (b === 255);
    }
    if (p + lit > end) throw new MalformedInputError('lz4/bad-literals', 'literal run past the block');
    const take = Math.min(lit, outEnd - o);
    out.set(src.subarray(p, p + take), o);
    o += take;
    p += lit;
    if (p >= end || o >= outEnd) break;
    if (p + 2 > end) throw new MalformedInputError('lz4/truncated', 'match offset runs past the block');
    const offset = src[p] | (src[p + 1] << 8);
    p += 2;
    if (offset === 0 || offset > o - outStart) throw new MalformedInputError('lz4/bad-offset', 'match offset outside the output');
    let len = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do {
        if (p >= end) throw new MalformedInputError('lz4/truncated', 'match length runs past the block');
        b = src[p++];
        len += b;
      } while (b === 255);
    }
    len = Math.min(len, outEnd - o);
    if (offset >= len) {
      out.copyWithin(o, o - offset, o - offset + len);
      o += len;
    } else {
      // Overlapping match: the pattern repeats byte by byte.
      for (let i = 0; i < len; i++, o++) out[o] = out[o - offset];
    }
  }
  return o - outStart;
}
