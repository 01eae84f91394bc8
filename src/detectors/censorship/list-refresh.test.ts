import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../scan/analyze.js';
import { deriveApk } from '../../../test/fixtures/apk-builder.js';
import { buildDex } from '../../../test/fixtures/dex-builder.js';
import { miuiLikeDex } from '../../../test/fixtures/miui.js';
import { analyzeContext, corpusApks, corpusFile, tempDir } from '../../../test/helpers.js';

const ID = 'censorship/list-refresh';
const apkWith = (dex: Buffer) => deriveApk({ base: corpusFile('urzip.apk'), out: join(tempDir(), 'r.apk'), entries: { 'classes.dex': dex } });

describe('positive', () => {
  it('names the URL, storage, 12-hour interval, scheduler and the class that applies the list', () => {
    const [f, ...rest] = analyzeFile(apkWith(miuiLikeDex()), 'r.apk', analyzeContext()).findings.filter((x) => x.detectorId === ID);
    expect(rest).toEqual([]);
    expect(f.location.className).toBe('Lcom/miui/systemAdSolution/common/AdBlacklistConfig;');
    expect(f.evidence).toMatchObject({
      urls: ['https://globalapi.ad.xiaomi.com/filter/text'],
      storage: ['MiAdBlacklistConfig'],
      refreshIntervalsMs: [43_200_000],
      refreshIntervals: ['12 h'],
      schedulers: ['Landroid/app/AlarmManager;->setRepeating'],
      onConnectivityChange: true,
      appliedBy: ['Lcom/miui/systemAdSolution/common/KeywordFilter;->isBlocked'],
    });
    expect(f.evidence.responseKeys).toEqual(expect.arrayContaining(['keywords', 'cacheTime']));
    expect(f.confidence).toBe('high');
  });
});

describe('negative', () => {
  it('does not report ordinary networking code or the corpus apps', () => {
    const dex = buildDex([{ descriptor: 'Lcom/app/Api;', methods: [{ name: 'get', strings: ['https://api.example.com/v1/items', 'version', 'items'], numbers: [60_000] }] }]);
    expect(analyzeFile(apkWith(dex), 'r.apk', analyzeContext()).findings.filter((x) => x.detectorId === ID)).toEqual([]);
    for (const apk of corpusApks()) expect(analyzeFile(apk, 'c', analyzeContext()).findings.filter((x) => x.detectorId === ID), apk).toEqual([]);
  });
});
