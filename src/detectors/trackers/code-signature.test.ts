import { join } from 'node:path';
import { first } from '../../../test/defined.js';
import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../scan/analyze.js';
import { parseExodusTrackers } from '../../trackers/trackers.js';
import { deriveApk } from '../../../test/fixtures/apk-builder.js';
import { buildDex } from '../../../test/fixtures/dex-builder.js';
import { EXODUS_JSON, analyzeContext, corpusFile, tempDir } from '../../../test/helpers.js';
import { readFileSync } from 'node:fs';
import { DEFAULT_LIMITS } from '../../io/limits.js';
import { DexFile } from '../../formats/dex.js';
import type { ApkModel } from '../../scan/apk-model.js';
import { apkModel, apkWith, artefact } from '../../../test/fixtures/models.js';
import { assembleSmali } from '../../../test/fixtures/smali.js';
import { testDetector } from '../../../test/rule-tester.js';
import detector from './code-signature.js';

/** An app that defines one class, a subclass of the Audience Network's banner view (assembled by smali). */
const bannerSubclass = (): ApkModel => ({
  ...apkWith({}),
  dexes: [
    {
      artefact: artefact('app.apk!/classes.dex', 'dex'),
      dex: new DexFile(
        assembleSmali({
          'org/example/app/Banner': '.class public Lorg/example/app/Banner;\n.super Lcom/facebook/ads/AdView;\n',
        }),
        DEFAULT_LIMITS,
      ),
    },
  ],
});
/** 30 classes of one SDK, named in sorted order. */
const applovin = Array.from({ length: 30 }, (_, i) => `com/applovin/impl/C${String(i).padStart(2, '0')}`);
const LOOK_ALIKES = ['com/umengx/Other', 'org/example/sensorsdata/Fake', 'com/example/app/Main', 'com/tencent/stats/X'];

