import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import Bunzip from 'seek-bzip';
import { LimitExceededError, MalformedInputError } from '../io/errors.js';
import { decodeZstdFrames, zstdDeadlineMs } from './zstd-watched.js';

/**
 * Every decompressor Candor uses, behind one rule: output stops at a cap while decoding, never after.
 * zlib formats and brotli use Node's own `maxOutputLength` (zlib stops its loop when the output passes
 * it); bzip2 writes through an output stream that refuses the byte past the cap; zstd is decoded frame by
 * frame with fzstd's streaming decoder, each frame's window checked before fzstd allocates it, on a helper
 * thread with a deadline (`zstd-watched.ts`: fzstd can loop forever on a malformed frame). A cap hit
 * is a `LimitExceededError` whose code names the limit and whose message names its value.
 */

export type Codec = 'gzip' | 'zlib' | 'deflate' | 'brotli' | 'bzip2' | 'zstd';

export function boundedDecompress(codec: Codec, input: Uint8Array, cap: number, code = 'limit/decoded-bytes'): Buffer {
  switch (codec) {
    case 'gzip':
      return zlibBounded(() => gunzipSync(input, { maxOutputLength: Math.max(1, cap) }), codec, cap, code);
    case 'zlib':
      return zlibBounded(() => inflateSync(input, { maxOutputLength: Math.max(1, cap) }), codec, cap, code);
    case 'deflate':
      return zlibBounded(() => inflateRawSync(input, { maxOutputLength: Math.max(1, cap) }), codec, cap, code);
    case 'brotli':
      return zlibBounded(() => brotliDecompressSync(input, { maxOutputLength: Math.max(1, cap) }), codec, cap, code);
    case 'bzip2':
      return bzip2Bounded(input, cap, code);
    case 'zstd':
      return zstdBounded(input, cap, code);
  }
}

export function overCap(codec: string, cap: number, code: string): LimitExceededError {
  return new LimitExceededError(code, `${codec} output passes the limit of ${cap} bytes (${code})`);
}

function zlibBounded(f: () => Buffer, codec: Codec, cap: number, code: string): Buffer {
  try {
    return f();
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw overCap(codec, cap, code);
    throw new MalformedInputError(`${codec}/bad-stream`, `${codec}: ${(err as Error).message}`);
  }
}

class CappedOutput {
  buffer = Buffer.allocUnsafe(16384);
  pos = 0;
  constructor(
    private readonly cap: number,
    private readonly code: string,
  ) {}
  writeByte(b: number): void {
    if (this.pos >= this.buffer.length) {
      if (this.pos >= this.cap) throw overCap('bzip2', this.cap, this.code);
      const next = Buffer.allocUnsafe(Math.min(this.buffer.length * 2, this.cap));
      this.buffer.copy(next);
      this.buffer = next;
    }
    this.buffer[this.pos++] = b;
  }
  flush(): void {}
}

function bzip2Bounded(input: Uint8Array, cap: number, code: string): Buffer {
  const out = new CappedOutput(cap, code);
  try {
    Bunzip.decode(Buffer.from(input.buffer, input.byteOffset, input.byteLength), out, true);
  } catch (err) {
    if (err instanceof LimitExceededError) throw err;
    throw new MalformedInputError('bzip2/bad-stream', `bzip2: ${(err as Error).message ?? String(err)}`);
  }
  return Buffer.from(out.buffer.subarray(0, out.pos));
}

const ZSTD_MAGIC = 0xfd2fb528;
const ZSTD_MAX_WINDOW = 2 ** 27;

/** Splits a zstd input into frames by their block headers (RFC 8878 §3.1), checking each window first. */
function zstdFrames(b: Uint8Array, cap: number, code: string): Array<{ start: number; end: number }> {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const frames: Array<{ start: number; end: number }> = [];
  let p = 0;
  while (p < b.length) {
    if (p + 8 > b.length) throw new MalformedInputError('zstd/truncated', 'zstd frame header cut short');
    const magic = view.getUint32(p, true);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      p += 8 + view.getUint32(p + 4, true); // skippable frame
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw new MalformedInputError('zstd/bad-magic', `no zstd frame at ${p}`);
    const start = p;
    const flg = b[p + 4] as number;
    const single = (flg >> 5) & 1;
    const fcf = flg >> 6;
    const dictBytes = [0, 1, 2, 4][flg & 3] as number;
    const fcsBytes = fcf ? 1 << fcf : single;
    let q = p + 5;
    let window: number;
    if (!single) {
      const wd = b[q++] as number;
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    } else window = 0;
    q += dictBytes;
    if (q + fcsBytes > b.length) throw new MalformedInputError('zstd/truncated', 'zstd frame header cut short');
    let fcs = 0;
    for (let k = 0; k < fcsBytes; k++) fcs += (b[q + k] as number) * 2 ** (8 * k);
    if (fcf === 1) fcs += 256;
    q += fcsBytes;
    if (single) window = fcs;
    // fzstd allocates the window up front: a frame declaring more content than the cap, or a window
    // larger than both the cap and what zstd's own decoder accepts by default (2^27), is refused before
    // any allocation. Output past the cap is stopped while decoding (below).
    if (fcs > cap || window > Math.max(cap, ZSTD_MAX_WINDOW)) throw overCap('zstd', cap, code);
    for (;;) {
      if (q + 3 > b.length) throw new MalformedInputError('zstd/truncated', 'zstd block header cut short');
      const h = (b[q] as number) | ((b[q + 1] as number) << 8) | ((b[q + 2] as number) << 16);
      const type = (h >> 1) & 3;
      const size = h >>> 3;
      if (type === 3) throw new MalformedInputError('zstd/bad-block', 'reserved zstd block type');
      q += 3 + (type === 1 ? 1 : size);
      if (h & 1) break;
    }
    if (flg & 4) q += 4; // content checksum
    if (q > b.length) throw new MalformedInputError('zstd/truncated', 'zstd frame cut short');
    frames.push({ start, end: q });
    p = q;
  }
  return frames;
}

function zstdBounded(input: Uint8Array, cap: number, code: string): Buffer {
  const frames = zstdFrames(input, cap, code).map((f) => input.subarray(f.start, f.end));
  return decodeZstdFrames(frames, cap, code, zstdDeadlineMs(cap));
}
