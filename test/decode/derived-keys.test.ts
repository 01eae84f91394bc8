import { createHash, pbkdf2Sync } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { digestKeys } from '../../src/decode/keys.js';
import { DEFAULT_LIMITS } from '../../src/io/limits.js';
import { findingsOf } from '../../src/model.js';
import { analyzeFile } from '../../src/scan/analyze.js';
import { deriveApk } from '../fixtures/apk-builder.js';
import { buildDex, type FixtureMethod } from '../fixtures/dex-builder.js';
import { gameLists } from '../fixtures/game-lists.js';
import { analyzeContext, corpusFile, run, tempDir } from '../helpers.js';
import { first } from '../defined.js';

/**
 * Keys derived the ways apps derive them, checked end to end: a real list encrypted by openssl with a key
 * that Python computed (MD5 of the package name, SHA-256 of a constant, PBKDF2 of constants), hidden in an
 * APK whose code holds only the inputs of the derivation; the scan must recover the list and say how.
 */

const PACKAGE = 'info.guardianproject.urzip'; // urzip.apk's package, which the derived APKs keep
const list = first(gameLists((p) => p.endsWith('minGanCai.txt')));

function py(expr: string): string {
  return run('/usr/bin/python3', ['-c', `import hashlib,sys\nsys.stdout.write(${expr})`]).trim();
}

function opensslEncrypt(cipher: string, keyHex: string, ivHex: string | null): Buffer {
  const dir = tempDir('candor-keys-');
  const plain = join(dir, 'p');
  run('sh', ['-c', `cat > ${plain}`], { input: list.bytes });
  const iv = ivHex ? `-iv ${ivHex}` : '';
  return Buffer.from(
    run('sh', ['-c', `openssl enc -${cipher} -K ${keyHex} ${iv} -in ${plain} | od -An -v -tx1 | tr -d ' \\n'`]),
    'hex',
  );
}

function recovered(asset: Buffer, method: FixtureMethod, limits = DEFAULT_LIMITS) {
  const dex = buildDex([{ descriptor: 'Lcom/game/Filter;', methods: [method] }]);
  const apk = deriveApk({
    base: corpusFile('urzip.apk'),
    out: join(tempDir(), 'k.apk'),
    entries: { 'classes.dex': dex, 'assets/cfg/words.dat': asset },
  });
  const r = analyzeFile(apk, 'k.apk', { ...analyzeContext(), limits });
  return findingsOf(r.findings, 'censorship/keyword-list').filter((f) => f.location.path.endsWith('words.dat'));
}

const cipherUse = {
  calls: ['Ljavax/crypto/Cipher;->getInstance'],
  newInstances: ['Ljavax/crypto/spec/SecretKeySpec;'],
};

