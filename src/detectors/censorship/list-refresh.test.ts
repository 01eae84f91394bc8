import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../io/limits.js';
import { analyzeFile } from '../../scan/analyze.js';
import { buildContext } from '../../scan/context.js';
import { deriveApk } from '../../../test/fixtures/apk-builder.js';
import { buildDex } from '../../../test/fixtures/dex-builder.js';
import { miuiLikeDex } from '../../../test/fixtures/miui.js';
import { assembleSmali } from '../../../test/fixtures/smali.js';
import { AD_FILTER_SMALI } from '../../../test/fixtures/smali/adfilter.js';
import { CHAT_SMALI } from '../../../test/fixtures/smali/chat.js';
import { KEYBOARD_SMALI } from '../../../test/fixtures/smali/keyboard.js';
import { NEWS_FEED_UNGATED_SMALI } from '../../../test/fixtures/smali/newsfeed.js';
import { RETROFIT_CONFIG_SMALI, WORD_SYNC_SMALI } from '../../../test/fixtures/smali/wordsync.js';
import { HTTP_HELPER_SMALI } from '../../../test/fixtures/smali/helper.js';
import { BOUND_GUARD_SMALI, BOUND_HOSTS_SMALI, UNBOUND_HOLDER_SMALI } from '../../../test/fixtures/smali/bound.js';
import { FINGERPRINT_SMALI, SERVER_PICK_SMALI } from '../../../test/fixtures/smali/negatives.js';
import { defined, first } from '../../../test/defined.js';
import { analyzeContext, corpusApks, corpusFile, tempDir } from '../../../test/helpers.js';

import { artefact, apkModel, manifest } from '../../../test/fixtures/models.js';
import { testDetector } from '../../../test/rule-tester.js';
import { DexFile } from '../../formats/dex.js';
import detector from './list-refresh.js';
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
    { name: 'a Retrofit settings download with no list and no matcher', input: appOf(RETROFIT_CONFIG_SMALI) },
    { name: 'a Gson-bound server list that is walked to connect, never matched', input: appOf(BOUND_HOSTS_SMALI) },
    { name: 'a sender keeping an unbound settings object with a collection field', input: appOf(UNBOUND_HOLDER_SMALI) },
    { name: 'a region read that picks a server', input: appOf(SERVER_PICK_SMALI) },
  ],
  invalid: [
    {
      name: 'a word list synced by a WorkManager job through Retrofit and matched as one regex',
      input: appOf(WORD_SYNC_SMALI),
      messageId: 'refresh',
      severity: 'medium',
      data: { fetcher: 'Lr/t/c;->doWork' },
      evidence: { urls: ['https://lex.sync.example/v1/cw/zh?ver=7'], appliedBy: ['Lr/t/e;->a'] },
    },
    {
      name: "a list fetched through the app's HTTP helper is reported at the caller that gives the URL",
      input: appOf(HTTP_HELPER_SMALI),
      messageId: 'refresh',
      data: { fetcher: 'Lh/c;->run' },
      evidence: { urls: ['https://cfg.helper.example/v1/words'], responseKeys: ['words'] },
    },
    {
      name: 'a chat list whose download an account region gates is high',
      input: appOf(CHAT_SMALI),
      messageId: 'refresh',
      severity: 'high',
    },
  ],
});

const ID = 'censorship/list-refresh';
const apkWith = (dex: Buffer) =>
  deriveApk({ base: corpusFile('urzip.apk'), out: join(tempDir(), 'r.apk'), entries: { 'classes.dex': dex } });
const findings = (dex: Buffer) =>
  analyzeFile(apkWith(dex), 'r.apk', analyzeContext()).findings.filter((x) => x.detectorId === ID);

