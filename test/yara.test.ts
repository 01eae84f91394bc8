import { findingsOf } from '../src/model.js';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scan } from '../src/scan/scan.js';
import { loadYaraRules } from '../src/yara/rules.js';
import { buildDex } from './fixtures/dex-builder.js';
import { CORPUS, corpusFile, run, tempDir } from './helpers.js';
import { textContaining } from './matchers.js';
import { first } from './defined.js';

const RULES = join(CORPUS, 'yara-rules');

/** APKiD's DEX rules include "common.yara", which the corpus keeps elsewhere: lay them out as APKiD does. */
function apkidDexFolder(): string {
  const dir = join(tempDir('candor-yara-'), 'dex');
  mkdirSync(dir, { recursive: true });
  for (const f of [
    'compilers.yara',
    'packers.yara',
    'anti-vm.yara',
    'abnormal.yara',
    'obfuscators.yara',
    'protectors.yara',
  ])
    copyFileSync(join(RULES, 'apkid', 'dex', f), join(dir, f));
  copyFileSync(join(CORPUS, 'signatures', 'apkid-dex-common.yara'), join(dir, 'common.yara'));
  return dir;
}

describe('YARA rules through YARA-X', () => {
  it('loads the real rule sets and reports what it skips, and why', () => {
    const r = loadYaraRules([RULES]);
    const byStatus = (s: string) => r.files.filter((f) => f.status === s);
    expect(byStatus('loaded').length).toBeGreaterThan(20);
    expect(r.files.find((f) => f.path.endsWith('stalkerware/rules.yar'))?.status).toBe('loaded');
    const skipped = byStatus('skipped');
    expect(skipped.length).toBeGreaterThan(5);
    expect(skipped.every((f) => /"(androguard|cuckoo|magic)" module/.test(f.reason ?? ''))).toBe(true);
    // The DEX rules need common.yara, which is not beside them in the corpus: an error naming the include.
    expect(r.files.find((f) => f.path.endsWith('apkid/dex/packers.yara'))).toMatchObject({
      status: 'error',
      reason: textContaining('common.yara'),
    });
    // With the include in place, APKiD's DEX rules load, or are skipped where they use fields of YARA's dex
    // module that YARA-X's dex module lacks: never an unexplained error.
    const dex = loadYaraRules([apkidDexFolder()]).files;
    expect(dex.filter((f) => f.status === 'error')).toEqual([]);
    expect(dex.filter((f) => f.status === 'skipped').every((f) => /YARA's "dex" module/.test(f.reason ?? ''))).toBe(
      true,
    );
    expect(dex.some((f) => f.status === 'loaded')).toBe(true);
  });

  it('runs the real stalkerware rules: a DEX carrying Snoopza strings matches, the corpus does not', async () => {
    const strings = [
      'Server changed to ',
      'snoopza.com',
      'Sim Update imsi:',
      'U5t8444cbWHTWgYtCtQE6PkPdteUIOVi',
      'jTfELCG992ee6YounW5MV7vsYtzseOp7',
      'getSimOperator',
      'install error: not exist ',
    ];
    const dexPath = join(tempDir(), 'snoop.dex');
    writeFileSync(dexPath, buildDex([{ descriptor: 'Lcom/snoop/Main;', methods: [{ name: 'run', strings }] }]));
    const rules = [join(RULES, 'stalkerware', 'rules.yar')];
    const report = await scan({ inputs: [dexPath], cwd: '/', jobs: 1, yara: rules });
    const hit = report.findings.find((f) => f.detectorId === 'yara/rule-match');
    expect(hit?.evidence).toMatchObject({ rule: 'snoopza', tags: ['stalkerware'] });
    expect((hit?.evidence.matches as Array<{ data: string }>).map((m) => m.data)).toEqual(
      expect.arrayContaining(['snoopza.com']),
    );
    const benign = await scan({ inputs: [join(CORPUS, 'apk')], cwd: '/', jobs: 2, yara: [RULES, apkidDexFolder()] });
    expect(
      benign.findings.filter((f) => f.detectorId === 'yara/rule-match' && f.evidence.tags.includes('stalkerware')),
    ).toEqual([]);
    expect(benign.diagnostics.filter((d) => d.code === 'yara/scan-failed')).toEqual([]);
  });

  it('matches a rule the test writes at the exact offset of the string in the DEX', async () => {
    const dir = tempDir();
    const rule = join(dir, 'jamendo.yar');
    writeFileSync(
      rule,
      'rule jamendo_api : test { meta: severity = "low" strings: $api = "http://api.jamendo.com" condition: $api }',
    );
    const report = await scan({ inputs: [corpusFile('com.teleca.jamendo_35.apk')], cwd: '/', jobs: 1, yara: [rule] });
    const hit = findingsOf(report.findings, 'yara/rule-match').find((f) => f.location.path.endsWith('!/classes.dex'));
    expect(hit).toMatchObject({ severity: 'low', evidence: { rule: 'jamendo_api', tags: ['test'] } });
    const dex = Buffer.from(
      run('sh', ['-c', `unzip -p ${corpusFile('com.teleca.jamendo_35.apk')} classes.dex | base64 -w0`]),
      'base64',
    );
    const m = first(hit!.evidence.matches);
    expect(dex.toString('latin1', m.offset, m.offset + m.data.length)).toBe('http://api.jamendo.com');
    expect(readFileSync(rule, 'utf8')).toContain('jamendo_api');
  });

  it('reports a broken rule file as a diagnostic and still scans with the others', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'broken.yar'), 'rule broken { condition: ');
    writeFileSync(
      join(dir, 'ok.yar'),
      'rule dex_magic { strings: $m = { 64 65 78 0A 30 33 35 00 } condition: $m at 0 }',
    );
    const report = await scan({ inputs: [corpusFile('Test.dex')], cwd: '/', jobs: 1, yara: [dir] });
    expect(report.diagnostics.map((d) => d.code)).toContain('yara/rule-error');
    expect(report.findings.some((f) => f.detectorId === 'yara/rule-match' && f.evidence.rule === 'dex_magic')).toBe(
      true,
    );
  });
});
