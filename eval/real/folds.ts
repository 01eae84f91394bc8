import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnalyzeContext } from '../../src/scan/analyze.js';
import { ROOT, stableHash } from './corpus.js';

/**
 * k-fold for anything Candor learns from data. A fit function takes benign entry lists (one string[] per
 * file) and returns a parameter object that the analysis context carries as `listModel`. There are as many
 * folds as negative sources: fold i holds out negative source i (leave-one-source-out) and the publisher
 * groups hashed to i; its model is fitted on the other sources' lists only, and scores the held-out source
 * and groups. Positive lists never enter a fit (the fit takes benign lists only), so a positive group is
 * always scored by a model that has not seen it. Controls are scored by a model fitted on every source.
 */

export type FitFunction = (benignEntryLists: string[][]) => unknown;

export interface ModelHook {
  /** What is fitted, for the report. */
  description: string;
  fit: FitFunction;
}

export const LIST_MODEL_MODULE = join(ROOT, 'src', 'lexicon', 'list-model.ts');

/** The classifier's fit function when src/lexicon/list-model.ts exports `fitListModel`; null otherwise. */
export async function loadListModelHook(): Promise<ModelHook | null> {
  if (!existsSync(LIST_MODEL_MODULE)) return null;
  const mod = (await import(pathToFileURL(LIST_MODEL_MODULE).href)) as { fitListModel?: FitFunction };
  if (typeof mod.fitListModel !== 'function') return null;
  return { description: 'fitListModel of src/lexicon/list-model.ts', fit: mod.fitListModel };
}

/** The context with a fitted model, where the analysis reads it (context and detector context). */
export function withListModel(ctx: AnalyzeContext, model: unknown): AnalyzeContext {
  const detectors = Object.create(ctx.detectors) as AnalyzeContext['detectors'] & { listModel?: unknown };
  detectors.listModel = model;
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

/** The training lists of fold f: every negative source's lists except the one held out by f. */
export function trainingLists(plan: FoldPlan, fold: number, listsBySource: Map<string, string[][]>): string[][] {
  return [...listsBySource].filter(([s]) => plan.foldOfSource(s) !== fold).flatMap(([, lists]) => lists);
}
