import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../src/scan/analyze.js';
import { deriveApk } from './fixtures/apk-builder.js';
import { buildDex } from './fixtures/dex-builder.js';
import { POLITICAL_TERMS } from './fixtures/lists.js';
import { miuiLikeDex } from './fixtures/miui.js';
import { analyzeContext, corpusFile, tempDir } from './helpers.js';
import { textContaining } from './matchers.js';

describe('linking a list, its refresh code and its region switch', () => {
  it('links the three findings of a MIUI-like app and names the published mechanism', () => {
    const apk = deriveApk({
      base: corpusFile('urzip.apk'),
      out: join(tempDir(), 'miui.apk'),
      entries: {
        'classes.dex': miuiLikeDex(),
        'assets/MiAdBlacklistConfig': JSON.stringify({
          status: 0,
          message: 'updated',
          keywords: POLITICAL_TERMS,
          version: 3,
          cacheTime: 43200000,
        }),
      },
    });
    const findings = analyzeFile(apk, 'miui.apk', analyzeContext()).findings;
    const list = findings.find((f) => f.detectorId === 'censorship/keyword-list');
    const refresh = findings.find((f) => f.detectorId === 'censorship/list-refresh');
    const region = findings.find((f) => f.detectorId === 'censorship/region-switch');
    expect(list && refresh && region).toBeTruthy();
    const related = (f: typeof list | typeof refresh) => (f?.evidence.related ?? []).map((r) => [r.detectorId, r.why]);
    expect(related(list)).toContainEqual([
      'censorship/list-refresh',
      'the list is stored as assets/MiAdBlacklistConfig',
    ]);
    expect(related(refresh)).toContainEqual([
      'censorship/region-switch',
      'the region check sits in the refresh code or calls it',
    ]);
    expect(list?.evidence.knownList).toMatchObject({ id: 'xiaomi-miad-blacklist', vendor: 'Xiaomi' });
    expect(refresh?.evidence.knownList).toMatchObject({ id: 'xiaomi-miad-blacklist' });
  });

  it('names a LINE-style list (cbw.dat, Base64 of AES-CBC with the key in the app) and nothing in a plain app', () => {
    const key = 'Kx9$mQ2!vL7#pR4z';
    const iv = 'iv-0123456789abc';
    const enc = execFileSync(
      'openssl',
      ['enc', '-aes-128-cbc', '-K', Buffer.from(key).toString('hex'), '-iv', Buffer.from(iv).toString('hex')],
      { input: POLITICAL_TERMS.join('\n') },
    );
    const dex = buildDex([
      {
        descriptor: 'Ljp/naver/line/Filter;',
        methods: [
          {
            name: 'load',
            strings: ['cbw.dat', key, iv, 'AES/CBC/PKCS5Padding'],
            newInstances: ['Ljavax/crypto/spec/SecretKeySpec;'],
          },
        ],
      },
    ]);
    const apk = deriveApk({
      base: corpusFile('urzip.apk'),
      out: join(tempDir(), 'line.apk'),
      entries: { 'classes.dex': dex, 'assets/cbw.dat': enc.toString('base64') },
    });
    const list = analyzeFile(apk, 'line.apk', analyzeContext()).findings.find(
      (f) => f.detectorId === 'censorship/keyword-list',
    );
    expect(list?.evidence).toMatchObject({
      encodings: ['base64', 'aes-128-cbc'],
      knownList: { id: 'line-cbw' },
      keyOrigin: textContaining('Ljp/naver/line/Filter;->load'),
    });
    const plain = analyzeFile(corpusFile('urzip.apk'), 'u.apk', analyzeContext()).findings;
    expect(plain.some((f) => 'knownList' in f.evidence)).toBe(false);
  });
});
