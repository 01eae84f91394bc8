import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../src/model.js';
import { analyzeFile } from '../src/scan/analyze.js';
import { loadRealLists, type RealList } from '../eval/real/corpus.js';
import { loadListModelHook, planFolds, trainingSources, withListModel } from '../eval/real/folds.js';
import { runRealEval, type RealEvalResult } from '../eval/real/harness.js';
import { anchorsIn, labelList, POLITICAL_MIN_ANCHORS } from '../eval/real/labels.js';
import { buildNegative, negativeSources } from '../eval/real/negatives.js';
import { buildPositives, chainSubset, formatOf } from '../eval/real/positives.js';
import { listFindings, scorePositive, severityCounts, targets } from '../eval/real/score.js';
import { analyzeContext, requireTool } from './helpers.js';
import { defined, first } from './defined.js';

/**
 * The real-data evaluation harness itself (not Candor's recall): labels made independently, APKs that
 * carry each list at the path its name encodes and in the container it names, and a scorer that counts
 * what it is given. Runs on a small deterministic subset: 10 real lists and 2 negative sources.
 */

const unzipEntry = (apk: string, name: string) => execFileSync('unzip', ['-p', apk, name], { maxBuffer: 1 << 28 });
const unzipList = (apk: string) =>
  execFileSync('unzip', ['-Z1', apk], { encoding: 'utf8' }).split('\n').filter(Boolean);

function subset(all: RealList[]): RealList[] {
  const pick = (re: RegExp) => all.find((l) => re.test(l.file)) as RealList;
  const games = [
    /WordFilter\.java$/,
    /apktool#res#values#strings\.xml$/,
    /SensitiveWordConfig\.luac$/,
    /libnuannuan\.so$/,
    /senseWord\.json$/,
    /sensitive_word\.lua$/,
  ].map(pick);
  const open = all.filter((l) => l.source === 'open-source').slice(0, 4);
  return [...games, ...open];
}

