import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadDefaultLexicon, type Lexicon } from '../../src/lexicon/lexicon.js';
import type { AnalyzeContext } from '../../src/scan/analyze.js';
import { ROOT, stableHash } from './corpus.js';

/**
 * k-fold for anything Candor learns from data. A fit function takes named benign sources (one per negative
 * source, its files' entries together) and returns a parameter object that the detector context carries
 * as `listModel` (src/detectors/define.ts). There are as many
 * folds as negative sources: fold i holds out negative source i (leave-one-source-out) and the publisher
 * groups hashed to i; its model is fitted on the other sources' lists only, and scores the held-out source
 * and groups. Positive lists never enter a fit (the fit takes benign lists only), so a positive group is
 * always scored by a model that has not seen it. Controls are scored by a model fitted on every source.
 */

export interface BenignTraining {
  name: string;
  entries: string[];
}

export type FitFunction = (benign: BenignTraining[]) => unknown;

export interface ModelHook {
  /** What is fitted, for the report. */
  description: string;
  fit: FitFunction;
}

export const LIST_MODEL_MODULE = join(ROOT, 'src', 'lexicon', 'list-model.ts');

type LeadFit = (sources: BenignTraining[], lexicon: Lexicon) => unknown;

/**
 * The classifier's fit function when src/lexicon/list-model.ts exports `fitListModel(sources, lexicon)`
 * (fitted against Candor's default lexicon); null otherwise. Loaded dynamically so the harness runs
 * whether or not the classifier has a model.
 */
export async function loadListModelHook(): Promise<ModelHook | null> {
  if (!existsSync(LIST_MODEL_MODULE)) return null;
  const mod = (await import(pathToFileURL(LIST_MODEL_MODULE).href)) as { fitListModel?: LeadFit };
  const fit = mod.fitListModel;
  if (typeof fit !== 'function') return null;
  return {
    description: 'the list model of src/lexicon/list-model.ts (common terms and background rates per category group)',
    fit: (benign) => fit(benign, loadDefaultLexicon()),
  };
}

/** The context with a fitted model where the detectors read it (`ctx.detectors.listModel`; also on the context). */
export function withListModel(ctx: AnalyzeContext, model: unknown): AnalyzeContext {
  // The model is whatever the fit returned: the harness does not look inside it.
  const detectors = Object.create(ctx.detectors) as AnalyzeContext['detectors'];
  detectors.listModel = model as AnalyzeContext['detectors']['listModel'];
  return Object.assign({}, ctx, { listModel: model, detectors });
}

export interface FoldPlan {
  k: number;
  sources: string[];
  foldOfGroup(group: string): number;
  foldOfSource(source: string): number;
}

export function planFolds(negativeSources: string[]): FoldPlan {
  const sources = [...negativeSources].sort();
  const k = Math.max(sources.length, 2);
  return {
    k,
    sources,
    foldOfGroup: (group) => stableHash(`fold:${group}`) % k,
    foldOfSource: (source) => sources.indexOf(source),
  };
}

/** The training sources of fold f: every negative source except the one held out by f. */
export function trainingSources(
  plan: FoldPlan,
  fold: number | 'all',
  listsBySource: Map<string, string[][]>,
): BenignTraining[] {
  return [...listsBySource]
    .filter(([s]) => fold === 'all' || plan.foldOfSource(s) !== fold)
    .map(([name, lists]) => ({ name, entries: lists.flat() }));
}
