import { createCipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defined, first } from '../../../test/defined.js';
import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../scan/analyze.js';
import { deriveApk } from '../../../test/fixtures/apk-builder.js';
import { buildDex, type FixtureMethod } from '../../../test/fixtures/dex-builder.js';
import { gameLists } from '../../../test/fixtures/game-lists.js';
import { CORPUS, analyzeContext, corpusApks, corpusFile, run, tempDir } from '../../../test/helpers.js';
import { apkModel, artefact, manifest } from '../../../test/fixtures/models.js';
import { testDetector } from '../../../test/rule-tester.js';
import { DexFile } from '../../formats/dex.js';
import { DEFAULT_LIMITS } from '../../io/limits.js';
import detector from './opaque-list-asset.js';

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

/** A real list encrypted the way games ship theirs (AES-128-ECB), with a fixed key so the case is repeatable. */
const ENCRYPTED = (() => {
  const c = createCipheriv('aes-128-ecb', Buffer.from('0123456789abcdef'), null);
  const list = readFileSync(join(CORPUS, 'censorship-lists', 'open-source', '298257.txt'));
  return new Uint8Array(Buffer.concat([c.update(list), c.final()]));
})();

/** An in-memory app with an opaque asset and one real DEX whose method `load` names it. */
function opaqueApp(bytes: Uint8Array, method: FixtureMethod) {
  const app = apkModel('app.apk', { hasManifest: true, manifest: manifest() });
  app.opaque.push({
    artefactId: app.artefact.id,
    location: { path: 'app.apk!/assets/dirtyword.dat' },
    origin: 'entry',
    bytes,
  });
  const dex = new DexFile(buildDex([{ descriptor: 'Lcom/game/Words;', methods: [method] }]), DEFAULT_LIMITS);
  app.dexes.push({ artefact: artefact('app.apk!/classes.dex', 'dex'), dex });
  return app;
}

describe('rule table', () => {
  const decrypting: FixtureMethod = {
    name: 'load',
    strings: ['dirtyword.dat'],
    calls: ['Ljavax/crypto/Cipher;->getInstance'],
    newInstances: ['Ljavax/crypto/spec/SecretKeySpec;'],
  };
  testDetector(detector, {
    valid: [
      {
        name: 'code that names the asset but transforms no bytes',
        input: opaqueApp(ENCRYPTED, { name: 'load', strings: ['dirtyword.dat'] }),
      },
      {
        name: 'a decrypting method that names another file',
        input: opaqueApp(ENCRYPTED, { ...decrypting, strings: ['other.dat'] }),
      },
      { name: 'an asset too small to hold a list', input: opaqueApp(ENCRYPTED.slice(0, 32), decrypting) },
    ],
    invalid: [
      {
        name: 'an encrypted real list read by a method that decrypts',
        input: opaqueApp(ENCRYPTED, decrypting),
        messageId: 'read',
        data: { asset: 'assets/dirtyword.dat', size: ENCRYPTED.length, code: 'Lcom/game/Words;->load' },
        severity: 'info',
        evidence: {
          readingCode: ['Lcom/game/Words;->load'],
          apis: ['Ljavax/crypto/Cipher;', 'Ljavax/crypto/spec/SecretKeySpec;'],
        },
      },
    ],
  });
});
