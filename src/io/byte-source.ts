import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { MalformedInputError } from './errors.js';

/**
 * Random-access bytes. Containers read only the parts they need through this, so a large archive is never
 * loaded whole unless an entry asks for it.
 */
export interface ByteSource {
  readonly size: number;
  /** Reads exactly `length` bytes at `offset`; throws MalformedInputError past the end. */
  read(offset: number, length: number): Buffer;
  close(): void;
}

export class BufferSource implements ByteSource {
  constructor(private readonly buf: Buffer) {}
  get size(): number {
    return this.buf.length;
  }
  read(offset: number, length: number): Buffer {
    checkRange(offset, length, this.buf.length);
    return this.buf.subarray(offset, offset + length);
  }
  close(): void {}
}

export class FileSource implements ByteSource {
  private fd: number | null;
  readonly size: number;
  constructor(path: string) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }
  read(offset: number, length: number): Buffer {
    checkRange(offset, length, this.size);
    if (this.fd === null) throw new Error('FileSource used after close');
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, offset + done);
      if (n === 0) throw new MalformedInputError('io/short-read', `file shrank while reading at ${offset + done}`);
      done += n;
    }
    return out;
  }
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

function checkRange(offset: number, length: number, size: number): void {
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > size
  ) {
    throw new MalformedInputError(
      'io/out-of-range',
      `read of ${length} bytes at ${offset} is outside the ${size}-byte input`,
    );
  }
}
