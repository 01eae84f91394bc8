import { execFileSync } from 'node:child_process';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { xzChunkedTotal, xzDecode, xzDeclaredSize } from '../../src/decode/xz.js';
import { LimitExceededError, MalformedInputError } from '../../src/io/errors.js';
import { requireTool } from '../helpers.js';

const xz = (args: string[], input: Buffer) => execFileSync('xz', ['-c', ...args], { input, maxBuffer: 1 << 28 });

/** Text and incompressible bytes: LZMA2 writes both compressed and stored chunks. */
function sample(): Buffer {
  let x = 0x12345678;
  const noise = Buffer.alloc(70_000);
  for (let i = 0; i < noise.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    noise[i] = x & 0xff;
  }
  const text = Buffer.from(Array.from({ length: 8000 }, (_, i) => `line ${i} 法轮功 tiananmen\n`).join(''));
  return Buffer.concat([text, noise, text.subarray(0, 5000)]);
}

/** The same xz file with its index rewritten to claim `claim` bytes for the last block (CRCs fixed). */
function lyingIndex(b: Buffer, claim: number): Buffer {
  const vli = (n: number) => {
    const o: number[] = [];
    for (; n >= 0x80; n = Math.floor(n / 128)) o.push((n & 0x7f) | 0x80);
    return [...o, n];
  };
  const footer = b.length - 12;
  const indexStart = footer - (b.readUInt32LE(footer + 4) + 1) * 4;
  let p = indexStart + 1;
  const read = () => {
    let v = 0;
    for (let k = 0; ; k++) {
      const x = b[p++] as number;
      v += (x & 0x7f) * 2 ** (7 * k);
      if (!(x & 0x80)) return v;
    }
  };
  const n = read();
  const records = Array.from({ length: n }, () => [read(), read()] as [number, number]);
  (records[n - 1] as [number, number])[1] = claim;
  const body = [0, ...vli(n), ...records.flatMap(([u, c]) => [...vli(u), ...vli(c)])];
  while (body.length % 4) body.push(0);
  const index = Buffer.concat([Buffer.from(body), Buffer.alloc(4)]);
  index.writeUInt32LE(crc32(index.subarray(0, body.length)), body.length);
  const ft = Buffer.alloc(12);
  ft.writeUInt32LE(index.length / 4 - 1, 4);
  b.copy(ft, 8, footer + 8, footer + 10);
  ft.write('YZ', 10, 'latin1');
  ft.writeUInt32LE(crc32(ft.subarray(4, 10)), 0);
  return Buffer.concat([b.subarray(0, indexStart), index, ft]);
}

describe('xz output bound', () => {
  requireTool('xz');
  const data = sample();

  it('the LZMA2 chunk headers of real xz files add up to exactly what they decode to', () => {
    const variants = [['-9'], ['-0'], ['--check=none'], ['--check=crc32'], ['-T2', '--block-size=40000']];
    for (const v of variants) {
      const b = xz(v, data);
      expect(xzChunkedTotal(b), v.join(' ')).toBe(data.length);
      expect(Buffer.from(xzDecode(b, data.length)).equals(data), v.join(' ')).toBe(true);
      expect(() => xzDecode(b, data.length - 1), v.join(' ')).toThrow(LimitExceededError);
    }
    // Filters before LZMA2 keep the size; @napi-rs/lzma cannot apply them, which is a typed error.
    for (const v of [
      ['--x86', '--lzma2=preset=6'],
      ['--delta=dist=4', '--lzma2=preset=1'],
    ]) {
      const b = xz(v, data);
      expect(xzChunkedTotal(b), v.join(' ')).toBe(data.length);
      expect(() => xzDecode(b, data.length), v.join(' ')).toThrow(MalformedInputError);
    }
    // @napi-rs/lzma has no SHA-256 check: the size is still known, and decoding is a typed error.
    const sha = xz(['--check=sha256'], data);
    expect(xzChunkedTotal(sha)).toBe(data.length);
    expect(() => xzDecode(sha, data.length)).toThrow(MalformedInputError);
    const two = Buffer.concat([xz(['-1'], data), xz(['-6'], data.subarray(0, 1000))]);
    expect(xzChunkedTotal(two)).toBe(data.length + 1000);
    expect(xzChunkedTotal(xz([], Buffer.alloc(0)))).toBe(0);
  });

  it('an index that understates the output is caught by the chunk headers before decoding', () => {
    const bomb = xz(['-9'], Buffer.alloc(20_000_000));
    const lie = lyingIndex(bomb, 1000);
    expect(xzDeclaredSize(lie)).toBe(1000);
    // The real xz agrees the file is inconsistent, but only once it has decoded the block.
    expect(() => execFileSync('xz', ['-t'], { input: lie, stdio: ['pipe', 'ignore', 'ignore'] })).toThrow();
    expect(() => xzDecode(lie, 1 << 20)).toThrow(/xz blocks hold 20000000 bytes \(the index declares 1000\)/);
  });
});