describe('real-data evaluation harness', () => {
  for (const tool of ['unzip', 'python3', 'aapt', 'aapt2', 'dexdump', 'luac5.1', 'gcc', 'gzip', 'openssl'])
    requireTool(tool);
  const all = loadRealLists();
  const lists = subset(all);
  const nth = (i: number) => defined(lists[i], `real list ${i}`);

  it('labels each list with its own distinct-line count, computed the same by Python, and an anchor verdict', () => {
    for (const list of lists) {
      const py = execFileSync(
        'python3',
        [
          '-c',
          'import sys; print(len({l.strip().lstrip("\\ufeff") for l in sys.stdin.read().splitlines() ' +
            'if l.strip().lstrip("\\ufeff")}))',
        ],
        { input: list.text, encoding: 'utf8' },
      );
      const label = labelList(list);
      expect(label.entries, list.file).toBe(Number(py.trim()));
      expect(label.political).toBe(label.anchors.length >= POLITICAL_MIN_ANCHORS);
    }
    expect(anchorsIn(['打倒共產黨', '法輪大法好', '習近平下台', '你好'])).toEqual(['法轮', '共产党', '习近平']);
    expect(labelList({ ...nth(0), text: '毛[^一-龥]*[泽澤]|x\n[六6][四4].*\n(?:a)|b\n' }).entries).toBeNull();
  });

  it('puts every game file at the path its name encodes, and rebuilds containers with real tools', () => {
    const cases = buildPositives(lists, { perChain: 1 });
    const byList = (re: RegExp, format: RegExp) =>
      cases.find((c) => re.test(c.list) && format.test(c.format)) as (typeof cases)[number];
    // As extracted: the very bytes of the corpus file at the encoded path.
    const so = byList(/libnuannuan\.so$/, /as extracted/);
    expect(unzipEntry(so.apk, 'lib/armeabi/libnuannuan.so').equals(readFileSync(nth(3).path))).toBe(true);
    expect(unzipList(so.apk)).toContain('classes.dex');
    // gcc's ELF holds every entry.
    const elf = unzipEntry(byList(/libnuannuan\.so$/, /ELF/).apk, 'lib/armeabi/libnuannuan.so');
    expect(elf.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    for (const e of labelListEntries(nth(3)).slice(0, 50)) expect(elf.includes(Buffer.from(e))).toBe(true);
    // luac5.1 bytecode whose constants are the entries.
    const luac = byList(/SensitiveWordConfig\.luac$/, /luac5\.1/);
    const bytecode = unzipEntry(luac.apk, 'assets/src/app/configs/SensitiveWordConfig.luac');
    expect(bytecode.subarray(0, 4).toString('latin1')).toBe('\x1bLua');
    const listing = execFileSync('luac5.1', ['-l', '-l', '-p', '-'], {
      input: bytecode,
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    const entries = labelListEntries(nth(2));
    expect(Number(/constants \((\d+)\)/.exec(listing)?.[1])).toBe(entries.length);
    for (const e of entries.slice(0, 50)) expect(bytecode.includes(Buffer.from(e))).toBe(true);
    // DEX: the jadx class, its constants (checked with dexdump).
    const dexApk = byList(/WordFilter\.java$/, /dex/);
    const dump = execFileSync('dexdump', ['-d', dexApk.apk], { encoding: 'utf8', maxBuffer: 1 << 28 });
    expect(dump).toContain('Lcom/catstudio/littlecommander2/WordFilter;');
    expect(dump).toContain(defined(labelListEntries(nth(0))[1], 'a second entry'));
    // resources.arsc compiled by aapt2: a string-array of the entries.
    const arsc = execFileSync('aapt', ['dump', '--values', 'resources', byList(/strings\.xml$/, /arsc/).apk], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    expect(arsc).toContain('array/filter_words');
    expect(arsc).toContain(`"${first(labelListEntries(nth(1)))}"`);
    // JSON array.
    expect(
      JSON.parse(unzipEntry(byList(/senseWord\.json$/, /array/).apk, 'assets/Data/senseWord.json').toString('utf8')),
    ).toEqual(labelListEntries(nth(4)));
    // Open-source: the list without its two header lines, then through a chain that a real tool inverts.
    const open = nth(6);
    const plain = byList(new RegExp(`${open.file}$`), /plain asset/);
    expect(unzipEntry(plain.apk, open.apkPath).toString('utf8')).toBe(
      readFileSync(open.path, 'utf8').split('\n').slice(2).join('\n'),
    );
    const gz = cases.find((c) => c.chain === 'gzip') as (typeof cases)[number];
    const gzList = all.find((l) => l.file === gz.list) as RealList;
    expect(execFileSync('gzip', ['-dc'], { input: unzipEntry(gz.apk, 'assets/words.gz') }).toString('utf8')).toBe(
      gzList.text,
    );
    expect(formatOf('assets/bin/Data/e5e999b36708a8440adafe02cc69e17e')).toBe('unity data (hash name)');
    expect(formatOf('assets/x/SensitiveConfig.dc976df273a28f60bc81db0aef08b82c.lua')).toBe('.lua');
  });

  it('chooses chain subsets deterministically, one list per group', () => {
    const a = chainSubset(all, 'gzip', 20);
    expect(a.map((l) => l.file)).toEqual(chainSubset(all, 'gzip', 20).map((l) => l.file));
    expect(new Set(a.map((l) => l.group)).size).toBe(20);
    expect(a.every((l) => l.source === 'open-source')).toBe(true);
  });

  it('scores the findings it is given: found, missed, kind, severity and term count', () => {
    const label = { ...labelList(nth(6)), entries: 100, political: true };
    const c = { id: 'x', list: label.file, group: label.group, format: '.txt', chain: 'plain' };
    const finding = (severity: Finding['severity'], kind: string, termCount: number) => ({ kind, severity, termCount });
    expect(scorePositive(c, label, []).found).toBe(false);
    const hit = scorePositive(c, label, [finding('medium', 'unknown', 100), finding('high', 'political', 101)]);
    expect([hit.found, hit.kind, hit.severity, hit.termsOk, hit.politicalHigh, hit.politicalHighTerms]).toEqual([
      true,
      'political',
      'high',
      true,
      true,
      true,
    ]);
    const off = scorePositive(c, label, [finding('high', 'political', 97)]);
    expect([off.termsOk, off.politicalHigh, off.politicalHighTerms]).toEqual([false, true, false]);
    expect(scorePositive(c, { ...label, entries: null }, [finding('high', 'political', 5)]).politicalHighTerms).toBe(
      true,
    );
    expect(severityCounts([{ severity: 'info' }, { severity: 'medium' }, { severity: 'medium' }])).toEqual({
      info: 1,
      low: 0,
      medium: 2,
      high: 0,
      critical: 0,
    });
    const real = [
      { detectorId: 'censorship/keyword-list', severity: 'low', evidence: { kind: 'content-filter', termCount: 9 } },
      { detectorId: 'other', severity: 'high', evidence: {} },
    ] as unknown as Finding[];
    expect(listFindings(real)).toEqual([{ kind: 'content-filter', severity: 'low', termCount: 9 }]);
    const t = targets([hit, off], 0, 1, { found: 1, positives: 1, falsePositives: 0 });
    expect(t.map((x) => x.ok)).toEqual([false, true, true, false, true]);
  });

  it('builds negatives as an app carries them and holds each source out of its own fold', () => {
    const sources = negativeSources(['cldr-zh', 'iso-codes-zh']);
    expect(sources.map((s) => s.name)).toEqual(['cldr-zh', 'iso-codes-zh']);
    for (const s of sources) {
      const n = buildNegative(s);
      const names = unzipList(n.apk).filter((e) => e.startsWith('assets/'));
      expect(names).toEqual(s.files.map((f) => `assets/${f.path}`));
      const parsed = names.flatMap((e) => JSON.parse(unzipEntry(n.apk, e).toString('utf8')) as Array<{ name: string }>);
      expect(parsed.length).toBe(n.entries);
      expect(n.entries).toBeGreaterThan(1000);
    }
    const plan = planFolds(['b', 'a', 'c']);
    const lists = new Map([
      ['a', [['1']]],
      ['b', [['2']]],
      ['c', [['3']]],
    ]);
    expect(trainingSources(plan, plan.foldOfSource('b'), lists)).toEqual([
      { name: 'a', entries: ['1'] },
      { name: 'c', entries: ['3'] },
    ]);
    expect(trainingSources(plan, 'all', lists).map((s) => s.name)).toEqual(['a', 'b', 'c']);
    const ctx = withListModel(analyzeContext(), { fitted: true }) as unknown as {
      listModel: unknown;
      detectors: { listModel: unknown; lexicon: unknown };
    };
    expect(ctx.listModel).toEqual({ fitted: true });
    expect(ctx.detectors.listModel).toEqual({ fitted: true });
    expect(ctx.detectors.lexicon).toBe(analyzeContext().detectors.lexicon);
  });

  it("fits the classifier's own list model when src/lexicon/list-model.ts has one", async () => {
    const hook = await loadListModelHook();
    expect(hook).not.toBeNull();
    const words = readFileSync('/usr/share/dict/american-english', 'utf8').split('\n').slice(0, 5000);
    const model = hook?.fit([{ name: 'wamerican', entries: words }]) as {
      fittedOn: Array<{ name: string; entries: number }>;
    };
    expect(model.fittedOn.map((s) => s.name)).toEqual(['wamerican']);
  });

  it('runs end to end on the subset with Candor, fitting the list model per fold', async () => {
    const hook = await loadListModelHook();
    if (!hook) throw new Error('src/lexicon/list-model.ts exports no fitListModel');
    const fits: string[][] = [];
    const scanned: string[] = [];
    const result: RealEvalResult = runRealEval({
      lists: () => lists,
      perChain: 1,
      negatives: ['cldr-zh', 'iso-codes-zh'],
      controls: false,
      model: { description: 'test fit', fit: (benign) => (fits.push(benign.map((b) => b.name)), hook.fit(benign)) },
      scan: (apk, ctx) => (scanned.push(apk), analyzeFile(apk, 'eval.apk', ctx).findings),
    });
    expect(result.labels.length).toBe(10);
    expect(result.positives.length).toBeGreaterThan(10 + 20);
    expect(scanned.length).toBe(result.positives.length + 2);
    for (const p of result.positives) expect(p.found).toBe(p.kind !== null);
    expect(result.negatives.map((n) => n.source)).toEqual(['cldr-zh', 'iso-codes-zh']);
    // Two sources: each fold's model saw the other source only.
    expect(fits.length).toBeGreaterThanOrEqual(1);
    for (const f of fits) expect(f.length).toBe(1);
    expect(new Set(fits.flat()).size).toBeLessThanOrEqual(2);
    expect(result.fitted).toMatch(/test fit: fitted 2 times/);
    // The fitted model reaches the detector: the plain lists are scanned and scored without errors.
    expect(result.positives.filter((p) => p.chain === 'plain' && p.found).length).toBeGreaterThan(0);
  });
});

function labelListEntries(list: RealList): string[] {
  return list.text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter((l, i, a) => l.length > 0 && a.indexOf(l) === i);
}