describe('derived keys', () => {
  it('MD5 of the package name, as AES-128-CBC with a zero IV', () => {
    const key = py(`hashlib.md5(b'${PACKAGE}').hexdigest()`);
    const [f] = recovered(opensslEncrypt('aes-128-cbc', key, '00'.repeat(16)), {
      name: 'decrypt',
      strings: ['AES/CBC/PKCS5Padding', 'MD5'],
      ...cipherUse,
    });
    expect(f?.evidence.keyOrigin).toMatch(/^MD5\(package name\)\[0:16\]/);
    expect(f?.evidence.encodings).toEqual(['aes-128-cbc']);
  });

  it('the first 16 hex characters of SHA-256 of a constant in the decrypting method, as AES-128-ECB', () => {
    const key = Buffer.from(py(`hashlib.sha256(b'wj#Filter2017').hexdigest()[:16]`)).toString('hex');
    const [f] = recovered(opensslEncrypt('aes-128-ecb', key, null), {
      name: 'decrypt',
      strings: ['AES/ECB/PKCS5Padding', 'wj#Filter2017'],
      ...cipherUse,
    });
    expect(f?.evidence.keyOrigin).toMatch(/^hex SHA-256\("wj#Filter2017" in Lcom\/game\/Filter;->decrypt\)\[0:16\]/);
  });

  it('PBKDF2-HMAC-SHA1 with the password, salt and iteration count of the method building the PBEKeySpec', () => {
    const key = py(`hashlib.pbkdf2_hmac('sha1', b'kw-pass', b'salt!2016', 1024, 32).hex()`);
    const method: FixtureMethod = {
      name: 'key',
      strings: ['PBKDF2WithHmacSHA1', 'kw-pass', 'salt!2016', 'AES/CBC/PKCS5Padding'],
      numbers: [1024],
      calls: ['Ljavax/crypto/SecretKeyFactory;->getInstance', 'Ljavax/crypto/Cipher;->getInstance'],
      newInstances: ['Ljavax/crypto/spec/PBEKeySpec;', 'Ljavax/crypto/spec/SecretKeySpec;'],
    };
    const [f] = recovered(opensslEncrypt('aes-256-cbc', key, '00'.repeat(16)), method);
    expect(f?.evidence.keyOrigin).toMatch(
      /^PBKDF2-SHA1\("kw-pass", salt [0-9a-f]+, 1024\) in Lcom\/game\/Filter;->key/,
    );
    // With no iteration budget, PBKDF2 is not tried and the list stays hidden.
    expect(
      recovered(opensslEncrypt('aes-256-cbc', key, '00'.repeat(16)), method, {
        ...DEFAULT_LIMITS,
        assets: { ...DEFAULT_LIMITS.assets, maxKeyDerivationIterations: 0 },
      }),
    ).toEqual([]);
  });

  it('digests equal those of the standard algorithms, truncated', () => {
    const keys = digestKeys([{ text: 'abc', origin: 'x' }]);
    const sha256 = createHash('sha256').update('abc').digest();
    expect(keys.find((k) => k.origin === 'SHA-256(x)')?.bytes).toEqual(sha256);
    expect(keys.find((k) => k.origin === 'MD5(x)[0:16]')?.bytes).toEqual(createHash('md5').update('abc').digest());
    expect(pbkdf2Sync('a', 'b', 1, 32, 'sha1').subarray(0, 16)).toEqual(pbkdf2Sync('a', 'b', 1, 16, 'sha1'));
  });
});

describe('keys kept outside the code', () => {
  it('a key string in a native library the app loads', async () => {
    const { buildNativeLib } = await import('../fixtures/native-lib.js');
    const { readFileSync } = await import('node:fs');
    const key = 'Qw7#zT1!pL9$kM3x';
    const lib = readFileSync(buildNativeLib([key, 'Java_com_game_Filter_key']));
    const asset = opensslEncrypt('aes-128-ecb', Buffer.from(key).toString('hex'), null);
    const dex = buildDex([
      {
        descriptor: 'Lcom/game/Filter;',
        methods: [
          {
            name: 'load',
            strings: ['AES/ECB/PKCS5Padding', 'words.dat'],
            calls: ['Ljava/lang/System;->loadLibrary', ...cipherUse.calls],
            newInstances: cipherUse.newInstances,
          },
        ],
      },
    ]);
    const apk = deriveApk({
      base: corpusFile('urzip.apk'),
      out: join(tempDir(), 'n.apk'),
      entries: { 'classes.dex': dex, 'assets/cfg/words.dat': asset, 'lib/x86_64/libkeys.so': lib },
    });
    const [f] = findingsOf(analyzeFile(apk, 'n.apk', analyzeContext()).findings, 'censorship/keyword-list').filter(
      (x) => x.location.path.endsWith('words.dat'),
    );
    expect(f?.evidence.encodings).toEqual(['aes-128-ecb']);
    expect(f?.evidence.keyOrigin).toMatch(/libkeys\.so/);
    // Without the library the list stays hidden: the key is nowhere else.
    const bare = deriveApk({
      base: corpusFile('urzip.apk'),
      out: join(tempDir(), 'b.apk'),
      entries: { 'classes.dex': dex, 'assets/cfg/words.dat': asset },
    });
    expect(
      analyzeFile(bare, 'b.apk', analyzeContext()).findings.filter(
        (x) => x.location.path.endsWith('words.dat') && x.detectorId === 'censorship/keyword-list',
      ),
    ).toEqual([]);
  });
});
