import { LimitExceededError, MalformedInputError } from '../io/errors.js';

/**
 * A bounds-checked little/big-endian reader for the asset formats (Lua bytecode, Unity, .NET metadata).
 * Every read past the end throws a typed `<format>/truncated` error instead of returning garbage.
 */
export class Cursor {
  pos: number;
  le = true;
  /** Reads through a view, whose bounds match `need`'s checks; an index cannot come back undefined. */
  private readonly view: DataView;

  constructor(
    readonly buf: Uint8Array,
    readonly format: string,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number): void {
    if (n < 0 || this.pos + n > this.end) {
      throw new MalformedInputError(
        `${this.format}/truncated`,
        `${this.format}: ${n} bytes needed at ${this.pos}, ${this.end - this.pos} left`,
      );
    }
  }

  u8(): number {
    this.need(1);
    return this.view.getUint8(this.pos++);
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, this.le);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, this.le);
    this.pos += 4;
    return v;
  }

  /** A 64-bit unsigned value as a number; values past 2^53 cannot be offsets or sizes of a real file. */
  u64(): number {
    const a = this.u32();
    const b = this.u32();
    const [lo, hi] = this.le ? [a, b] : [b, a];
    if (hi > 0x1fffff)
      throw new MalformedInputError(
        `${this.format}/bad-size`,
        `${this.format}: 64-bit value too large at ${this.pos - 8}`,
      );
    return hi * 0x100000000 + lo;
  }

  /** An unsigned integer of 1, 2, 4 or 8 bytes. */
  uint(size: number): number {
    if (size === 1) return this.u8();
    if (size === 2) return this.u16();
    if (size === 4) return this.u32();
    if (size === 8) return this.u64();
    throw new MalformedInputError(`${this.format}/bad-size`, `${this.format}: unsupported integer size ${size}`);
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** NUL-terminated string of at most `max` bytes. */
  cstring(max = 4096): string {
    const stop = Math.min(this.end, this.pos + max);
    let i = this.pos;
    while (i < stop && this.buf[i] !== 0) i++;
    if (i >= stop)
      throw new MalformedInputError(`${this.format}/bad-string`, `${this.format}: unterminated string at ${this.pos}`);
    const s = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, i - this.pos).toString('utf8');
    this.pos = i + 1;
    return s;
  }

  align(n: number, base = 0): void {
    const rel = (this.pos - base) % n;
    if (rel) this.skip(n - rel);
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const GB18030 = new TextDecoder('gb18030');

/** Text of a string constant: UTF-8 when it is valid UTF-8, else GB18030 (the other encoding Chinese games use). */
export function textOf(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    return GB18030.decode(bytes);
  }
}

/** Collects strings up to a count limit; the reader stops and says so rather than growing without bound. */
export class StringBudget {
  count = 0;
  truncated = false;

  constructor(
    readonly max: number,
    readonly format: string,
  ) {}

  /** False once the limit is reached: the caller stops collecting. */
  take(): boolean {
    if (this.count >= this.max) {
      this.truncated = true;
      return false;
    }
    this.count++;
    return true;
  }

  error(): LimitExceededError {
    return new LimitExceededError(`limit/${this.format}-strings`, `${this.format}: more than ${this.max} strings`);
  }
}
