import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../scan/analyze.js';
import { deriveApk } from '../../../test/fixtures/apk-builder.js';
import { buildDex } from '../../../test/fixtures/dex-builder.js';
import { miuiLikeDex } from '../../../test/fixtures/miui.js';
import { assembleSmali } from '../../../test/fixtures/smali.js';
import { AD_FILTER_SMALI } from '../../../test/fixtures/smali/adfilter.js';
import { CHAT_SMALI } from '../../../test/fixtures/smali/chat.js';
import { chatPrefsSmali } from '../../../test/fixtures/smali/chat-prefs.js';
import { CHAT_BOUND_SMALI } from '../../../test/fixtures/smali/chat-bound.js';
import { NEWS_FEED_SMALI, NEWS_FEED_UNGATED_SMALI } from '../../../test/fixtures/smali/newsfeed.js';
import { FINGERPRINT_SMALI, INLINE_GATE_SMALI, SERVER_PICK_SMALI } from '../../../test/fixtures/smali/negatives.js';
import { first } from '../../../test/defined.js';
import { analyzeContext, corpusApks, corpusFile, tempDir } from '../../../test/helpers.js';
import { artefact, apkModel, manifest } from '../../../test/fixtures/models.js';
import { testDetector } from '../../../test/rule-tester.js';
import { DexFile } from '../../formats/dex.js';
import { DEFAULT_LIMITS } from '../../io/limits.js';
import detector from './region-switch.js';
import type { ApkModel } from '../../scan/apk-model.js';

/** An in-memory app holding one DEX assembled from smali. */
const appOf = (sources: Record<string, string>): ApkModel => ({
  ...apkModel('app.apk', { hasManifest: true, manifest: manifest() }),
  dexes: [
    { artefact: artefact('app.apk!/classes.dex', 'dex'), dex: new DexFile(assembleSmali(sources), DEFAULT_LIMITS) },
  ],
});

testDetector(detector, {
  ctx: () => analyzeContext().detectors,
  valid: [
    {
      name: 'a device fingerprint that reads the region beside a word list it never gates',
      input: appOf(FINGERPRINT_SMALI),
    },
    {
      name: 'a list with a region value kept by a setter but shown in a label only',
      input: appOf(NEWS_FEED_UNGATED_SMALI),
    },
    { name: 'an app without code', input: apkModel('app.apk') },
  ],
  invalid: [
    {
      name: 'the account region of a login response gates the chat list download; a server flag turns it off',
      input: appOf(CHAT_SMALI),
      errors: [
        {
          messageId: 'gated',
          severity: 'high',
          data: { read: 'server response JSONObject.optString(region)', gate: 'Ly/k/g;->a' },
          evidence: { countries: ['CN'] },
        },
        { messageId: 'remote' },
      ],
    },
    {
      name: 'the same account region and server flag kept in SharedPreferences and read back by key',
      input: appOf(chatPrefsSmali()),
      errors: [
        {
          messageId: 'gated',
          severity: 'high',
          data: { read: 'server response JSONObject.optString(region)', gate: 'Ly/k/g;->a' },
          evidence: { path: ['Ly/k/b;->a', 'via preference "acct_cc" → Ly/k/g;->a', 'call → Ly/k/d;->a'] },
        },
        { messageId: 'remote', evidence: { serverFlag: 'sw' } },
      ],
    },
    {
      name: 'the region and the switch as fields a Gson binding fills, named by their annotations only',
      input: appOf(CHAT_BOUND_SMALI),
      errors: [
        {
          messageId: 'gated',
          severity: 'high',
          data: { read: 'server response Gson.fromJson(region)', gate: 'Ly/k/g;->a' },
          evidence: { countries: ['CN'] },
        },
        { messageId: 'remote', evidence: { serverFlag: 'filter_on', api: 'Gson.fromJson y.k.c' } },
      ],
    },
    {
      name: 'a reflective ro.vendor.region read compared with the 27 EU members gates an ad filter',
      input: appOf(AD_FILTER_SMALI),
      messageId: 'gated',
      data: { read: 'SystemProperties.get (reflection)(ro.vendor.region)', gate: 'Lx/q/g;->a' },
      evidence: { countrySet: '27 countries: the 27 EU members' },
    },
    {
      name: 'a region read that only picks a server is info',
      input: appOf(SERVER_PICK_SMALI),
      messageId: 'server',
      severity: 'info',
    },
  ],
});

const ID = 'censorship/region-switch';
const apkWith = (dex: Buffer) =>
  deriveApk({ base: corpusFile('urzip.apk'), out: join(tempDir(), 'r.apk'), entries: { 'classes.dex': dex } });
const findings = (dex: Buffer) =>
  analyzeFile(apkWith(dex), 'r.apk', analyzeContext()).findings.filter((x) => x.detectorId === ID);

