import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptRaw, rc4, unpad } from '../src/decode/ciphers.js';
import { lz4FrameDecode } from '../src/decode/lz4.js';
import { lzmaAloneDecode, xzDecode } from '../src/decode/xz.js';
import { DEFAULT_SEARCH_LIMITS, searchDecodings } from '../src/decode/search.js';
import { LimitExceededError, MalformedInputError } from '../src/io/errors.js';
import { run } from './helpers.js';

const noKeys = { keys: [], ivs: [], preferred: [] };
const anyList = (t: string) => t.split('\n').length >= 3;

describe('decoders', () => {
  it('decodes LZ4 frames written by the lz4 tool, with and without block checksums', () => {
    const text = 'candor '.repeat(2000);
    for (const args of [
      ['-c', '-q'],
      ['-c', '-q', '-BX', '--content-size'],
      ['-c', '-q', '-B4', '--no-frame-crc'],
    ]) {
      const frame = Buffer.from(
        run('sh', ['-c', `printf '%s' "$1" | lz4 ${args.join(' ')} | base64 -w0`, 'sh', text]),
        'base64',
      );
      expect(Buffer.from(lz4FrameDecode(frame, 1 << 20)).toString()).toBe(text);
    }
  });

  it('rejects LZ4 frames that point outside their output or grow past the limit', () => {
    const frame = Buffer.from(
      run('sh', ['-c', `printf '%s' "$1" | lz4 -c -q | base64 -w0`, 'sh', 'abc'.repeat(500)]),
      'base64',
    );
    expect(() => lz4FrameDecode(frame, 100)).toThrow(LimitExceededError);
    const bad = Buffer.from([
      0x04, 0x22, 0x4d, 0x18, 0x40, 0x40, 0xc0, 0x05, 0, 0, 0, 0x10, 0x61, 0xff, 0x7f, 0x00, 0, 0, 0, 0,
    ]);
    expect(() => lz4FrameDecode(bad, 1 << 20)).toThrow(MalformedInputError);
    expect(() => lz4FrameDecode(Buffer.from('not lz4'), 100)).toThrow(MalformedInputError);
  });

  it('decodes LZ4 matches that overlap their own output (short repeating periods)', () => {
    // Offsets 1, 2 and 3 with long lengths: each match copies bytes it is itself writing.
    const text = 'a'.repeat(5000) + 'ab'.repeat(3000) + 'xyz'.repeat(2000) + 'candor';
    const frame = Buffer.from(run('sh', ['-c', `printf '%s' "$1" | lz4 -c -q | base64 -w0`, 'sh', text]), 'base64');
    expect(Buffer.from(lz4FrameDecode(frame, 1 << 20)).toString()).toBe(text);
  });

  it('treats RC4 with an empty key as a cipher that does not fit, not as a key', () => {
    expect(decryptRaw('rc4', new Uint8Array(0), null, Buffer.from('hello candor'))).toBeNull();
  });

  it('implements RC4 and DES as the reference vectors say', () => {
    // Checked against openssl's legacy RC4 (its key length is fixed at 128 bits).
    const key = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
    const ref = Buffer.from(
      run('sh', [
        '-c',
        "printf 'hello candor' | openssl enc -rc4 -K 0102030405060708090a0b0c0d0e0f10 " +
          '-provider legacy -provider default | base64 -w0',
      ]),
      'base64',
    );
    expect(Buffer.from(rc4(key, Buffer.from('hello candor'))).equals(ref)).toBe(true);
    const des = Buffer.from(
      run('sh', [
        '-c',
        "printf 'eight by' | openssl enc -des-ecb -nopad -K 133457799BBCDFF1 " +
          '-provider legacy -provider default | base64 -w0',
      ]),
      'base64',
    );
    expect(
      Buffer.from(decryptRaw('des-ecb', Buffer.from('133457799BBCDFF1', 'hex'), null, des) as Uint8Array).toString(),
    ).toBe('eight by');
    expect(unpad(Buffer.from([1, 2, 3, 4, 5, 5, 5, 5]), 8)).toBeNull();
    expect(
      Buffer.from(unpad(Buffer.from([1, 2, 3, 5, 5, 5, 5, 5].map((x, i) => (i < 3 ? x : 5))), 8) ?? []).length,
    ).toBe(3);
  });

  it('stops nested encodings at the depth limit and random data within its node budget', () => {
    let t = 'a\nb\nc\nd';
    for (let i = 0; i < 12; i++) t = Buffer.from(t).toString('base64');
    expect(searchDecodings(Buffer.from(t), noKeys, anyList)).toEqual([]);
    let shallow = 'a\nb\nc\nd';
    for (let i = 0; i < 3; i++) shallow = Buffer.from(shallow).toString('base64');
    expect(searchDecodings(Buffer.from(shallow), noKeys, anyList)[0]?.chain).toEqual(['base64', 'base64', 'base64']);
    const random = randomBytes(4 * 1024 * 1024);
    const keys = Array.from({ length: 200 }, (_, i) => ({ bytes: randomBytes(16), origin: `k${i}`, rank: 2 }));
    const budget = { cipher: 0 };
    expect(searchDecodings(random, { keys, ivs: [], preferred: [] }, anyList, DEFAULT_SEARCH_LIMITS, budget)).toEqual(
      [],
    );
    expect(budget.cipher).toBeLessThanOrEqual(DEFAULT_SEARCH_LIMITS.maxCipherAttempts + 1);
  });

  it('caps decompression bombs, including xz and lzma ones that the library itself would not stop', () => {
    for (const cmd of ['gzip -9', 'xz -9', 'xz --format=lzma -9', 'bzip2 -9', 'zstd -19 -q']) {
      const bomb = Buffer.from(run('sh', ['-c', `head -c 200000000 /dev/zero | ${cmd} | base64 -w0`]), 'base64');
      expect(searchDecodings(bomb, noKeys, anyList), cmd).toEqual([]);
    }
    const bomb = Buffer.from(run('sh', ['-c', 'head -c 50000000 /dev/zero | xz -9 | base64 -w0']), 'base64');
    expect(() => xzDecode(bomb, 1 << 20)).toThrow(LimitExceededError);
    // xz's .lzma writer leaves the size undeclared: such a stream cannot be bounded, so it is refused.
    const streamed = Buffer.from(run('sh', ['-c', 'head -c 1000 /dev/zero | xz --format=lzma | base64 -w0']), 'base64');
    expect(() => lzmaAloneDecode(streamed, 1 << 20)).toThrow(LimitExceededError);
    const xz = Buffer.from(run('sh', ['-c', "printf 'a\\nb\\nc\\n' | xz | base64 -w0"]), 'base64');
    expect(Buffer.from(xzDecode(xz, 1 << 20)).toString()).toBe('a\nb\nc\n');
  });
});
