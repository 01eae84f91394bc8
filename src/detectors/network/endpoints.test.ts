import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractEndpoints } from '../../network/hosts.js';
import { findingsOf } from '../../model.js';
import { analyzeFile } from '../../scan/analyze.js';
import { deriveApk } from '../../../test/fixtures/apk-builder.js';
import { buildDex } from '../../../test/fixtures/dex-builder.js';
import { analyzeContext, corpusFile, run, tempDir } from '../../../test/helpers.js';
import { apkModel, artefact, manifest } from '../../../test/fixtures/models.js';
import { testDetector } from '../../../test/rule-tester.js';
import { DexFile } from '../../formats/dex.js';
import { DEFAULT_LIMITS } from '../../io/limits.js';
import detector from './endpoints.js';

const ID = 'network/endpoints' as const;

describe('positive', () => {
  it('finds the Jamendo API host with the class that loads it, flagged as cleartext', () => {
    const r = analyzeFile(corpusFile('com.teleca.jamendo_35.apk'), 'jamendo.apk', analyzeContext());
    const api = findingsOf(r.findings, ID).find((f) => f.evidence.host === 'api.jamendo.com');
    expect(api?.messageId).toBe('cleartext');
    const e = api!.evidence;
    expect(e.registrableDomain).toBe('jamendo.com');
    expect(e.urls.every((u) => u.startsWith('http://api.jamendo.com/'))).toBe(true);
    expect(e.references.some((ref) => ref.className?.startsWith('Lcom/teleca/jamendo/'))).toBe(true);
    // Every DEX string strings(1) sees with the host is accounted for.
    const stringsOut = run('sh', [
      '-c',
      `unzip -p ${corpusFile('com.teleca.jamendo_35.apk')} classes.dex | strings | grep -c 'api.jamendo.com' || true`,
    ]).trim();
    expect(Number(stringsOut)).toBeGreaterThan(0);
  });

  it('finds hosts in code, assets and bare host names (the Xiaomi filter endpoint)', () => {
    const dex = buildDex([
      {
        descriptor: 'Lcom/miui/ad/Filter;',
        methods: [
          { name: 'fetch', strings: ['https://globalapi.ad.xiaomi.com/filter/text?appKey=x', 'sa.api.intl.miui.com'] },
        ],
      },
    ]);
    const apk = deriveApk({
      base: corpusFile('urzip.apk'),
      out: join(tempDir(), 'x.apk'),
      entries: { 'classes.dex': dex, 'assets/config.json': '{"url":"http://tracking.intl.miui.com/track/v4"}' },
    });
    const hosts = analyzeFile(apk, 'x.apk', analyzeContext())
      .findings.filter((f) => f.detectorId === ID)
      .map((f) => [f.evidence.host, f.location.className ?? f.location.path]);
    expect(hosts).toEqual([
      ['globalapi.ad.xiaomi.com', 'Lcom/miui/ad/Filter;'],
      ['sa.api.intl.miui.com', 'Lcom/miui/ad/Filter;'],
      ['tracking.intl.miui.com', 'x.apk!/assets/config.json'],
    ]);
  });
});

describe('negative', () => {
  it('does not take package names, class names or file names for hosts', () => {
    for (const s of [
      'com.example.app',
      'android.intent.action.MAIN',
      'config.json',
      'libfoo.so',
      'org.apache.http.client',
      'Lcom/foo/Bar;',
      'R.string.app_name',
      'v1.2.3',
    ]) {
      expect(extractEndpoints(s), s).toEqual([]);
    }
    expect(extractEndpoints('example.com').map((e) => e.host)).toEqual(['example.com']);
  });

  it('reports no host for an app without any', () => {
    const r = analyzeFile(corpusFile('urzip.apk'), 'urzip.apk', analyzeContext());
    expect(r.findings.filter((f) => f.detectorId === ID).map((f) => f.evidence.host)).not.toContain('com.example.app');
  });
});

/** An app whose asset holds `text` and whose one real DEX method loads `strings`. */
function appWith(texts: string[], strings: string[] = []) {
  const app = apkModel('app.apk', { hasManifest: true, manifest: manifest({ package: 'org.example.app' }) });
  for (const text of texts)
    app.texts.push({
      artefactId: app.artefact.id,
      location: { path: 'app.apk!/assets/config.json' },
      encoding: 'utf-8',
      encodings: [],
      origin: 'entry',
      text,
    });
  if (strings.length)
    app.dexes.push({
      artefact: artefact('app.apk!/classes.dex', 'dex'),
      dex: new DexFile(
        buildDex([{ descriptor: 'Lorg/example/Api;', methods: [{ name: 'call', strings }] }]),
        DEFAULT_LIMITS,
      ),
    });
  return app;
}

describe('rule table', () => {
  testDetector(detector, {
    valid: [
      { name: 'an app with no host anywhere', input: appWith(['{"enabled": true, "retries": 3}'], ['hello world']) },
      { name: 'a version number and a file name are no hosts', input: appWith(['1.2.3'], ['config.json']) },
    ],
    invalid: [
      {
        name: 'an HTTPS API host in code, with the class that loads it',
        input: appWith([], ['https://api.example.org/v2/items']),
        messageId: 'host',
        data: { package: 'org.example.app', host: 'api.example.org', domain: 'example.org', sources: 'dex' },
        severity: 'info',
        evidence: { registrableDomain: 'example.org', schemes: ['https'], isIp: false },
      },
      {
        name: 'a cleartext URL in an asset is low',
        input: appWith(['{"endpoint": "http://cdn.example.net/filter/list.txt"}']),
        messageId: 'cleartext',
        data: { host: 'cdn.example.net', schemes: 'http', sources: 'asset' },
        severity: 'low',
        evidence: { urls: ['http://cdn.example.net/filter/list.txt'] },
      },
    ],
  });
});