describe('positive', () => {
  it('MIUI-like code: ro.miui.region against EU codes gates the list download; filter_switch turns it off', () => {
    const all = findings(miuiLikeDex());
    const gated = all.filter((f) => f.messageId === 'gated');
    expect(gated).toHaveLength(1);
    const f = first(gated, 'a gated finding');
    expect(f.severity).toBe('high');
    expect(f.location.className).toBe('Lcom/miui/systemAdSolution/common/RegionHelper;');
    expect(f.evidence).toMatchObject({
      regionProperties: ['ro.miui.region'],
      serverFlags: ['filter_switch'],
      countryApis: ['SystemProperties.get'],
      gateEffect: 'skips or allows the list download',
    });
    expect(f.evidence.euCountryCodes).toEqual(['AT', 'BE', 'DE', 'ES', 'FR', 'IT', 'LT', 'NL', 'PL', 'SE']);
    expect(f.evidence.path).toEqual([
      'Lcom/miui/systemAdSolution/common/RegionHelper;->isFilterRegion',
      'returned-to → Lcom/miui/systemAdSolution/common/AdBlacklistConfig;->fetch',
    ]);
    expect(f.evidence.listCode).toContain('Lcom/miui/systemAdSolution/common/AdBlacklistConfig;->fetch');
    const remote = all.filter((x) => x.messageId === 'remote');
    expect(remote.map((x) => [x.evidence.serverFlag, x.severity])).toEqual([['filter_switch', 'medium']]);
  });

  it('a reflective region read several calls away from the list, against 27 EU countries', () => {
    const gated = findings(assembleSmali(AD_FILTER_SMALI)).filter((f) => f.messageId === 'gated');
    expect(gated.map((f) => f.evidence.regionRead)).toEqual(['SystemProperties.get (reflection)(ro.vendor.region)']);
    expect(first(gated).evidence).toMatchObject({
      countrySet: '27 countries: the 27 EU members',
      comparisons: ['Set.contains(a set of 27)'],
      gate: 'Lx/q/g;->a',
    });
    expect((first(gated).evidence.path as string[]).length).toBe(5);
  });

  it('a SIM country handed to a setter, read back through the getter by the code that gates the download', () => {
    const all = analyzeFile(apkWith(assembleSmali(NEWS_FEED_SMALI)), 'r.apk', analyzeContext()).findings;
    const gated = all.filter((f) => f.detectorId === ID && f.messageId === 'gated');
    expect(gated).toHaveLength(1);
    expect(first(gated).severity).toBe('high');
    expect(first(gated).evidence).toMatchObject({
      regionRead: 'TelephonyManager.getSimCountryIso',
      comparisons: ['String.equalsIgnoreCase(cn)'],
      countries: ['CN'],
      gate: 'Lw/r/c;->a',
      gateEffect: 'skips or allows the list download',
      path: [
        'Lw/r/a;->a',
        'passed-to → Lw/r/b;->a',
        'via field c → Lw/r/b;->b',
        'returned-to → Lw/r/c;->a',
        'call → Lw/r/d;->a',
      ],
    });
    // The refresh finding of the same list carries the gate and is high.
    const refresh = all.filter((f) => f.detectorId === 'censorship/list-refresh');
    expect(refresh.map((f) => [f.severity, (f.evidence.regionGate as { read: string } | undefined)?.read])).toEqual([
      ['high', 'TelephonyManager.getSimCountryIso'],
    ]);
  });

  it('without the gate, the stored region shown in a label is no switch and the list stays medium', () => {
    const all = analyzeFile(apkWith(assembleSmali(NEWS_FEED_UNGATED_SMALI)), 'r.apk', analyzeContext()).findings;
    expect(all.filter((f) => f.detectorId === ID && f.severity !== 'info')).toEqual([]);
    expect(all.filter((f) => f.detectorId === 'censorship/list-refresh').map((f) => f.severity)).toEqual(['medium']);
  });

  it('an account region from the server gates the chat list download', () => {
    const gated = findings(assembleSmali(CHAT_SMALI)).filter((f) => f.messageId === 'gated');
    expect(gated.map((f) => [f.evidence.regionRead, f.evidence.comparisons, f.evidence.path])).toEqual([
      [
        'server response JSONObject.optString(region)',
        ['String.equals(CN)'],
        ['Ly/k/b;->a', 'via field r → Ly/k/g;->a', 'call → Ly/k/d;->a'],
      ],
    ]);
  });
});

describe('positive (inline list)', () => {
  it('a region check in front of code that matches text against a String[] of political terms', () => {
    const gated = findings(assembleSmali(INLINE_GATE_SMALI)).filter((f) => f.messageId === 'gated');
    expect(gated.map((f) => [f.evidence.regionRead, f.evidence.path, f.evidence.gateEffect])).toEqual([
      ['SystemProperties.get(ro.boot.hwc)', ['Ln/g/a;->a', 'call → Ln/f/a;->b'], 'picks or skips loading the list'],
    ]);
  });
});

describe('negative', () => {
  it('raises nothing above info for a region read that gates no list: fingerprint beside a word list, server', () => {
    expect(findings(assembleSmali(FINGERPRINT_SMALI))).toEqual([]);
    const pick = findings(assembleSmali(SERVER_PICK_SMALI));
    expect(pick.map((f) => [f.messageId, f.severity])).toEqual([['server', 'info']]);
  });

  it('does not report a region check that has nothing to do with a list, or the corpus apps', () => {
    const dex = buildDex([
      {
        descriptor: 'Lcom/app/Locale;',
        methods: [
          {
            name: 'pick',
            strings: ['ro.product.locale.region', 'DE', 'FR', 'IT', 'ES', 'NL'],
            calls: ['Landroid/os/SystemProperties;->get'],
          },
        ],
      },
      { descriptor: 'Lcom/app/Main;', methods: [{ name: 'onCreate', strings: ['Settings', 'About'] }] },
    ]);
    expect(findings(dex)).toEqual([]);
    for (const apk of corpusApks())
      expect(
        analyzeFile(apk, 'c', analyzeContext()).findings.filter((x) => x.detectorId === ID && x.severity !== 'info'),
        apk,
      ).toEqual([]);
  });
});
