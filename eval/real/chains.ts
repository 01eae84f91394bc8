import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { buildDex, type FixtureClass } from '../../test/fixtures/dex-builder.js';
import { buildNativeLib } from '../../test/fixtures/native-lib.js';
import { sh, valuesXml, type ApkSpec } from './build.js';

/**
 * The encoding chains Candor claims to see through (those of eval/cases.ts), each applied to a real list
 * with the real tools (gzip, bzip2, zstd, xz, lz4, openssl, Python's zlib), and with the key placed the
 * ways real apps place it: a constant of the decrypting class, a static byte array, a string resource, a
 * string of a native library, or the MD5 digest of the app's package name computed at run time.
 */

const KEY16 = 'Qw7#zT1!pL9$kM3x';
const IV16 = 'ivec-4096-abcdef';
const KEY8 = 'Xk2!d8Ds';
const KEY24 = 'triple-des-key-24-bytes!';
/** The package name of urzip.apk, the base of every chain APK (its manifest is kept). */
export const BASE_PACKAGE = 'info.guardianproject.urzip';

const CLASS = 'Lcom/example/chat/WordFilter;';
const UI: FixtureClass = {
  descriptor: 'Lcom/example/chat/MainActivity;',
  methods: [
    { name: 'onCreate', strings: ['Send', 'Message', 'Settings', 'Your message contains words that are not allowed'] },
  ],
};

const hex = (s: string | Buffer) => Buffer.from(s).toString('hex');

function openssl(
  cipher: string,
  key: Buffer | string,
  iv: string | null,
  data: Buffer | string,
  legacy = false,
): Buffer {
  const args = ['enc', `-${cipher}`, '-K', hex(key), ...(iv ? ['-iv', hex(iv)] : [])];
  if (legacy) args.push('-provider', 'legacy', '-provider', 'default');
  return sh('openssl', args, data);
}

function py(code: string, input: Buffer | string): Buffer {
  return sh('python3', ['-c', `import sys, zlib\ndata = sys.stdin.buffer.read()\n${code}`], input);
}

/** The DEX of an app that loads `asset` and decrypts it: the loader names the asset, cipher and (maybe) key. */
function loaderDex(asset: string, strings: string[], extra: Partial<FixtureClass['methods'][number]> = {}): Buffer {
  return buildDex([
    {
      descriptor: CLASS,
      methods: [
        {
          name: 'load',
          strings: [asset, ...strings],
          newInstances: ['Ljavax/crypto/spec/SecretKeySpec;', 'Ljavax/crypto/spec/IvParameterSpec;'],
          ...extra,
          calls: ['Ljavax/crypto/Cipher;->getInstance', ...(extra.calls ?? [])],
        },
      ],
    },
    UI,
  ]);
}

export interface Chain {
  name: string;
  /** Where the key lives, for keyed chains. */
  key?: 'constants-class' | 'byte-array' | 'resource' | 'native-lib' | 'package-md5';
  build(text: string, entries: string[]): ApkSpec;
}

const asset = (file: string, data: Buffer | string, dex?: Buffer): ApkSpec => ({
  entries: { [`assets/${file}`]: data, ...(dex ? { 'classes.dex': dex } : {}) },
});

const plainLoader = (file: string) => loaderDex(file, []);

