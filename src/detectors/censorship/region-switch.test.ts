import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../scan/analyze.js';
import { deriveApk } from '../../../test/fixtures/apk-builder.js';
import { buildDex } from '../../../test/fixtures/dex-builder.js';
import { miuiLikeDex } from '../../../test/fixtures/miui.js';
import { analyzeContext, corpusApks, corpusFile, tempDir } from '../../../test/helpers.js';

const ID = 'censorship/region-switch';
const apkWith = (dex: Buffer) => deriveApk({ base: corpusFile('urzip.apk'), out: join(tempDir(), 'r.apk'), entries: { 'classes.dex': dex } });

describe('positive', () => {
  it('reports the region property, EU country set and server flag that gate the list refresh', () => {
    const [f, ...rest] = analyzeFile(apkWith(miuiLikeDex()), 'r.apk', analyzeContext()).findings.filter((x) => x.detectorId === ID);
    expect(rest).toEqual([]);
    expect(f.severity).toBe('high');
    expect(f.location.className).toBe('Lcom/miui/systemAdSolution/common/RegionHelper;');
    expect(f.evidence).toMatchObject({ regionProperties: ['ro.miui.region'], serverFlags: ['filter_switch'], countryApis: ['Landroid/os/SystemProperties;->get'] });
    expect(f.evidence.euCountryCodes).toEqual(['AT', 'BE', 'DE', 'ES', 'FR', 'IT', 'LT', 'NL', 'PL', 'SE']);
    expect(f.evidence.listCode).toContain('Lcom/miui/systemAdSolution/common/AdBlacklistConfig;->fetch');
  });
});

describe('negative', () => {
  it('does not report a region check that has nothing to do with a list', () => {
    const dex = buildDex([
      { descriptor: 'Lcom/app/Locale;', methods: [{ name: 'pick', strings: ['ro.product.locale.region', 'DE', 'FR', 'IT', 'ES', 'NL'], calls: ['Landroid/os/SystemProperties;->get'] }] },
      { descriptor: 'Lcom/app/Main;', methods: [{ name: 'onCreate', strings: ['Settings', 'About'] }] },
    ]);
    expect(analyzeFile(apkWith(dex), 'r.apk', analyzeContext()).findings.filter((x) => x.detectorId === ID)).toEqual([]);
    for (const apk of corpusApks()) expect(analyzeFile(apk, 'c', analyzeContext()).findings.filter((x) => x.detectorId === ID), apk).toEqual([]);
  });
});
