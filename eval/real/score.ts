import type { Finding, Severity } from '../../src/model.js';
import type { ListLabel } from './labels.js';

/**
 * Scores Candor's `censorship/keyword-list` findings against the labels: per positive APK, whether the
 * list was found, as which kind and severity, and whether the term count is within TERM_TOLERANCE of the
 * list's own entry count; per negative source and control APK, the findings above info.
 */

export const TERM_TOLERANCE = 0.02;
export const TARGET_POLITICAL_HIGH = 0.95;
export const TARGET_FOUND = 0.95;
export const KEYWORD_LIST = 'censorship/keyword-list';

const RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
export const SEVERITIES_ABOVE_INFO: Severity[] = ['low', 'medium', 'high', 'critical'];

export interface ListFinding {
  kind: string;
  severity: Severity;
  termCount: number;
}

export function listFindings(findings: Finding[]): ListFinding[] {
  return findings
    .filter((f) => f.detectorId === KEYWORD_LIST)
    .map((f) => {
      const e = f.evidence as { kind?: string; termCount?: number };
      return { kind: e.kind ?? 'unknown', severity: f.severity, termCount: e.termCount ?? 0 };
    });
}

/** The finding a reader would take as the verdict on the list: the most severe, then the largest. */
export function bestFinding(found: ListFinding[]): ListFinding | null {
  let best: ListFinding | null = null;
  for (const f of found) {
    if (
      !best ||
      RANK[f.severity] > RANK[best.severity] ||
      (RANK[f.severity] === RANK[best.severity] && f.termCount > best.termCount)
    )
      best = f;
  }
  return best;
}

export interface PositiveScore {
  id: string;
  list: string;
  group: string;
  format: string;
  chain: string;
  political: boolean;
  entries: number | null;
  found: boolean;
  kind: string | null;
  severity: Severity | null;
  termCount: number | null;
  /** Term count within tolerance; null when the list's entry count is undetermined. */
  termsOk: boolean | null;
  /** Reported as a political list at high severity or above. */
  politicalHigh: boolean;
  /** politicalHigh, and the term count within tolerance (where the entry count is determinable). */
  politicalHighTerms: boolean;
}

export function termsWithin(termCount: number, entries: number, tolerance = TERM_TOLERANCE): boolean {
  return Math.abs(termCount - entries) <= tolerance * entries;
}

export function scorePositive(
  c: { id: string; list: string; group: string; format: string; chain: string },
  label: ListLabel,
  findings: ListFinding[],
): PositiveScore {
  const best = bestFinding(findings);
  const termsOk =
    best && label.entries !== null ? termsWithin(best.termCount, label.entries) : label.entries === null ? null : false;
  const politicalHigh = !!best && best.kind === 'political' && RANK[best.severity] >= RANK.high;
  return {
    ...c,
    political: label.political,
    entries: label.entries,
    found: !!best,
    kind: best?.kind ?? null,
    severity: best?.severity ?? null,
    termCount: best?.termCount ?? null,
    termsOk,
    politicalHigh,
    politicalHighTerms: politicalHigh && termsOk !== false,
  };
}

export type SeverityCounts = Record<Severity, number>;

export function severityCounts(findings: Array<{ severity: Severity }>): SeverityCounts {
  const out: SeverityCounts = { info: 0, low: 0, medium: 0, high: 0, critical: 0 };
  for (const f of findings) out[f.severity]++;
  return out;
}

export const aboveInfo = (c: SeverityCounts) => c.low + c.medium + c.high + c.critical;

export interface Slice {
  section: string;
  slice: string;
  n: number;
  found: number;
  political: number;
  politicalHigh: number;
  politicalHighTerms: number;
  termsDeterminable: number;
  termsOk: number;
}

export function slice(section: string, name: string, rows: PositiveScore[]): Slice {
  return {
    section,
    slice: name,
    n: rows.length,
    found: rows.filter((r) => r.found).length,
    political: rows.filter((r) => r.political).length,
    politicalHigh: rows.filter((r) => r.political && r.politicalHigh).length,
    politicalHighTerms: rows.filter((r) => r.political && r.politicalHighTerms).length,
    termsDeterminable: rows.filter((r) => r.termsOk !== null).length,
    termsOk: rows.filter((r) => r.termsOk === true).length,
  };
}

export function groupBy<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}

export interface TargetCheck {
  name: string;
  value: string;
  ok: boolean;
}

export function targets(
  all: PositiveScore[],
  negativesAboveInfo: number,
  controlsAboveInfo: number,
  regression: { found: number; positives: number; falsePositives: number },
): TargetCheck[] {
  const pol = all.filter((r) => r.political);
  const polHigh = pol.filter((r) => r.politicalHighTerms).length;
  const found = all.filter((r) => r.found).length;
  const pct = (a: number, b: number) => (b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(1)} %`);
  return [
    {
      name:
        `political lists found as political/high, terms ±${TERM_TOLERANCE * 100} % ` +
        `(≥ ${TARGET_POLITICAL_HIGH * 100} %)`,
      value: `${polHigh}/${pol.length} = ${pct(polHigh, pol.length)}`,
      ok: pol.length > 0 && polHigh / pol.length >= TARGET_POLITICAL_HIGH,
    },
    {
      name: `all lists found (≥ ${TARGET_FOUND * 100} %)`,
      value: `${found}/${all.length} = ${pct(found, all.length)}`,
      ok: all.length > 0 && found / all.length >= TARGET_FOUND,
    },
    {
      name: 'findings above info on real negatives (= 0)',
      value: String(negativesAboveInfo),
      ok: negativesAboveInfo === 0,
    },
    {
      name: 'censorship findings above info on control APKs (= 0)',
      value: String(controlsAboveInfo),
      ok: controlsAboveInfo === 0,
    },
    {
      name: 'old generated cases (eval/cases.ts) all recovered, no false positive',
      value: `${regression.found}/${regression.positives}, ${regression.falsePositives} FP`,
      ok: regression.found === regression.positives && regression.falsePositives === 0,
    },
  ];
}
