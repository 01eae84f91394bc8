import type { ByteSource } from '../io/byte-source.js';
import { MalformedInputError } from '../io/errors.js';

/**
 * A virtual disk assembled from pieces: the partition images inside sparse images, super images,
 * A/B payloads and block OTAs are all "these byte ranges come from there, the rest is zeros". Reads
 * resolve the pieces they touch; nothing is materialised, so a 100 GB claimed partition costs nothing
 * until it is read.
 */

export type Piece =
  /** Bytes copied from another source. */
  | { at: number; length: number; kind: 'source'; source: ByteSource; offset: number }
  /** A repeated 4-byte pattern (sparse FILL chunks). */
  | { at: number; length: number; kind: 'fill'; pattern: Buffer }
  /** Bytes produced on demand (a decompressed payload operation); `offset` is where this piece starts in
   * what `produce` returns. */
  | { at: number; length: number; kind: 'lazy'; key: string; offset: number; produce: () => Buffer };

export class MappedSource implements ByteSource {
  private readonly pieces: Piece[];
  // A few recently produced lazy buffers: consecutive reads usually fall in the same operation.
  private readonly cache = new Map<string, Buffer>();

  constructor(
    readonly size: number,
    pieces: Piece[],
    private readonly cacheEntries = 4,
  ) {
    this.pieces = pieces.filter((p) => p.length > 0).sort((a, b) => a.at - b.at);
    let prev: Piece | undefined;
    for (const p of this.pieces) {
      if (prev && p.at < prev.at + prev.length)
        throw new MalformedInputError('image/overlapping-extents', `two extents both write byte ${p.at}`);
      prev = p;
    }
    const last = this.pieces.at(-1);
    if (last && last.at + last.length > size)
      throw new MalformedInputError(
        'image/extent-past-end',
        `an extent ends at ${last.at + last.length}, past the ${size}-byte image`,
      );
  }

  get pieceCount(): number {
    return this.pieces.length;
  }

  read(offset: number, length: number): Buffer {
    if (
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(length) ||
      offset < 0 ||
      length < 0 ||
      offset + length > this.size
    ) {
      throw new MalformedInputError(
        'io/out-of-range',
        `read of ${length} bytes at ${offset} is outside the ${this.size}-byte image`,
      );
    }
    const out = Buffer.alloc(length);
    let i = this.firstPiece(offset);
    const end = offset + length;
    for (let p = this.pieces[i]; p !== undefined && p.at < end; p = this.pieces[++i]) {
      const from = Math.max(offset, p.at);
      const to = Math.min(end, p.at + p.length);
      if (to <= from) continue;
      const inPiece = from - p.at;
      const n = to - from;
      const dst = from - offset;
      if (p.kind === 'source') p.source.read(p.offset + inPiece, n).copy(out, dst);
      else if (p.kind === 'fill') {
        // The 4-byte pattern repeats from the piece's start: rotate it to the phase of `from`.
        const phase = inPiece & 3;
        out.fill(Buffer.concat([p.pattern.subarray(phase, 4), p.pattern.subarray(0, phase)]), dst, dst + n);
      } else {
        const buf = this.produced(p);
        if (p.offset + inPiece + n > buf.length)
          throw new MalformedInputError(
            'image/short-operation',
            `an operation produced ${buf.length} bytes, fewer than its extents need`,
          );
        buf.copy(out, dst, p.offset + inPiece, p.offset + inPiece + n);
      }
    }
    return out;
  }

  private produced(p: Extract<Piece, { kind: 'lazy' }>): Buffer {
    const hit = this.cache.get(p.key);
    if (hit) {
      this.cache.delete(p.key);
      this.cache.set(p.key, hit);
      return hit;
    }
    const buf = p.produce();
    this.cache.set(p.key, buf);
    if (this.cache.size > this.cacheEntries) this.cache.delete(this.cache.keys().next().value as string);
    return buf;
  }

  /** Index of the last piece starting at or before `offset` (or 0). */
  private firstPiece(offset: number): number {
    let lo = 0;
    let hi = this.pieces.length - 1;
    let ans = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const piece = this.pieces[mid];
      if (piece !== undefined && piece.at <= offset) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  close(): void {
    this.cache.clear();
  }
}

/** A window onto another source: a zip entry stored without compression, a tar member, a partition. */
export class SliceSource implements ByteSource {
  constructor(
    private readonly parent: ByteSource,
    private readonly start: number,
    readonly size: number,
  ) {
    if (start < 0 || size < 0 || start + size > parent.size)
      throw new MalformedInputError(
        'image/slice-outside',
        `a ${size}-byte part at ${start} lies outside its ${parent.size}-byte container`,
      );
  }
  read(offset: number, length: number): Buffer {
    if (offset < 0 || length < 0 || offset + length > this.size)
      throw new MalformedInputError(
        'io/out-of-range',
        `read of ${length} bytes at ${offset} is outside the ${this.size}-byte part`,
      );
    return this.parent.read(this.start + offset, length);
  }
  close(): void {}
}
