import { LimitExceededError, MalformedInputError } from '../io/errors.js';
import { loadNative } from '../io/native.js';

/**
 * xz and legacy .lzma decompression through `@napi-rs/lzma` (Rust, prebuilt in the npm package), behind a
 * size check: the library has no output cap, so the size each format declares (the xz index; the
 * .lzma header) is read first and anything undeclared or over the limit is refused. Where the package
 * has no binary, decoding throws `UnavailableError` (`unavailable/lzma`, io/native.ts).
 */

interface LzmaModule {
  xz: { decompressSync(input: Uint8Array): Uint8Array };
  lzma: { decompressSync(input: Uint8Array): Uint8Array };
}

function lzma(): LzmaModule {
  return loadNative<LzmaModule>('lzma');
}

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];

export function isXz(b: Uint8Array): boolean {
  return b.length >= 32 && XZ_MAGIC.every((v, i) => b[i] === v);
}

/** Legacy LZMA-alone header: properties byte (lc/lp/pb < 225), dictionary size, 64-bit size. */
export function isLzmaAlone(b: Uint8Array): boolean {
  if (b.length < 14 || b[0] !== 0x5d) return false;
  const dict = view(b).getUint32(1, true);
  return dict >= 4096 && (dict & (dict - 1)) === 0;
}

/** Little-endian reads of header fields, once their offsets are checked; a field past the end is a RangeError. */
function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function readVli(b: Uint8Array, p: { i: number }, end: number): number {
  let v = 0;
  for (let k = 0; k < 9; k++) {
    const byte = p.i < end ? b[p.i++] : undefined;
    if (byte === undefined) throw new MalformedInputError('xz/bad-index', 'index runs past its end');
    v += (byte & 0x7f) * 2 ** (7 * k);
    if ((byte & 0x80) === 0) return v;
  }
  throw new MalformedInputError('xz/bad-index', 'variable-length integer too long');
}

/**
 * Total uncompressed size declared by the indexes of every stream (xz file format 1.0.4, sections 2.2
 * and 4), read from the end: each stream's footer gives its index, the index gives its blocks' sizes and
 * so where the stream starts. The streams found must cover the whole input, so a small last stream
 * cannot hide a large first one.
 */
export function xzDeclaredSize(b: Uint8Array, found: Array<{ start: number; index: number }> = []): number {
  let end = b.length;
  let total = 0;
  for (let streams = 0; end > 0; streams++) {
    // Stream padding: zero bytes in multiples of four between and after streams.
    while (end >= 4 && b[end - 1] === 0 && b[end - 2] === 0 && b[end - 3] === 0 && b[end - 4] === 0) end -= 4;
    if (end === 0) break;
    if (streams >= 10_000) throw new MalformedInputError('xz/bad-index', 'too many concatenated streams');
    const footer = end - 12;
    if (footer < 12 || b[footer + 10] !== 0x59 || b[footer + 11] !== 0x5a)
      throw new MalformedInputError('xz/bad-footer', 'no xz stream footer');
    const backward = (view(b).getUint32(footer + 4, true) + 1) * 4;
    const indexStart = footer - backward;
    if (indexStart < 12 || b[indexStart] !== 0)
      throw new MalformedInputError('xz/bad-index', 'no xz index where the footer says');
    const p = { i: indexStart + 1 };
    const records = readVli(b, p, footer);
    if (records > 1_000_000) throw new MalformedInputError('xz/bad-index', 'too many index records');
    let blocks = 0;
    for (let r = 0; r < records; r++) {
      blocks += Math.ceil(readVli(b, p, footer) / 4) * 4; // unpadded size, padded to four bytes
      total += readVli(b, p, footer);
    }
    const start = indexStart - blocks - 12;
    if (start < 0 || !XZ_MAGIC.every((v, k) => b[start + k] === v))
      throw new MalformedInputError('xz/bad-index', 'the index does not account for the stream');
    found.push({ start, index: indexStart });
    end = start;
  }
  return total;
}

const CHECK_SIZES = [0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64];

/**
 * What the decoder will write for one stream's blocks, from their LZMA2 chunk headers (xz format 1.0.4
 * section 3; LZMA2 as liblzma reads it): each chunk states its unpacked size and the decoder writes
 * exactly that, so the sum bounds the output before any decoding. The blocks are walked from the stream
 * header in the decoder's order and must end where the index starts. The index cannot bound it: the
 * decoder checks the index only after it has written the blocks (a 43 KB file declaring 1,000 bytes
 * decoded 300 MB first).
 */