export const CHAINS: Chain[] = [
  { name: 'base64', build: (t) => asset('words.dat', Buffer.from(t).toString('base64'), plainLoader('words.dat')) },
  { name: 'hex', build: (t) => asset('words.dat', Buffer.from(t).toString('hex'), plainLoader('words.dat')) },
  { name: 'gzip', build: (t) => asset('words.gz', sh('gzip', ['-9', '-n', '-c'], t), plainLoader('words.gz')) },
  {
    name: 'zlib',
    build: (t) => asset('words.z', py('sys.stdout.buffer.write(zlib.compress(data, 9))', t), plainLoader('words.z')),
  },
  { name: 'bzip2', build: (t) => asset('words.bz2', sh('bzip2', ['-9', '-c'], t), plainLoader('words.bz2')) },
  { name: 'zstd', build: (t) => asset('words.zst', sh('zstd', ['-19', '-c', '-q'], t), plainLoader('words.zst')) },
  { name: 'xz', build: (t) => asset('words.xz', sh('xz', ['-9', '-c'], t), plainLoader('words.xz')) },
  { name: 'lz4', build: (t) => asset('words.lz4', sh('lz4', ['-9', '-c', '-q'], t), plainLoader('words.lz4')) },
  {
    name: 'xor-0x5a',
    build: (t) => asset('words.dat', Buffer.from(Buffer.from(t).map((b) => b ^ 0x5a)), plainLoader('words.dat')),
  },
  {
    name: 'base64 → gzip',
    build: (t) => asset('words.dat', sh('gzip', ['-n', '-c'], t).toString('base64'), plainLoader('words.dat')),
  },
  {
    name: 'json → hex → blowfish-ecb',
    key: 'constants-class',
    build: (_t, e) =>
      asset(
        'kw.dat',
        openssl('bf-ecb', KEY16, null, JSON.stringify(e), true).toString('hex'),
        loaderDex('kw.dat', [KEY16, 'Blowfish/ECB/PKCS5Padding']),
      ),
  },
  {
    name: 'aes-128-ecb',
    key: 'constants-class',
    build: (t) =>
      asset(
        'words.enc',
        openssl('aes-128-ecb', KEY16, null, t),
        loaderDex('words.enc', [KEY16, 'AES/ECB/PKCS5Padding']),
      ),
  },
  {
    name: 'base64 → aes-128-cbc',
    key: 'constants-class',
    build: (t) =>
      asset(
        'cbw.dat',
        openssl('aes-128-cbc', KEY16, IV16, t).toString('base64'),
        loaderDex('cbw.dat', [KEY16, IV16, 'AES/CBC/PKCS5Padding']),
      ),
  },
  {
    name: 'des-ecb',
    key: 'constants-class',
    build: (t) =>
      asset(
        'words.enc',
        openssl('des-ecb', KEY8, null, t, true),
        loaderDex('words.enc', [KEY8, 'DES/ECB/PKCS5Padding']),
      ),
  },
  {
    name: '3des-cbc',
    key: 'constants-class',
    build: (t) =>
      asset(
        'words.enc',
        openssl('des-ede3-cbc', KEY24, KEY8, t),
        loaderDex('words.enc', [KEY24, KEY8, 'DESede/CBC/PKCS5Padding']),
      ),
  },
  {
    name: 'rc4',
    key: 'constants-class',
    build: (t) => asset('words.enc', openssl('rc4', KEY16, null, t, true), loaderDex('words.enc', [KEY16, 'RC4'])),
  },
  {
    name: 'aes-128-ecb',
    key: 'byte-array',
    build: (t) =>
      asset(
        'words.enc',
        openssl('aes-128-ecb', KEY16, null, t),
        loaderDex('words.enc', ['AES/ECB/PKCS5Padding'], { byteArrays: [Buffer.from(KEY16)] }),
      ),
  },
  {
    name: 'aes-128-ecb',
    key: 'resource',
    build: (t) => ({
      ...asset(
        'words.enc',
        openssl('aes-128-ecb', KEY16, null, t),
        loaderDex('words.enc', ['AES/ECB/PKCS5Padding', 'filter_key']),
      ),
      resources: {
        packageName: BASE_PACKAGE,
        values: { values: valuesXml({}, { app_name: 'Chat', filter_key: KEY16 }) },
      },
    }),
  },
  {
    name: 'aes-128-ecb',
    key: 'native-lib',
    build: (t) => ({
      entries: {
        'assets/words.enc': openssl('aes-128-ecb', KEY16, null, t),
        'classes.dex': loaderDex('words.enc', ['AES/ECB/PKCS5Padding', 'keys'], {
          calls: ['Ljava/lang/System;->loadLibrary'],
        }),
        'lib/x86_64/libkeys.so': readFileSync(buildNativeLib([KEY16, 'Java_com_example_chat_WordFilter_key'])),
      },
    }),
  },
  {
    name: 'aes-128-ecb',
    key: 'package-md5',
    build: (t) =>
      asset(
        'words.enc',
        openssl('aes-128-ecb', createHash('md5').update(BASE_PACKAGE).digest(), null, t),
        loaderDex('words.enc', ['AES/ECB/PKCS5Padding', 'MD5'], {
          calls: ['Ljava/security/MessageDigest;->getInstance', 'Landroid/content/Context;->getPackageName'],
        }),
      ),
  },
];

export function chainLabel(c: Chain): string {
  return c.key ? `${c.name} (key: ${c.key})` : c.name;
}
