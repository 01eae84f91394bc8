import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { defined, first } from '../../../test/defined.js';
import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../scan/analyze.js';
import { deriveApk } from '../../../test/fixtures/apk-builder.js';
import { buildDex, type FixtureClass, type FixtureMethod } from '../../../test/fixtures/dex-builder.js';
import { gameLists } from '../../../test/fixtures/game-lists.js';
import { analyzeContext, corpusApks, corpusFile, run, tempDir } from '../../../test/helpers.js';
import { apkWith } from '../../../test/fixtures/models.js';
import { testDetector } from '../../../test/rule-tester.js';
import type { ApkModel, OpaqueBlob } from '../../scan/apk-model.js';
import detector from './opaque-list-asset.js';

/** An entry of app.apk that no decoding turned into text. */
const opaque = (inner: string, bytes: Uint8Array, origin: OpaqueBlob['origin'] = 'entry'): OpaqueBlob => ({
  artefactId: 'id:app.apk',
  location: { path: `app.apk!/${inner}` },
  origin,
  bytes,
});
/** An app whose DEX holds these classes and whose opaque entries are these. */
const appWith = (code: FixtureClass[], entries: OpaqueBlob[], over: Partial<ApkModel> = {}): ApkModel => ({
  ...apkWith({ code }),
  opaque: entries,
  ...over,
});
/** Every byte value once: 256 bytes of exactly 8 bits of entropy per byte, as ciphertext has nearly. */
const everyByte = Uint8Array.from({ length: 256 }, (_, i) => i);
/** Two byte values, as many of each: 1 bit per byte. */
const twoValues = Uint8Array.from({ length: 128 }, (_, i) => i % 2);
const KEYWORD_DAT = 'assets/table/keyword.dat';
const WORD_TABLE = 'Lcom/game/data/WordTable;';
const decrypting = (strings: string[]): FixtureClass => ({
  descriptor: WORD_TABLE,
  methods: [
    {
      name: 'load',
      strings: [...strings, 'AES/CBC/PKCS5Padding'],
      calls: ['Landroid/content/res/AssetManager;->open', 'Ljavax/crypto/Cipher;->getInstance'],
      newInstances: ['Ljavax/crypto/spec/SecretKeySpec;'],
    },
  ],
});

testDetector(detector, {
  valid: [
    {
      name: 'the code decrypts another file',
      input: appWith([decrypting(['table/other.dat'])], [opaque(KEYWORD_DAT, everyByte)]),
    },
    {
      name: 'the code names the file but only logs it',
      input: appWith(
        [
          {
            descriptor: WORD_TABLE,
            methods: [{ name: 'load', strings: ['table/keyword.dat'], calls: ['Landroid/util/Log;->d'] }],
          },
        ],
        [opaque(KEYWORD_DAT, everyByte)],
      ),
    },
    {
      name: 'the decoding search recovered the file as text',
      input: appWith([decrypting(['table/keyword.dat'])], [opaque(KEYWORD_DAT, everyByte)], {
        recoveredPaths: [`app.apk!/${KEYWORD_DAT}`],
      }),
    },
    {
      name: 'the file holds fewer than 64 bytes',
      input: appWith([decrypting(['table/keyword.dat'])], [opaque(KEYWORD_DAT, everyByte.subarray(0, 63))]),
    },
    {
      name: 'the opaque bytes are a DEX string, not an entry of the app',
      input: appWith([decrypting(['table/keyword.dat'])], [opaque(KEYWORD_DAT, everyByte, 'dex-string')]),
    },
    {
      name: 'a file name of two characters is too short to tell who reads it',
      input: appWith([decrypting(['ab'])], [opaque('assets/ab', everyByte)]),
    },
    { name: 'an app without code', input: appWith([], [opaque(KEYWORD_DAT, everyByte)]) },
  ],
  invalid: [
    {
      name: 'a file opened and decrypted by the method that names its path under assets/',
      input: appWith([decrypting(['table/keyword.dat'])], [opaque(KEYWORD_DAT, everyByte)]),
      messageId: 'read',
      data: {
        asset: KEYWORD_DAT,
        size: 256,
        code: `${WORD_TABLE}->load`,
        apis: 'Landroid/content/res/AssetManager;, Ljavax/crypto/Cipher;, Ljavax/crypto/spec/SecretKeySpec;',
      },
      severity: 'info',
      confidence: 'medium',
      evidence: {
        asset: KEYWORD_DAT,
        size: 256,
        entropy: 8,
        readingCode: [`${WORD_TABLE}->load`],
        excerpt: `${KEYWORD_DAT} read by ${WORD_TABLE}->load`,
      },
    },
    {
      name: 'a file inflated by a method that names it by its file name alone: low confidence',
      input: appWith(
        [
          {
            descriptor: WORD_TABLE,
            methods: [{ name: 'read', strings: ['keyword.dat'], calls: ['Ljava/util/zip/InflaterInputStream;->read'] }],
          },
        ],
        [opaque(KEYWORD_DAT, twoValues)],
      ),
      messageId: 'read',
      data: { size: 128, code: `${WORD_TABLE}->read`, apis: 'Ljava/util/zip/InflaterInputStream;' },
      confidence: 'low',
      evidence: { entropy: 1 },
    },
    {
      name: 'one file read by two methods: an opener naming the full path and a digest naming the file',
      input: appWith(
        [
          {
            descriptor: 'Lcom/game/a/Loader;',
            methods: [{ name: 'open', strings: [KEYWORD_DAT], calls: ['Landroid/content/res/AssetManager;->open'] }],
          },
          {
            descriptor: 'Lcom/game/b/Check;',
            methods: [
              { name: 'verify', strings: ['keyword.dat'], calls: ['Ljava/security/MessageDigest;->getInstance'] },
            ],
          },
        ],
        [opaque(KEYWORD_DAT, everyByte)],
      ),
      messageId: 'read',
      data: {
        code: 'Lcom/game/a/Loader;->open, Lcom/game/b/Check;->verify',
        apis: 'Landroid/content/res/AssetManager;, Ljava/security/MessageDigest;',
      },
      // A digest is one of the classes that transform the bytes with a key or hash.
      confidence: 'medium',
    },
    {
      name: 'two files, each with its reader, in the order of the entries',
      input: appWith(
        [
          {
            descriptor: 'Lcom/game/Names;',
            methods: [{ name: 'a', strings: ['names.bin'], calls: ['Ljavax/crypto/Cipher;->doFinal'] }],
          },
          {
            descriptor: 'Lcom/game/Words;',
            methods: [{ name: 'a', strings: ['words.bin'], calls: ['Ljavax/crypto/Cipher;->doFinal'] }],
          },
        ],
        [opaque('assets/w/words.bin', everyByte), opaque('assets/n/names.bin', twoValues)],
      ),
      errors: [
        { messageId: 'read', data: { asset: 'assets/w/words.bin', size: 256, code: 'Lcom/game/Words;->a' } },
        { messageId: 'read', data: { asset: 'assets/n/names.bin', size: 128, code: 'Lcom/game/Names;->a' } },
      ],
    },
  ],
});