function xzChunkedSize(b: Uint8Array, start: number, index: number): number {
  // Past the end reads as 0: every read below is checked against `index`, which lies inside `b`, before
  // its value is trusted, so a short header fails that check instead of reading garbage.
  const at = (k: number): number => b[k] ?? 0;
  const check = CHECK_SIZES[at(start + 7) & 0x0f] as number;
  let total = 0;
  let i = start + 12;
  while (i < index) {
    const headerSize = (at(i) + 1) * 4;
    const flags = at(i + 1);
    if (at(i) === 0 || i + headerSize > index || (flags & 0x3c) !== 0)
      throw new MalformedInputError('xz/bad-block', 'block header does not fit its stream');
    // Only the last filter of the chain decompresses; delta and BCJ filters before it keep the size.
    const p = { i: i + 2 };
    const end = i + headerSize - 4;
    if (flags & 0x40) readVli(b, p, end);
    if (flags & 0x80) readVli(b, p, end);
    let last = -1;
    for (let f = 0; f <= (flags & 3); f++) {
      last = readVli(b, p, end);
      const props = readVli(b, p, end);
      p.i += props;
    }
    if (last !== 0x21) throw new MalformedInputError('xz/bad-block', `last filter ${last} is not LZMA2`);
    let q = i + headerSize;
    for (;;) {
      if (q >= index) throw new MalformedInputError('xz/bad-block', 'LZMA2 chunks run past the block');
      const c = at(q);
      if (c === 0) break;
      if (c === 1 || c === 2) {
        const size = ((at(q + 1) << 8) | at(q + 2)) + 1;
        total += size;
        q += 3 + size;
      } else if (c >= 0x80) {
        total += (((c & 0x1f) << 16) | (at(q + 1) << 8) | at(q + 2)) + 1;
        q += (((c >> 5) & 3) >= 2 ? 6 : 5) + ((at(q + 3) << 8) | at(q + 4)) + 1;
      } else throw new MalformedInputError('xz/bad-block', `LZMA2 control byte ${c}`);
    }
    i = Math.ceil((q + 1 - start) / 4) * 4 + start + check;
  }
  if (i !== index) throw new MalformedInputError('xz/bad-block', 'the blocks do not end where the index starts');
  return total;
}

/** Bytes every stream's LZMA2 chunks will decode to, in total (see xzChunkedSize). */
export function xzChunkedTotal(b: Uint8Array): number {
  const streams: Array<{ start: number; index: number }> = [];
  xzDeclaredSize(b, streams);
  return streams.reduce((n, st) => n + xzChunkedSize(b, st.start, st.index), 0);
}

export function xzDecode(b: Uint8Array, maxOutput: number, code = 'limit/decoded-bytes'): Uint8Array {
  const size = xzDeclaredSize(b);
  if (size > maxOutput)
    throw new LimitExceededError(code, `xz declares ${size} bytes, past the limit of ${maxOutput} (${code})`);
  const chunked = xzChunkedTotal(b);
  if (chunked > maxOutput)
    throw new LimitExceededError(
      code,
      `xz blocks hold ${chunked} bytes (the index declares ${size}), past the limit of ${maxOutput} (${code})`,
    );
  const decoder = lzma();
  let out: Uint8Array;
  try {
    out = decoder.xz.decompressSync(b);
  } catch (err) {
    // Corrupt data, or a check the library lacks (SHA-256): a bad stream, not a crash.
    throw new MalformedInputError('xz/bad-stream', `xz: ${(err as Error).message}`);
  }
  if (out.length > maxOutput)
    throw new LimitExceededError(code, `xz produced ${out.length} bytes, past the limit of ${maxOutput} (${code})`);
  return out;
}

export function lzmaAloneDecode(b: Uint8Array, maxOutput: number): Uint8Array {
  if (b.length < 13) throw new MalformedInputError('lzma/truncated', '.lzma header cut short');
  const lo = view(b).getUint32(5, true);
  const hi = view(b).getUint32(9, true);
  if (hi === 0xffffffff && lo === 0xffffffff)
    throw new LimitExceededError(
      'limit/decoded-bytes',
      '.lzma stream of undeclared size cannot be bounded (limit decode.maxOutput)',
    );
  const size = hi * 2 ** 32 + lo;
  if (size > maxOutput)
    throw new LimitExceededError('limit/decoded-bytes', `.lzma declares ${size} bytes, past the limit of ${maxOutput}`);
  const decoder = lzma();
  try {
    return decoder.lzma.decompressSync(b);
  } catch (err) {
    throw new MalformedInputError('lzma/bad-stream', `.lzma: ${(err as Error).message}`);
  }
}

/**
 * MicroLZMA (what EROFS and the kernel use): a raw LZMA1 stream whose first byte, always zero in LZMA1,
 * carries the inverted properties byte instead. Decoded by rebuilding a .lzma header around it with the
 * size the container declares (the decoder then stops there) and a dictionary that covers the output.
 */
export function microLzmaDecode(stream: Uint8Array, outSize: number, maxOutput: number): Uint8Array {
  if (outSize > maxOutput) throw new LimitExceededError('limit/decoded-bytes', `MicroLZMA output of ${outSize} bytes`);
  if (stream.length < 5) throw new MalformedInputError('lzma/truncated', 'MicroLZMA stream too short');
  const props = ~(stream[0] ?? 0) & 0xff;
  if (props >= 225) throw new MalformedInputError('lzma/bad-properties', `MicroLZMA properties byte ${props}`);
  let dict = 4096;
  while (dict < outSize && dict < 1 << 30) dict *= 2;
  const header = new Uint8Array(13);
  header[0] = props;
  new DataView(header.buffer).setUint32(1, dict, true);
  new DataView(header.buffer).setUint32(5, outSize >>> 0, true);
  new DataView(header.buffer).setUint32(9, Math.floor(outSize / 2 ** 32), true);
  const full = new Uint8Array(13 + stream.length);
  full.set(header, 0);
  full[13] = 0;
  full.set(stream.subarray(1), 14);
  // Loaded outside the try: an absent decoder is the installation's problem, not a bad stream.
  const decoder = lzma();
  try {
    return decoder.lzma.decompressSync(full);
  } catch (err) {
    throw new MalformedInputError('lzma/bad-stream', `MicroLZMA: ${(err as Error).message}`);
  }
}
