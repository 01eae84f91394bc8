import type { Finding } from '../../src/model.js';
import { DEFAULT_LIMITS } from '../../src/io/limits.js';
import { analyzeFile, type AnalyzeContext } from '../../src/scan/analyze.js';
import { buildContext } from '../../src/scan/context.js';
import { LISTS_DIR, loadRealLists, type RealList } from './corpus.js';
import { planFolds, trainingSources, withListModel, type ModelHook } from './folds.js';
import { labelList, type ListLabel } from './labels.js';
import { buildNegative, controlApks, negativeSources } from './negatives.js';
import { buildPositives, LISTS_PER_CHAIN, type PositiveCase } from './positives.js';
import {
  aboveInfo,
  listFindings,
  scorePositive,
  severityCounts,
  type PositiveScore,
  type SeverityCounts,
} from './score.js';

/**
 * The real-data evaluation: builds (or takes from the cache) the positive and negative APKs, scans each
 * with Candor's real pipeline (`analyzeFile` with `buildContext`), fold by fold when a model is fitted,
 * and scores the keyword-list findings against the labels.
 */

export type Scan = (apk: string, ctx: AnalyzeContext) => Finding[];

export interface RealEvalOptions {
  listsDir?: string;
  /** Only these lists (by file); default all. */
  lists?: (all: RealList[]) => RealList[];
  perChain?: number;
  /** Negative sources by name; default all. */
  negatives?: string[];
  controls?: boolean;
  model?: ModelHook | null;
  scan?: Scan;
  log?: (line: string) => void;
}

export interface NegativeScore {
  source: string;
  package: string;
  shape: string;
  files: number;
  entries: number;
  counts: SeverityCounts;
}

export interface ControlScore {
  apk: string;
  counts: SeverityCounts;
  messages: string[];
}

export interface RealEvalResult {
  labels: ListLabel[];
  positives: PositiveScore[];
  negatives: NegativeScore[];
  controls: ControlScore[];
  perChain: number;
  fitted: string;
  built: number;
  seconds: { build: number; scan: number };
}

const defaultScan: Scan = (apk, ctx) => analyzeFile(apk, 'eval.apk', ctx).findings;

export function runRealEval(opts: RealEvalOptions = {}): RealEvalResult {
  const log = opts.log ?? (() => {});
  const scan = opts.scan ?? defaultScan;
  const perChain = opts.perChain ?? LISTS_PER_CHAIN;
  const t0 = Date.now();
  const allLists = loadRealLists(opts.listsDir ?? LISTS_DIR);
  const lists = opts.lists ? opts.lists(allLists) : allLists;
  const labels = lists.map(labelList);
  const labelOf = new Map(labels.map((l) => [l.file, l]));
  let built = 0;
  log(`building positives for ${lists.length} lists…`);
  const positives: PositiveCase[] = buildPositives(lists, { perChain, onBuilt: () => built++ });
  log(`building negatives…`);
  const sources = negativeSources(opts.negatives);
  const negatives = sources.map((s) => ({ source: s, built: buildNegative(s) }));
  const t1 = Date.now();

  const base = buildContext({ limits: DEFAULT_LIMITS, trackersPath: null });
  const plan = planFolds(sources.map((s) => s.name));
  const listsBySource = new Map(negatives.map((n) => [n.source.name, n.built.entryLists]));
  const contexts = new Map<number | 'all', AnalyzeContext>();
  const contextFor = (fold: number | 'all'): AnalyzeContext => {
    if (!opts.model) return base;
    let ctx = contexts.get(fold);
    if (!ctx) {
      ctx = withListModel(base, opts.model.fit(trainingSources(plan, fold, listsBySource)));
      contexts.set(fold, ctx);
    }
    return ctx;
  };

  log(`scanning ${positives.length} positive APKs…`);
  const positiveScores = positives.map((c) =>
    scorePositive(
      c,
      labelOf.get(c.list) as ListLabel,
      listFindings(scan(c.apk, contextFor(plan.foldOfGroup(c.group)))),
    ),
  );
  log(`scanning ${negatives.length} negative sources…`);
  const negativeScores: NegativeScore[] = negatives.map(({ source, built: b }) => ({
    source: source.name,
    package: source.package,
    shape: source.shape,
    files: source.files.length,
    entries: b.entries,
    counts: severityCounts(listFindings(scan(b.apk, contextFor(plan.foldOfSource(source.name))))),
  }));
  const controls: ControlScore[] = [];
  if (opts.controls !== false) {
    const apks = controlApks();
    log(`scanning ${apks.length} control APKs…`);
    for (const apk of apks) {
      const censorship = scan(apk, contextFor('all')).filter((f) => f.detectorId.startsWith('censorship/'));
      const counts = severityCounts(censorship);
      controls.push({
        apk,
        counts,
        messages: aboveInfo(counts) > 0 ? censorship.filter((f) => f.severity !== 'info').map((f) => f.message) : [],
      });
    }
  }
  const fitted = opts.model
    ? `${opts.model.description}: fitted ${plan.k} times, fold i on every negative source but source i ` +
      `(${plan.sources.join(', ')}), publisher groups hashed into the ${plan.k} folds; ` +
      'once more on all sources for the controls; no positive list enters any fit, ' +
      'and the shipped data/lexicon/list-model.json is not used'
    : 'no fitted parameters (src/lexicon/list-model.ts has no fitListModel): ' +
      'every list is scored with the fixed lexicon and thresholds';
  return {
    labels,
    positives: positiveScores,
    negatives: negativeScores,
    controls,
    perChain,
    fitted,
    built,
    seconds: { build: (t1 - t0) / 1000, scan: (Date.now() - t1) / 1000 },
  };
}