describe('positive', () => {
  it('MIUI-like code: the URL as built, storage, 12-hour alarm, connectivity trigger and the applying filter', () => {
    const [found0, ...rest] = findings(miuiLikeDex());
    const f = defined(found0, 'a finding');
    expect(rest).toEqual([]);
    expect(f.location.className).toBe('Lcom/miui/systemAdSolution/common/AdBlacklistConfig;');
    expect(f.evidence).toMatchObject({
      urls: ['https://globalapi.ad.xiaomi.com/filter/text?appKey=miad&clientInfo=3'],
      host: 'globalapi.ad.xiaomi.com',
      storage: ['MiAdBlacklistConfig', 'keywords'],
      refreshIntervalsMs: [43_200_000],
      refreshIntervals: ['12 h'],
      onConnectivityChange: true,
      appliedBy: ['Lcom/miui/systemAdSolution/common/KeywordFilter;->isBlocked'],
    });
    expect((f.evidence.triggers as Array<{ kind: string }>).map((t) => t.kind).sort()).toEqual(['alarm', 'broadcast']);
    expect(f.evidence.responseKeys).toEqual(expect.arrayContaining(['keywords', 'cacheTime']));
    expect(f.confidence).toBe('high');
    expect(f.severity).toBe('high');
  });

  it('an ad-filter SDK spread over 15 obfuscated classes: one finding with every part and its path', () => {
    const [found0, ...rest] = findings(assembleSmali(AD_FILTER_SMALI));
    const f = defined(found0, 'a finding');
    expect(rest).toEqual([]);
    expect(f.evidence.fetch).toEqual([
      {
        method: 'Lx/q/b;->a',
        url: 'https://cfg.adsrv.example/v2/ad/fw?pkg={Context.getPackageName()}&ver=31',
        httpMethod: 'GET',
        params: ['pkg', 'ver'],
        headers: ['X-D'],
      },
    ]);
    expect(f.evidence.responseKeys).toEqual(['rc', 'w', 'ttl']);
    expect(f.evidence.responseChecks).toEqual(
      expect.arrayContaining(['HTTP status compared with 200', 'rejects an empty response or list']),
    );
    expect(f.evidence.storageDetail).toEqual({ preferenceFiles: ['p_x'], preferenceKeys: ['t', 'k'], files: [] });
    expect(f.evidence.policy).toEqual({
      cacheLifeMs: [43_200_000],
      intervalsMs: [],
      delaysMs: [30_000],
      backoffMs: [],
      retryLimits: [3],
      retryWindowsMs: [],
      constantsFrom: ['Lx/q/a;'],
      timings: [{ api: 'Handler.sendEmptyMessageDelayed', kind: 'delay', value: 30_000, unit: 'ms', ms: 30_000 }],
    });
    expect(f.evidence.triggers).toEqual([
      {
        kind: 'broadcast',
        actions: ['android.net.conn.CONNECTIVITY_CHANGE'],
        path: [
          'Lx/q/h;->onReceive',
          'call → Lx/q/g;->a',
          'async via Ljava/util/concurrent/Executor;->execute → Lx/q/g$1;->run',
          'call → Lx/q/b;->a',
        ],
      },
      {
        kind: 'app-init',
        actions: [],
        path: [
          'Lx/q/i;->onCreate',
          'call → Lx/q/g;->a',
          'async via Ljava/util/concurrent/Executor;->execute → Lx/q/g$1;->run',
          'call → Lx/q/b;->a',
        ],
      },
    ]);
    expect(f.evidence.apply).toEqual([
      {
        method: 'Lx/q/j;->a',
        how: ['case-folding', 'substring'],
        content: ['ad or item title', 'ad or item body'],
        // From the parser that fills the set, through its getter, to the applier.
        path: ['Lx/q/c;->a', 'via field a → Lx/q/d;->a', 'returned-to → Lx/q/j;->a'],
      },
    ]);
    expect(f.evidence.listFields).toEqual(['Lx/q/d;->a:Ljava/util/Set;']);
    expect(f.evidence.regionGate).toMatchObject({ read: 'ro.vendor.region' });
    expect(f.severity).toBe('high');
  });

  it('a chat client: encrypted list in a file, POST with OkHttp, job trigger, masking of outgoing messages', () => {
    const [found0, ...rest] = findings(assembleSmali(CHAT_SMALI));
    const f = defined(found0, 'a finding');
    expect(rest).toEqual([]);
    expect(f.evidence.fetch).toEqual([
      {
        method: 'Ly/k/d;->a',
        url: 'https://im.chat.example/api/v1/wl?u=0',
        httpMethod: 'POST',
        params: ['u'],
        headers: ['X-T'],
      },
    ]);
    expect(f.evidence.storageDetail).toEqual({ preferenceFiles: [], preferenceKeys: [], files: ['w.bin'] });
    expect(f.evidence.policy).toMatchObject({ intervalsMs: [21_600_000] });
    expect((f.evidence.triggers as Array<{ kind: string }>).map((t) => t.kind)).toContain('job');
    expect(f.evidence.apply).toEqual([
      {
        method: 'Ly/k/h;->a',
        how: ['masking', 'replace', 'substring'],
        content: ['text typed or shown in a view'],
        path: ['Ly/k/e;->a', 'via field a → Ly/k/h;->a'],
      },
    ]);
    expect(f.evidence.serverSwitches).toEqual([{ key: 'sw', path: ['Ly/k/b;->a', 'via field s → Ly/k/h;->a'] }]);
  });
});

