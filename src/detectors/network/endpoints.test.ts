import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractEndpoints } from '../../network/hosts.js';
import { findingsOf } from '../../model.js';
import { analyzeFile } from '../../scan/analyze.js';
import { deriveApk } from '../../../test/fixtures/apk-builder.js';
import { buildDex } from '../../../test/fixtures/dex-builder.js';
import { analyzeContext, corpusFile, run, tempDir } from '../../../test/helpers.js';
import { apkModel, apkWith } from '../../../test/fixtures/models.js';
import { testDetector } from '../../../test/rule-tester.js';
import detector from './endpoints.js';

const DEX = 'app.apk!/classes.dex';
/** One class whose method `run` loads these strings. */
const code = (descriptor: string, strings: string[]) => [{ descriptor, methods: [{ name: 'run', strings }] }];

testDetector(detector, {
  valid: [
    {
      name: 'package, class, file and resource names and versions in code are no hosts',
      input: apkWith({
        code: code('Lcom/example/app/Main;', [
          'com.example.app',
          'android.intent.action.MAIN',
          'org.apache.http.client',
          'config.json',
          'libfoo.so',
          'R.string.app_name',
          'v1.2.3',
        ]),
      }),
    },
    {
      name: 'an asset that names files, and a library with symbol versions',
      input: apkWith({
        assetTexts: { 'settings.json': '{"theme": "dark", "file": "config.json", "pkg": "com.example.app"}' },
        libStrings: { 'libfoo.so': ['GLIBC_2.17', 'libc.so', 'main.cpp'] },
      }),
    },
    {
      name: 'a URL in text decoded from a DEX method, which is no entry of the app',
      input: {
        ...apkModel(),
        texts: [
          {
            artefactId: 'id:app.apk',
            location: { path: DEX, className: 'Lcom/x/A;', method: 'a' },
            encoding: 'utf-8',
            encodings: ['base64'],
            origin: 'dex-method',
            text: 'https://hidden.example.com/x',
          },
        ],
      },
    },
    { name: 'an app with nothing in it', input: apkModel() },
  ],
  invalid: [
    {
      name: 'an HTTPS URL in code, with the method that loads it',
      input: apkWith({ code: code('Lcom/example/Api;', ['https://api.example.org/v1/items']) }),
      messageId: 'host',
      data: {
        package: 'org.example.app',
        host: 'api.example.org',
        domain: 'example.org',
        sources: 'dex',
        schemes: 'https',
      },
      severity: 'info',
      evidence: {
        host: 'api.example.org',
        registrableDomain: 'example.org',
        publicSuffix: 'org',
        isIp: false,
        schemes: ['https'],
        urls: ['https://api.example.org/v1/items'],
        sources: ['dex'],
        references: [{ path: DEX, className: 'Lcom/example/Api;', method: 'run' }],
        excerpt: 'https://api.example.org/v1/items',
      },
    },
    {
      name: 'a plain-HTTP URL in an asset is cleartext, low',
      input: apkWith({ assetTexts: { 'config.json': '{"url":"http://tracking.example.net/track/v4"}' } }),
      messageId: 'cleartext',
      data: { host: 'tracking.example.net', domain: 'example.net', sources: 'asset', schemes: 'http' },
      severity: 'low',
      evidence: {
        urls: ['http://tracking.example.net/track/v4'],
        references: [{ path: 'app.apk!/assets/config.json' }],
      },
    },
    {
      name: 'a bare host name among native strings, at its offset',
      input: apkWith({ libStrings: { 'libmi.so': ['sa.api.intl.miui.com'] } }),
      messageId: 'host',
      data: { host: 'sa.api.intl.miui.com', domain: 'miui.com', sources: 'native', schemes: '' },
      evidence: { urls: [], schemes: [], references: [{ path: 'app.apk!/lib/arm64-v8a/libmi.so', offset: 0 }] },
    },
    {
      name: 'one host from code over HTTPS, an asset by name and a library over HTTP: one cleartext report',
      input: apkWith({
        code: code('Lcom/example/Cdn;', ['https://cdn.example.com/a.js']),
        assetTexts: { 'hosts.txt': 'cdn.example.com\nconfig.json\ncom.example.app' },
        // The URL follows `GLIBC_2.17` and its NUL: offset 11.
        libStrings: { 'libnet.so': ['GLIBC_2.17', 'http://cdn.example.com/b'] },
      }),
      messageId: 'cleartext',
      data: { host: 'cdn.example.com', sources: 'dex, asset, native', schemes: 'https/http' },
      severity: 'low',
      evidence: {
        urls: ['https://cdn.example.com/a.js', 'http://cdn.example.com/b'],
        references: [
          { path: DEX, className: 'Lcom/example/Cdn;', method: 'run' },
          { path: 'app.apk!/assets/hosts.txt' },
          { path: 'app.apk!/lib/arm64-v8a/libnet.so', offset: 11 },
        ],
      },
    },
    {
      name: 'hosts in order of name: an IP address, a URL in capitals, FTP and secure WebSocket',
      input: apkWith({
        code: code('Lcom/example/Net;', [
          'wss://push.example.io/socket',
          'ftp://files.example.net/pub',
          'HTTPS://Api.Example.ORG',
          'http://192.0.2.10:8080/upload',
        ]),
      }),
      errors: [
        {
          messageId: 'cleartext',
          data: { host: '192.0.2.10', domain: '192.0.2.10', schemes: 'http' },
          evidence: {
            isIp: true,
            registrableDomain: null,
            publicSuffix: null,
            urls: ['http://192.0.2.10:8080/upload'],
          },
        },
        {
          messageId: 'host',
          data: { host: 'api.example.org', domain: 'example.org', schemes: 'https' },
          // The URL as a URL parser writes it: lower-case scheme and host, and the root path.
          evidence: { urls: ['https://api.example.org/'] },
        },
        { messageId: 'cleartext', data: { host: 'files.example.net', schemes: 'ftp' }, severity: 'low' },
        {
          messageId: 'host',
          data: { host: 'push.example.io', domain: 'example.io', schemes: 'wss' },
          severity: 'info',
        },
      ],
    },
  ],
});

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
