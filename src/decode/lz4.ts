import { LimitExceededError, MalformedInputError } from '../io/errors.js';

/**
 * LZ4 frame format decoder (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md), blocks per
 * lz4_Block_format.md. Checksums are not verified: a wrong decoding is caught by the plausibility check
 * of what it yields.
 */
export const LZ4_MAGIC = 0x184d2204;

export function lz4FrameDecode(input: Uint8Array, maxOutput: number): Uint8Array {
  const dv = new DataView(input.buffer, input.byteOffset, input.byteLength);
  if (input.length < 7 || dv.getUint32(0, true) !== LZ4_MAGIC) throw new MalformedInputError('lz4/bad-magic', 'not an LZ4 frame');
  const flg = input[4];
  if (flg >> 6 !== 1) throw new MalformedInputError('lz4/version', 'unsupported LZ4 frame version');
  const blockChecksum = (flg & 0x10) !== 0;
  const contentSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const dictId = (flg & 0x01) !== 0;
  let p = 6 + (contentSize ? 8 : 0) + (dictId ? 4 : 0) + 1; // FLG, BD, [size], [dict], HC
  const out: number[] = [];
  while (p + 4 <= input.length) {
    const word = dv.getUint32(p, true);
    p += 4;
    if (word === 0) break; // end mark
    const size = word & 0x7fffffff;
    if (p + size > input.length) throw new MalformedInputError('lz4/truncated', 'LZ4 block runs past the input');
    if (word & 0x80000000) {
      for (let i = 0; i < size; i++) out.push(input[p + i]);
    } else {
      decodeBlock(input, p, p + size, out, maxOutput);
    }
    if (out.length > maxOutput) throw new LimitExceededError('limit/decoded-bytes', 'LZ4 output exceeds the limit');
    p += size + (blockChecksum ? 4 : 0);
  }
  if (contentChecksum) p += 4;
  return Uint8Array.from(out);
}

function decodeBlock(src: Uint8Array, start: number, end: number, out: number[], maxOutput: number): void {
  let p = start;
  while (p < end) {
    const token = src[p++];
    let lit = token >> 4;
    if (lit === 15) {
      let b: number;
      do {
        b = src[p++];
        lit += b;
      } while (b === 255 && p < end);
    }
    if (p + lit > end) throw new MalformedInputError('lz4/bad-literals', 'literal run past the block');
    for (let i = 0; i < lit; i++) out.push(src[p + i]);
    p += lit;
    if (p >= end) break; // last sequence has literals only
    const offset = src[p] | (src[p + 1] << 8);
    p += 2;
    if (offset === 0 || offset > out.length) throw new MalformedInputError('lz4/bad-offset', 'match offset outside the output');
    let len = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do {
        b = src[p++];
        len += b;
      } while (b === 255 && p < end);
    }
    if (out.length + len > maxOutput) throw new LimitExceededError('limit/decoded-bytes', 'LZ4 output exceeds the limit');
    const from = out.length - offset;
    for (let i = 0; i < len; i++) out.push(out[from + i]);
  }
}