const ID = 'censorship/opaque-list-asset';
const list = first(
  gameLists((p) => p.endsWith('table/keyword.dat')),
  'the game list',
);

/** The real list encrypted by openssl with a key that appears nowhere in the app (derived at run time). */
function encrypted(): Buffer {
  const dir = tempDir('candor-opaque-');
  const key = randomBytes(16).toString('hex');
  const iv = randomBytes(16).toString('hex');
  const plain = join(dir, 'p');
  run('sh', ['-c', `cat > ${plain}`], { input: list.bytes });
  return Buffer.from(
    run('sh', ['-c', `openssl enc -aes-128-cbc -K ${key} -iv ${iv} -in ${plain} | od -An -v -tx1 | tr -d ' \\n'`]),
    'hex',
  );
}

function scan(asset: Buffer, method: FixtureMethod) {
  const dex = buildDex([{ descriptor: 'Lcom/game/data/WordTable;', methods: [method] }]);
  const apk = deriveApk({
    base: corpusFile('urzip.apk'),
    out: join(tempDir(), 'o.apk'),
    entries: { 'classes.dex': dex, 'assets/table/keyword.dat': asset },
  });
  return analyzeFile(apk, 'o.apk', analyzeContext()).findings.filter((f) => f.detectorId === ID);
}

const reader: FixtureMethod = {
  name: 'load',
  strings: ['table/keyword.dat', 'AES/CBC/PKCS5Padding'],
  calls: ['Landroid/content/res/AssetManager;->open', 'Ljavax/crypto/Cipher;->getInstance'],
  newInstances: ['Ljavax/crypto/spec/SecretKeySpec;'],
};

describe('positive', () => {
  it('names an encrypted real list and the method that opens and decrypts it', () => {
    const [found0, ...rest] = scan(encrypted(), reader);
    const f = defined(found0, 'a finding');
    expect(rest).toEqual([]);
    expect(f.severity).toBe('info');
    expect(f.location.path.endsWith('!/assets/table/keyword.dat')).toBe(true);
    expect(f.evidence).toMatchObject({
      asset: 'assets/table/keyword.dat',
      readingCode: ['Lcom/game/data/WordTable;->load'],
    });
    expect(f.evidence.apis).toEqual([
      'Landroid/content/res/AssetManager;',
      'Ljavax/crypto/Cipher;',
      'Ljavax/crypto/spec/SecretKeySpec;',
    ]);
    expect(f.evidence.entropy).toBeGreaterThan(7);
    expect(f.confidence).toBe('medium');
  });

  it('also names a file read through a stream API only (inflate, data streams), at low confidence', () => {
    const [f] = scan(encrypted(), {
      name: 'read',
      strings: ['keyword.dat'],
      calls: ['Ljava/util/zip/InflaterInputStream;->read'],
    });
    expect(f?.confidence).toBe('low');
  });
});

describe('negative', () => {
  it('is silent when no code names the file, when the code only names it, or when the file is readable text', () => {
    expect(
      scan(encrypted(), { name: 'load', strings: ['other.dat'], calls: ['Ljavax/crypto/Cipher;->getInstance'] }),
    ).toEqual([]);
    expect(
      scan(encrypted(), { name: 'load', strings: ['table/keyword.dat'], calls: ['Landroid/util/Log;->d'] }),
    ).toEqual([]);
    expect(scan(list.bytes, reader)).toEqual([]);
  });

  it('reports nothing for the corpus apps', () => {
    for (const apk of corpusApks())
      expect(
        analyzeFile(apk, 'c', analyzeContext()).findings.filter((x) => x.detectorId === ID),
        apk,
      ).toEqual([]);
  });
});
