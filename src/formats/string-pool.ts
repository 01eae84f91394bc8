import { MalformedInputError } from '../io/errors.js';

/**
 * ResStringPool (frameworks/base/libs/androidfw/include/androidfw/ResourceTypes.h), shared by binary XML
 * and resources.arsc. Strings are decoded on first use: an arsc pool can hold hundreds of thousands.
 */
export const RES_STRING_POOL_TYPE = 0x0001;
const UTF8_FLAG = 1 << 8;

export class StringPool {
  private readonly cache: Array<string | undefined>;
  readonly count: number;
  readonly utf8: boolean;
  private readonly offsetsAt: number;
  private readonly stringsAt: number;
  private readonly end: number;

  /** `buf` is the whole file; `at` the chunk start. */
  constructor(
    private readonly buf: Buffer,
    at: number,
  ) {
    if (at + 28 > buf.length)
      throw new MalformedInputError('res/string-pool-truncated', 'string pool header runs past the file');
    const headerSize = buf.readUInt16LE(at + 2);
    const size = buf.readUInt32LE(at + 4);
    this.end = at + size;
    if (this.end > buf.length || size < 28)
      throw new MalformedInputError(
        'res/string-pool-size',
        `string pool claims ${size} bytes, ${buf.length - at} available`,
      );
    this.count = buf.readUInt32LE(at + 8);
    const flags = buf.readUInt32LE(at + 16);
    this.utf8 = (flags & UTF8_FLAG) !== 0;
    this.stringsAt = at + buf.readUInt32LE(at + 20);
    this.offsetsAt = at + headerSize;
    if (this.offsetsAt + this.count * 4 > this.end) {
      throw new MalformedInputError(
        'res/string-pool-count',
        `string pool claims ${this.count} strings, which do not fit in ${size} bytes`,
      );
    }
    this.cache = new Array<string | undefined>(this.count);
  }

  /** Returns the string at `index`, or null for the "no string" index 0xffffffff or an unreadable entry. */
  get(index: number): string | null {
    if (index < 0 || index >= this.count) return null;
    const hit = this.cache[index];
    if (hit !== undefined) return hit;
    const s = this.decode(index);
    this.cache[index] = s;
    return s;
  }

  private decode(index: number): string {
    const b = this.buf;
    let p = this.stringsAt + b.readUInt32LE(this.offsetsAt + index * 4);
    if (p >= this.end) throw new MalformedInputError('res/string-offset', `string ${index} starts outside its pool`);
    if (this.utf8) {
      // Two lengths: UTF-16 length then UTF-8 byte length, each 1 or 2 bytes (high bit = 2 bytes).
      p += b.readUInt8(p) & 0x80 ? 2 : 1;
      if (p + 1 >= this.end)
        throw new MalformedInputError('res/string-offset', `string ${index} length runs outside its pool`);
      let len = b.readUInt8(p);
      if (len & 0x80) {
        len = ((len & 0x7f) << 8) | b.readUInt8(p + 1);
        p += 2;
      } else p += 1;
      if (p + len > this.end)
        throw new MalformedInputError('res/string-length', `string ${index} runs outside its pool`);
      return b.toString('utf8', p, p + len);
    }
    if (p + 2 > this.end)
      throw new MalformedInputError('res/string-offset', `string ${index} length runs outside its pool`);
    let len = b.readUInt16LE(p);
    p += 2;
    if (len & 0x8000) {
      if (p + 2 > this.end)
        throw new MalformedInputError('res/string-offset', `string ${index} length runs outside its pool`);
      len = ((len & 0x7fff) << 16) | b.readUInt16LE(p);
      p += 2;
    }
    if (p + len * 2 > this.end)
      throw new MalformedInputError('res/string-length', `string ${index} runs outside its pool`);
    return b.toString('utf16le', p, p + len * 2);
  }

  *all(): Iterable<string> {
    for (let i = 0; i < this.count; i++) {
      const s = this.tryGet(i);
      if (s !== null) yield s;
    }
  }

  tryGet(index: number): string | null {
    try {
      return this.get(index);
    } catch {
      return null;
    }
  }
}