describe('positive (Retrofit and WorkManager)', () => {
  it('a Retrofit service called by a Worker: URL from baseUrl, @GET path and arguments; 6 h period in units', () => {
    const all = findings(assembleSmali(WORD_SYNC_SMALI));
    expect(all).toHaveLength(1);
    const f = first(all);
    expect(f.evidence.fetch).toEqual([
      {
        method: 'Lr/t/c;->doWork',
        url: 'https://lex.sync.example/v1/cw/zh?ver=7',
        httpMethod: 'GET',
        params: ['ver'],
        headers: [],
      },
    ]);
    expect(f.evidence.responseChecks).toContain('requires a successful HTTP status');
    expect(f.evidence.policy).toMatchObject({ intervalsMs: [21_600_000], delaysMs: [600_000], backoffMs: [30_000] });
    expect((f.evidence.policy as { timings: unknown[] }).timings).toEqual([
      { api: 'PeriodicWorkRequest$Builder.<init>', kind: 'interval', value: 6, unit: 'hours', ms: 21_600_000 },
      { api: 'PeriodicWorkRequest$Builder.setInitialDelay', kind: 'delay', value: 10, unit: 'minutes', ms: 600_000 },
      {
        api: 'PeriodicWorkRequest$Builder.setBackoffCriteria',
        kind: 'backoff',
        value: 30,
        unit: 'seconds',
        ms: 30_000,
      },
    ]);
    expect(f.evidence.refreshIntervals).toEqual(['6 h']);
    expect((f.evidence.triggers as Array<{ kind: string }>).map((t) => t.kind).sort()).toEqual([
      'app-init',
      'job',
      'work',
    ]);
    expect(f.evidence.apply).toEqual([
      {
        method: 'Lr/t/e;->a',
        how: ['regex'],
        content: ['text typed or shown in a view'],
        path: ['Lr/t/c;->doWork', 'via field a → Lr/t/e;->a'],
      },
    ]);
    // A refreshable list with applying code and no region switch: medium.
    expect(f.severity).toBe('medium');
    expect(f.confidence).toBe('high');
  });

  it("a list bound by Gson: keys from the classes' annotations, the bound list applied to a bound message", () => {
    const all = findings(assembleSmali(BOUND_GUARD_SMALI));
    expect(all).toHaveLength(1);
    const f = first(all);
    expect(f.evidence.urls).toEqual(['https://im.guard.example/v2/guard/words?app=im']);
    // The response class's keys, its data object's keys; the transient field is not read from JSON.
    expect([...f.evidence.responseKeys].sort()).toEqual(['code', 'data', 'expire', 'ver', 'words']);
    expect([...f.evidence.responseChecks].sort()).toEqual([
      'HTTP status compared with 200',
      'response key code tested',
    ]);
    expect(f.evidence.storageDetail).toEqual({ preferenceFiles: ['im_guard'], preferenceKeys: ['words'], files: [] });
    expect([...f.evidence.listFields].sort()).toEqual(['Lq/w/c;->a:Ljava/util/List;', 'Lq/w/f;->a:Lq/w/c;']);
    expect(f.evidence.apply).toEqual([
      {
        method: 'Lq/w/g;->a',
        how: ['case-folding', 'substring'],
        content: ['message text'],
        path: ['Lq/w/e;->run', 'via field a → Lq/w/g;->a'],
      },
    ]);
    expect(f.evidence.triggers).toEqual([
      {
        kind: 'app-init',
        actions: [],
        path: ['Lq/w/j;->onCreate', 'async via Landroid/os/Handler;->post → Lq/w/e;->run'],
      },
    ]);
    expect(f.severity).toBe('medium');
  });

  it("a download through the app's HTTP helper is fetched where the URL is given, parsed past an accessor", () => {
    const all = findings(assembleSmali(HTTP_HELPER_SMALI));
    // The settings download through the same helper is no list, and the helper itself is no fetch.
    expect(all).toHaveLength(1);
    const f = first(all);
    expect(f.evidence.fetch).toEqual([
      {
        method: 'Lh/c;->run',
        url: 'https://cfg.helper.example/v1/words',
        httpMethod: 'GET',
        params: [],
        headers: [],
        via: 'Lh/a;->a',
      },
    ]);
    // Parsed four calls down, one of them a synthetic accessor that is no hop.
    expect(f.evidence.responseKeys).toEqual(['words']);
    expect(f.evidence.listFields).toEqual(['Lh/d;->a:Ljava/util/Set;']);
    // The helper's key is the constant the mechanism passes it, never `{param0}`.
    expect(f.evidence.storageDetail).toEqual({ preferenceFiles: ['hc'], preferenceKeys: ['w'], files: [] });
    expect(f.evidence.apply.map((a) => [a.method, a.how, a.content])).toEqual([
      ['Lh/e;->a', ['substring'], ['text typed or shown in a view']],
    ]);
    expect(f.severity).toBe('medium');
  });

  it('a list behind a region value kept by a setter, without the gate, is medium', () => {
    expect(findings(assembleSmali(NEWS_FEED_UNGATED_SMALI)).map((f) => [f.severity, f.evidence.urls])).toEqual([
      ['medium', ['https://feed.news.example/{v2|v3}/kw']],
    ]);
  });
});

