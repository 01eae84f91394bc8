import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { deriveApk } from '../test/fixtures/apk-builder.js';
import { buildDex, type FixtureClass } from '../test/fixtures/dex-builder.js';
import { COUNTRY_PICKER, POLITICAL_TERMS, PROFANITY_TERMS, UI_STRINGS } from '../test/fixtures/lists.js';
import { buildNativeLib } from '../test/fixtures/native-lib.js';

/**
 * The evaluation set for hidden keyword lists: APKs that hide the same list in every way published
 * research has documented, built with real tools (gzip, bzip2, zstd, lz4, openssl, Python's zlib, gcc,
 * the DEX builder checked against dexdump), plus benign controls. `npm run eval` and the tests use it.
 */

export interface EvalCase {
  name: string;
  apk: string;
  /** For hidden lists: the decoding chain and term count a correct finding reports. */
  expect?: { chain: string[]; termCount: number; keyOrigin?: RegExp };
  /** Benign controls: no high-severity finding allowed. */
  control?: boolean;
}

const BASE_CLASS = 'Lcom/vendor/filter/WordFilter;';
const KEY16 = 'Kx9$mQ2!vL7#pR4z';
const IV16 = 'iv-0123456789abc';
const KEY8 = 'k3y!D3s8';
const KEY24 = 'three-des-key-24-bytes!!';
const LIST = POLITICAL_TERMS.join('\n');
const N = POLITICAL_TERMS.length;

function sh(cmd: string, args: string[], input: Buffer | string): Buffer {
  return execFileSync(cmd, args, { input, maxBuffer: 1 << 28 });
}

function py(code: string, input: Buffer | string): Buffer {
  return sh('python3', ['-c', `import sys, zlib, base64\ndata = sys.stdin.buffer.read()\n${code}`], input);
}

const hex = (s: string) => Buffer.from(s).toString('hex');

function openssl(cipher: string, key: string, iv: string | null, data: Buffer | string, legacy = false): Buffer {
  const args = [
    'enc',
    `-${cipher}`,
    '-K',
    hex(key),
    ...(iv ? ['-iv', hex(iv)] : []),
    ...(legacy ? ['-provider', 'legacy', '-provider', 'default'] : []),
  ];
  return sh('openssl', args, data);
}

/** A DEX whose decrypting class names the asset, the key and the cipher, as real apps do. */
function cryptoDex(asset: string, strings: string[], extra: Partial<FixtureClass['methods'][number]> = {}): Buffer {
  return buildDex([
    {
      descriptor: BASE_CLASS,
      methods: [
        {
          name: 'load',
          strings: [asset, ...strings],
          newInstances: ['Ljavax/crypto/spec/SecretKeySpec;', 'Ljavax/crypto/spec/IvParameterSpec;'],
          ...extra,
        },
      ],
    },
    { descriptor: 'Lcom/vendor/ui/MainActivity;', methods: [{ name: 'onCreate', strings: UI_STRINGS }] },
  ]);
}

