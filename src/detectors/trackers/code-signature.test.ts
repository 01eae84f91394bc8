import { join } from 'node:path';
import { first } from '../../../test/defined.js';
import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../scan/analyze.js';
import { parseExodusTrackers } from '../../trackers/trackers.js';
import { deriveApk } from '../../../test/fixtures/apk-builder.js';
import { buildDex } from '../../../test/fixtures/dex-builder.js';
import { EXODUS_JSON, analyzeContext, corpusFile, tempDir } from '../../../test/helpers.js';
import { readFileSync } from 'node:fs';
import { apkWith } from '../../../test/fixtures/models.js';
import { testDetector } from '../../../test/rule-tester.js';
import detector from './code-signature.js';

const ID = 'trackers/code-signature';

function apkWithClasses(descriptors: string[]): string {
  const dex = buildDex(descriptors.map((descriptor) => ({ descriptor, methods: [{ name: 'init', strings: ['x'] }] })));
  return deriveApk({
    base: corpusFile('urzip.apk'),
    out: join(tempDir(), 'trackers.apk'),
    entries: { 'classes.dex': dex },
  });
}

describe('positive', () => {
  it('identifies the Chinese SDKs that matter here by their classes, and names the classes', () => {
    const apk = apkWithClasses([
      'Lcom/sensorsdata/analytics/android/sdk/SensorsDataAPI;',
      'Lcom/umeng/analytics/MobclickAgent;',
      'Lcom/tencent/bugly/crashreport/CrashReport;',
      'Lcom/baidu/mobstat/StatService;',
      'Lcom/igexin/sdk/PushManager;',
      'Lcn/jpush/android/api/JPushInterface;',
      'Lcom/xiaomi/mipush/sdk/MiPushClient;',
      'Lcom/miui/zeus/mimo/sdk/MimoSdk;',
    ]);
    const app = first(analyzeFile(apk, 'a.apk', analyzeContext()).apps);
    expect(app.trackers.map((t) => t.id).sort()).toEqual([
      'baidu-mobstat',
      'getui',
      'jpush',
      'sensors-analytics',
      'tencent-bugly',
      'umeng',
      'xiaomi-ads',
      'xiaomi-push',
    ]);
    expect(app.trackers.find((t) => t.id === 'sensors-analytics')?.matchedClasses).toEqual([
      'com.sensorsdata.analytics.android.sdk.SensorsDataAPI',
    ]);
  });

  it('imports the Exodus database and matches with its regular expressions', () => {
    const set = parseExodusTrackers(readFileSync(EXODUS_JSON, 'utf8'));
    expect(set.signatures.length).toBeGreaterThan(400);
    const fb = set.signatures.find((s) => s.name === 'Facebook Ads');
    expect(fb?.matchClass('com/facebook/ads/AdView')).toBe(true);
  });
});

describe('negative', () => {
  it('does not match look-alike packages', () => {
    const apk = apkWithClasses(['Lcom/umengx/Other;', 'Lorg/example/sensorsdata/Fake;', 'Lcom/example/app/Main;']);
    expect(analyzeFile(apk, 'a.apk', analyzeContext()).findings.filter((f) => f.detectorId === ID)).toEqual([]);
  });

  it('finds no tracker in a small FOSS app', () => {
    expect(
      first(analyzeFile(corpusFile('com.teleca.jamendo_35.apk'), 'j.apk', analyzeContext()).apps).trackers,
    ).toEqual([]);
  });

  it('rejects a malformed tracker file with a typed error', () => {
    expect(() => parseExodusTrackers('{"trackers": ')).toThrow(/trackers\/bad-json|JSON/);
    expect(() => parseExodusTrackers('{"trackers": {}}')).toThrow(/no trackers/);
  });
});

describe('rule table (built-in signatures)', () => {
  testDetector(detector, {
    ctx: () => analyzeContext().detectors,
    valid: [
      { name: "an app's own classes", input: apkWith({ classes: ['org/example/app/Main', 'org/example/app/Api'] }) },
      // The signature is the package `com.umeng.`: a package that only starts with the same letters is not it.
      { name: 'a look-alike package name', input: apkWith({ classes: ['com/umengdemo/Home'] }) },
      { name: 'an app without code', input: apkWith({}) },
    ],
    invalid: [
      {
        name: "Umeng's analytics entry class",
        input: apkWith({ classes: ['com/umeng/analytics/MobclickAgent', 'org/example/app/Main'] }),
        messageId: 'tracker',
        data: { name: 'Umeng', categories: 'analytics, push', package: 'org.example.app', count: 1 },
        severity: 'low',
        evidence: { trackerId: 'umeng', source: 'builtin', matchedClasses: ['com.umeng.analytics.MobclickAgent'] },
      },
      {
        name: 'two SDKs, one finding each, with every matching class counted',
        input: apkWith({
          classes: [
            'com/tencent/bugly/crashreport/CrashReport',
            'com/tencent/bugly/Bugly',
            'com/umeng/commonsdk/UMConfigure',
          ],
        }),
        errors: [
          { messageId: 'tracker', data: { name: 'Umeng', count: 1 } },
          { messageId: 'tracker', data: { name: 'Tencent Bugly', categories: 'crash-reporting', count: 2 } },
        ],
      },
    ],
  });
});
