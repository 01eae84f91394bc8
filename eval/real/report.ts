import { basename } from 'node:path';
import type { RealEvalResult } from './harness.js';
import { POLITICAL_MIN_ANCHORS } from './labels.js';
import { aboveInfo, groupBy, slice, TERM_TOLERANCE, type Slice, type TargetCheck } from './score.js';

/**
 * Renders the evaluation as ONE markdown table (printed by `npm run eval` and written to
 * eval/.work/RESULTS.md): recall rows per format, chain and publisher group, then false-positive rows per
 * negative source and for the control APKs, then the targets.
 */

const pct = (a: number, b: number) => (b === 0 ? '–' : `${a} (${((100 * a) / b).toFixed(0)} %)`);

/** Groups with fewer lists than this are pooled into one row per kind (game / open-source). */
const MIN_GROUP_ROW = 4;

function recallRow(s: Slice): string {
  return (
    `| ${s.section} | ${s.slice} | ${s.n} | ${pct(s.found, s.n)} | ` +
    `${s.political} | ${pct(s.politicalHigh, s.political)} | ` +
    `${pct(s.politicalHighTerms, s.political)} | ${pct(s.termsOk, s.termsDeterminable)} | | | | |`
  );
}

export function renderResults(
  r: RealEvalResult,
  regression: { found: number; positives: number; falsePositives: number; controls: number },
  checks: TargetCheck[],
  wallSeconds: number,
): string {
  const out: string[] = [];
  const tol = `${TERM_TOLERANCE * 100} %`;
  out.push(
    `| section | slice | APKs | found | political | political → political/high | ` +
      `… and terms ±${tol} | terms ±${tol} (countable) | FP info | FP low | FP medium | FP high |`,
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  out.push(recallRow(slice('all', 'every positive APK', r.positives)));
  const plainLists = r.positives.filter((p) => p.chain === 'plain');
  out.push(recallRow(slice('all', 'plain (no encoding)', plainLists)));
  for (const [fmt, rows] of [...groupBy(r.positives, (p) => p.format)].sort((a, b) => b[1].length - a[1].length))
    out.push(recallRow(slice('format', fmt, rows)));
  for (const [chain, rows] of groupBy(r.positives, (p) => p.chain)) out.push(recallRow(slice('chain', chain, rows)));
  const groups = [...groupBy(r.positives, (p) => p.group)].sort(
    (a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]),
  );
  const pooled = new Map<string, typeof r.positives>();
  for (const [group, rows] of groups) {
    if (rows.length >= MIN_GROUP_ROW) out.push(recallRow(slice('group', group, rows)));
    else {
      const kind = group.split(':')[0] ?? group;
      pooled.set(kind, [...(pooled.get(kind) ?? []), ...rows]);
    }
  }
  for (const [kind, rows] of pooled) {
    const n = new Set(rows.map((x) => x.group)).size;
    out.push(recallRow(slice('group', `${kind}: ${n} groups with < ${MIN_GROUP_ROW} APKs each`, rows)));
  }
  for (const n of r.negatives) {
    out.push(
      `| negative | ${n.source} (${n.package}; ${n.shape}; ${n.files} files) | ` +
        `1 (${n.entries} entries) | ${aboveInfo(n.counts) > 0 ? 'FP' : '0'} | | | | | ` +
        `${n.counts.info} | ${n.counts.low} | ${n.counts.medium} | ${n.counts.high + n.counts.critical} |`,
    );
  }
  const negTotal = r.negatives.reduce((a, n) => a + n.entries, 0);
  const sum = (k: 'info' | 'low' | 'medium' | 'high') =>
    r.negatives.reduce((a, n) => a + n.counts[k] + (k === 'high' ? n.counts.critical : 0), 0);
  out.push(
    `| negative | all ${r.negatives.length} sources | ${r.negatives.length} (${negTotal} entries) | ` +
      `| | | | | ${sum('info')} | ${sum('low')} | ${sum('medium')} | ${sum('high')} |`,
  );
  if (r.controls.length > 0) {
    const csum = (k: 'info' | 'low' | 'medium' | 'high') =>
      r.controls.reduce((a, c) => a + c.counts[k] + (k === 'high' ? c.counts.critical : 0), 0);
    const bad = r.controls.filter((c) => aboveInfo(c.counts) > 0).length;
    out.push(
      `| control | corpus + androguard APKs (censorship findings) | ` +
        `${r.controls.length} | ${bad} with FP | | | | | ` +
        `${csum('info')} | ${csum('low')} | ${csum('medium')} | ${csum('high')} |`,
    );
  }
  out.push(
    `| regression | eval/cases.ts generated cases | ${regression.positives} + ${regression.controls} controls | ` +
      `${regression.found}/${regression.positives} | | | | | | | | ${regression.falsePositives} FP (high) |`,
  );
  for (const c of checks)
    out.push(`| target | ${c.name} | | ${c.value} | | | | | | | | ${c.ok ? 'met' : '**MISSED**'} |`);
  out.push('');
  out.push(
    `Labels: political = at least ${POLITICAL_MIN_ANCHORS} distinct anchors of eval/real/labels.ts ` +
      `(${r.labels.filter((l) => l.political).length} of ${r.labels.length} lists); ` +
      `entries = distinct non-empty lines (${r.labels.filter((l) => l.entries === null).length} ` +
      'regular-expression lists are not countable). ' +
      `Chains: ${r.perChain} open-source lists each, chosen by hash, one per group. Fitted: ${r.fitted}. ` +
      `Wall time ${wallSeconds.toFixed(0)} s (building ${r.seconds.build.toFixed(0)} s with ${r.built} APKs built, ` +
      `the rest cached; scanning ${r.seconds.scan.toFixed(0)} s).`,
  );
  const fps = r.controls.filter((c) => aboveInfo(c.counts) > 0);
  if (fps.length > 0)
    out.push(
      '',
      'Control false positives:',
      ...fps.map((c) => `- ${basename(c.apk)}: ${c.messages.slice(0, 3).join('; ')}`),
    );
  return out.join('\n') + '\n';
}