export function buildEvalSet(base: string, dir: string): EvalCase[] {
  mkdirSync(dir, { recursive: true });
  const cases: EvalCase[] = [];
  const apk = (name: string, entries: Record<string, Buffer | string>) =>
    deriveApk({ base, out: join(dir, `${name}.apk`), entries });
  const asset = (
    name: string,
    file: string,
    data: Buffer | string,
    chain: string[],
    dexStrings: string[] = [],
    keyOrigin?: RegExp,
  ) => {
    cases.push({
      name,
      apk: apk(name, { [`assets/${file}`]: data, 'classes.dex': cryptoDex(file, dexStrings) }),
      expect: { chain, termCount: N, ...(keyOrigin ? { keyOrigin } : {}) },
    });
  };

  asset(
    'plain-json-miad',
    'MiAdBlacklistConfig',
    JSON.stringify({ status: 0, message: 'updated', keywords: POLITICAL_TERMS, version: 7, cacheTime: 43200000 }),
    [],
  );
  asset('base64', 'words.dat', Buffer.from(LIST).toString('base64'), ['base64']);
  asset(
    'base64-wrapped',
    'words.dat',
    (
      Buffer.from(LIST)
        .toString('base64')
        .match(/.{1,76}/g) as string[]
    ).join('\n'),
    ['base64'],
  );
  asset('base64url-nopad', 'words.dat', Buffer.from(LIST).toString('base64url'), ['base64url']);
  asset(
    'base64-lines-miui-camera',
    'sensi_words.txt',
    POLITICAL_TERMS.map((t) => Buffer.from(t).toString('base64')).join('\n'),
    ['base64-lines'],
  );
  asset('base64-utf16-yy', 'words.dat', Buffer.from(LIST, 'utf16le').toString('base64'), ['base64', 'utf-16le']);
  asset('hex', 'words.dat', Buffer.from(LIST).toString('hex'), ['hex']);
  asset('percent', 'words.dat', encodeURIComponent(LIST), ['percent']);
  asset(
    'unicode-escape',
    'words.json',
    JSON.stringify(POLITICAL_TERMS)
      .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .replace(/^\[|\]$/g, '')
      .replace(/\\"/g, '"')
      .replace(/","/g, '\n')
      .replace(/"/g, ''),
    ['unicode-escape'],
  );
  asset('gzip', 'words.gz', sh('gzip', ['-9', '-c'], LIST), ['gzip']);
  asset('zlib', 'words.z', py('sys.stdout.buffer.write(zlib.compress(data, 9))', LIST), ['zlib']);
  asset(
    'raw-deflate',
    'words.bin',
    py('c = zlib.compressobj(9, zlib.DEFLATED, -15); sys.stdout.buffer.write(c.compress(data) + c.flush())', LIST),
    ['deflate'],
  );
  asset('brotli', 'words.br', brotliCompressSync(Buffer.from(LIST)), ['brotli']);
  asset('bzip2', 'words.bz2', sh('bzip2', ['-9', '-c'], LIST), ['bzip2']);
  asset('zstd', 'words.zst', sh('zstd', ['-19', '-c', '-q'], LIST), ['zstd']);
  asset('lz4-frame', 'words.lz4', sh('lz4', ['-9', '-c', '-q'], LIST), ['lz4']);
  asset('xz', 'words.xz', sh('xz', ['-9', '-c'], LIST), ['xz']);
  asset('base64-gzip', 'words.dat', sh('gzip', ['-c'], LIST).toString('base64'), ['base64', 'gzip']);
  asset('xor-single-byte', 'words.dat', Buffer.from(Buffer.from(LIST).map((b) => b ^ 0x5a)), ['xor-0x5a']);
  asset('byte-add', 'words.dat', Buffer.from(Buffer.from(LIST).map((b) => (b + 0x0d) & 0xff)), ['sub-0x0d']);
  asset('bit-rotate', 'words.dat', Buffer.from(Buffer.from(LIST).map((b) => ((b >> 3) | (b << 5)) & 0xff)), ['rol-3']);
  asset(
    'repeating-xor',
    'cfg.bin',
    Buffer.from(Buffer.from(LIST).map((b, i) => b ^ 'secretkey'.charCodeAt(i % 9))),
    ['xor-key'],
    ['secretkey'],
    /WordFilter;->load/,
  );
  asset(
    'aes-128-ecb',
    'words.enc',
    openssl('aes-128-ecb', KEY16, null, LIST),
    ['aes-128-ecb'],
    [KEY16, 'AES/ECB/PKCS5Padding'],
    /WordFilter;->load/,
  );
  asset(
    'line-base64-aes-cbc',
    'cbw.dat',
    openssl('aes-128-cbc', KEY16, IV16, LIST).toString('base64'),
    ['base64', 'aes-128-cbc'],
    [KEY16, IV16, 'AES/CBC/PKCS5Padding'],
    /WordFilter;->load/,
  );
  asset(
    'aes-256-cbc-iv-prepended',
    'words.enc',
    Buffer.concat([Buffer.from(IV16), openssl('aes-256-cbc', KEY16 + KEY16, IV16, LIST)]),
    ['aes-256-cbc'],
    [KEY16 + KEY16, 'AES/CBC/PKCS5Padding'],
    /IV prepended/,
  );
  asset(
    'aes-128-ctr',
    'words.enc',
    openssl('aes-128-ctr', KEY16, IV16, LIST),
    ['aes-128-ctr'],
    [KEY16, IV16, 'AES/CTR/NoPadding'],
    /WordFilter;->load/,
  );
  asset(
    'des-ecb',
    'words.enc',
    openssl('des-ecb', KEY8, null, LIST, true),
    ['des-ecb'],
    [KEY8, 'DES/ECB/PKCS5Padding'],
    /WordFilter;->load/,
  );
  asset(
    '3des-cbc',
    'words.enc',
    openssl('des-ede3-cbc', KEY24, KEY8, LIST),
    ['des-ede3-cbc'],
    [KEY24, KEY8, 'DESede/CBC/PKCS5Padding'],
    /WordFilter;->load/,
  );
  asset(
    'sina-uc-hex-blowfish-json',
    'kw.dat',
    openssl('bf-ecb', KEY16, null, JSON.stringify(POLITICAL_TERMS), true).toString('hex'),
    ['hex', 'bf-ecb'],
    [KEY16, 'Blowfish/ECB/PKCS5Padding'],
    /WordFilter;->load/,
  );
  asset('rc4', 'words.enc', openssl('rc4', KEY16, null, LIST, true), ['rc4'], [KEY16, 'RC4'], /WordFilter;->load/);
  asset(
    'aes-key-byte-array',
    'words.enc',
    openssl('aes-128-ecb', KEY16, null, LIST),
    ['aes-128-ecb'],
    ['AES'],
    undefined,
  );
  // The key as a static byte[] initialiser instead of a string.
  const byteArrayCase = cases.at(-1);
  if (!byteArrayCase) throw new Error('eval cases: the AES case was not added');
  byteArrayCase.apk = apk('aes-key-byte-array', {
    'assets/words.enc': openssl('aes-128-ecb', KEY16, null, LIST),
    'classes.dex': cryptoDex('words.enc', ['AES'], { byteArrays: [Buffer.from(KEY16)] }),
  });
  byteArrayCase.expect = { chain: ['aes-128-ecb'], termCount: N, keyOrigin: /byte array/ };

  cases.push({
    name: 'dex-string-array',
    apk: apk('dex-string-array', {
      'classes.dex': buildDex([{ descriptor: BASE_CLASS, methods: [{ name: '<clinit>', strings: POLITICAL_TERMS }] }]),
    }),
    expect: { chain: [], termCount: N },
  });
  cases.push({
    name: 'dex-base64-string',
    apk: apk('dex-base64-string', {
      'classes.dex': buildDex([
        { descriptor: BASE_CLASS, methods: [{ name: 'words', strings: [Buffer.from(LIST).toString('base64')] }] },
      ]),
    }),
    expect: { chain: ['base64'], termCount: N },
  });
  cases.push({
    name: 'dex-xor-byte-array',
    apk: apk('dex-xor-byte-array', {
      'classes.dex': buildDex([
        {
          descriptor: BASE_CLASS,
          methods: [{ name: 'words', strings: [], byteArrays: [Buffer.from(Buffer.from(LIST).map((b) => b ^ 0x21))] }],
        },
      ]),
    }),
    expect: { chain: ['xor-0x21'], termCount: N },
  });
  cases.push({
    name: 'native-plain-strings',
    apk: apk('native-plain-strings', { 'lib/x86_64/libfilter.so': readFileSync(buildNativeLib(POLITICAL_TERMS)) }),
    expect: { chain: [], termCount: N },
  });
  cases.push({
    name: 'native-base64-string',
    apk: apk('native-base64-string', {
      'lib/x86_64/libfilter.so': readFileSync(buildNativeLib([Buffer.from(LIST).toString('base64')])),
    }),
    expect: { chain: ['base64'], termCount: N },
  });
  asset(
    'gb18030-plain',
    'words.txt',
    sh('python3', ['-c', 'import sys; sys.stdout.buffer.write(sys.stdin.read().encode("gb18030"))'], LIST),
    [],
  );

  // Benign controls.
  const control = (name: string, entries: Record<string, Buffer | string>) =>
    cases.push({ name, apk: apk(name, entries), control: true });
  control('ui-mentions-tibet-taiwan', {
    'assets/strings.txt': UI_STRINGS.join('\n'),
    'classes.dex': buildDex([
      { descriptor: 'Lcom/travel/Main;', methods: [{ name: 'onCreate', strings: UI_STRINGS }] },
    ]),
  });
  control('profanity-filter', { 'assets/filter.txt': PROFANITY_TERMS.join('\n') });
  control('country-picker', {
    'assets/countries.json': JSON.stringify(COUNTRY_PICKER),
    'assets/countries.b64': Buffer.from(COUNTRY_PICKER.join('\n')).toString('base64'),
  });
  control('random-binary-assets', {
    'assets/blob.bin': Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 2654435761) >>> 24)),
    'assets/blob.b64': Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 40503) & 0xff)).toString('base64'),
  });
  return cases;
}

export function writeManifest(cases: EvalCase[], dir: string): void {
  writeFileSync(
    join(dir, 'cases.json'),
    JSON.stringify(cases, (_key, v: unknown) => (v instanceof RegExp ? v.source : v), 2),
  );
}