describe("the scan's limits", () => {
  it('bound the code model: a scan whose value-analysis budget is spent says so and reports no mechanism', () => {
    const apk = apkWith(assembleSmali(AD_FILTER_SMALI));
    const open = analyzeFile(apk, 'r.apk', buildContext({ limits: DEFAULT_LIMITS, trackersPath: null }));
    expect(open.findings.filter((x) => x.detectorId === ID)).toHaveLength(1);
    expect(open.diagnostics.map((d) => d.code)).not.toContain('limit/code-summary-units');
    const tight = { ...DEFAULT_LIMITS, code: { ...DEFAULT_LIMITS.code, maxSummaryUnits: 0 } };
    const cut = analyzeFile(apk, 'r.apk', buildContext({ limits: tight, trackersPath: null }));
    expect(cut.findings.filter((x) => x.detectorId === ID)).toEqual([]);
    expect(cut.diagnostics.map((d) => d.code)).toContain('limit/code-summary-units');
  });
});

describe('negative', () => {
  it('does not report ordinary networking, config downloads, a bundled list without download, corpus apps', () => {
    const dex = buildDex([
      {
        descriptor: 'Lcom/app/Api;',
        methods: [
          { name: 'get', strings: ['https://api.example.com/v1/items', 'version', 'items'], numbers: [60_000] },
        ],
      },
    ]);
    expect(findings(dex)).toEqual([]);
    for (const sources of [
      SERVER_PICK_SMALI,
      FINGERPRINT_SMALI,
      KEYBOARD_SMALI,
      RETROFIT_CONFIG_SMALI,
      BOUND_HOSTS_SMALI,
      UNBOUND_HOLDER_SMALI,
    ])
      expect(findings(assembleSmali(sources))).toEqual([]);
    for (const apk of corpusApks())
      expect(
        analyzeFile(apk, 'c', analyzeContext()).findings.filter((x) => x.detectorId === ID),
        apk,
      ).toEqual([]);
  });
});