describe('built-in signatures (class-name prefixes of the classes the app defines)', () => {
  testDetector(detector, {
    ctx: () => analyzeContext().detectors,
    valid: [
      { name: 'look-alike packages', input: apkWith({ classes: LOOK_ALIKES }) },
      // The prefix ends in a dot: `com.facebook.ads.` is a package, and adsmanager another one.
      { name: 'a package that only starts like an SDK', input: apkWith({ classes: ['com/facebook/adsmanager/X'] }) },
      { name: "a subclass of an SDK's class, which the app does not ship", input: bannerSubclass() },
      // A signature without a trailing dot names a class: AdView and its inner classes, not AdViewHolder;
      // Xiaomi's `com.mi.mimo` is a package, so `com.mi.mimosa` is another one.
      {
        name: 'classes whose names only start like an SDK class or package',
        input: apkWith({ classes: ['com/google/android/gms/ads/AdViewHolder', 'com/mi/mimosa/Player'] }),
      },
      { name: 'an app without code', input: apkModel() },
    ],
    invalid: [
      {
        name: "AdMob's AdView and its inner class, by class name",
        input: apkWith({ classes: ['com/google/android/gms/ads/AdView', 'com/google/android/gms/ads/AdView$1'] }),
        messageId: 'tracker',
        data: { name: 'Google AdMob', count: 2 },
      },
      {
        name: 'one Umeng class',
        input: apkWith({ classes: ['com/umeng/analytics/MobclickAgent', 'org/example/app/Main'] }),
        messageId: 'tracker',
        data: { name: 'Umeng', categories: 'analytics, push', package: 'org.example.app', count: 1 },
        severity: 'low',
        confidence: 'high',
        evidence: {
          trackerId: 'umeng',
          source: 'builtin',
          categories: ['analytics', 'push'],
          website: 'https://www.umeng.com',
          matchedClasses: ['com.umeng.analytics.MobclickAgent'],
          matchedClassCount: 1,
        },
      },
      {
        name: 'two SDKs, reported in the order of the signature table, each with its classes sorted',
        input: apkWith({
          classes: [
            'com/umeng/message/PushAgent',
            'com/sensorsdata/analytics/android/sdk/SensorsDataAPI',
            'com/umeng/analytics/MobclickAgent',
          ],
        }),
        errors: [
          { messageId: 'tracker', data: { name: 'Sensors Analytics (Sensors Data)', count: 1 } },
          {
            messageId: 'tracker',
            data: { name: 'Umeng', count: 2 },
            evidence: { matchedClasses: ['com.umeng.analytics.MobclickAgent', 'com.umeng.message.PushAgent'] },
          },
        ],
      },
      {
        name: 'one SDK under its two package prefixes',
        input: apkWith({ classes: ['com/tencent/stat/StatService', 'com/tencent/mta/track/StatisticsDataAPI'] }),
        messageId: 'tracker',
        data: { name: 'Tencent Mobile Tencent Analytics (MTA)', categories: 'analytics', count: 2 },
        evidence: {
          trackerId: 'tencent-mta',
          matchedClasses: ['com.tencent.mta.track.StatisticsDataAPI', 'com.tencent.stat.StatService'],
        },
      },
      {
        name: 'a prefix that is a class name: the AdMob banner, and DoubleClick under the same package',
        input: apkWith({
          classes: ['com/google/android/gms/ads/AdView', 'com/google/android/gms/ads/doubleclick/PublisherAdView'],
        }),
        errors: [
          {
            messageId: 'tracker',
            data: { name: 'Google AdMob', count: 1 },
            evidence: { matchedClasses: ['com.google.android.gms.ads.AdView'] },
          },
          {
            messageId: 'tracker',
            data: { name: 'Google DoubleClick', count: 1 },
            evidence: { matchedClasses: ['com.google.android.gms.ads.doubleclick.PublisherAdView'] },
          },
        ],
      },
      {
        name: '30 classes of one SDK: all counted, the first 25 named',
        input: apkWith({ classes: applovin }),
        messageId: 'tracker',
        data: { name: 'AppLovin', categories: 'ads', count: 30 },
        evidence: { matchedClasses: applovin.slice(0, 25).map((c) => c.replace(/\//g, '.')), matchedClassCount: 30 },
      },
    ],
  });
});

const exodus = analyzeContext('exodus').detectors;
describe("Exodus signatures (regular expressions over the class names Exodus's dexdump reading sees)", () => {
  testDetector(detector, {
    ctx: () => exodus,
    valid: [
      { name: 'look-alike packages', input: apkWith({ classes: LOOK_ALIKES.filter((c) => !c.includes('tencent')) }) },
      { name: 'an app without code', input: apkModel() },
    ],
    invalid: [
      {
        name: 'Umeng Analytics, which Exodus gives no category',
        input: apkWith({ classes: ['com/umeng/analytics/MobclickAgent'] }),
        messageId: 'tracker',
        data: { name: 'Umeng Analytics', categories: 'uncategorised', count: 1 },
        evidence: {
          trackerId: 'exodus-119',
          source: 'exodus',
          categories: [],
          website: 'https://www.umeng.com/analytics',
          matchedClasses: ['com.umeng.analytics.MobclickAgent'],
        },
      },
      {
        name: "the superclass of an app's class: Exodus reads it from the class's dexdump lines",
        input: bannerSubclass(),
        messageId: 'tracker',
        data: { name: 'Facebook Ads', categories: 'advertisement', count: 1 },
        evidence: { trackerId: 'exodus-65', matchedClasses: ['com.facebook.ads.AdView'] },
      },
      {
        // `com.facebook.ads` with no dot at its end, and the dots are wildcards: Exodus matches this name too.
        name: 'a package that only starts like the SDK, as Exodus matches it',
        input: apkWith({ classes: ['com/facebook/adsmanager/X'] }),
        messageId: 'tracker',
        data: { name: 'Facebook Ads' },
        evidence: { matchedClasses: ['com.facebook.adsmanager.X'] },
      },
    ],
  });
});

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
