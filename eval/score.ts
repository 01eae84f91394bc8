import { findingsOf, type Finding } from '../src/model.js';
import type { EvalCase } from './cases.js';

/**
 * Scores findings against the evaluation set: a positive counts when a keyword-list finding has the expected
 * chain and term count.
 */
export function evaluate(cases: EvalCase[], scanFindings: (apk: string) => Finding[]) {
  const rows: Array<{ name: string; ok: boolean; detail: string }> = [];
  let positives = 0;
  let found = 0;
  let controls = 0;
  let falsePositives = 0;
  for (const c of cases) {
    const findings = scanFindings(c.apk);
    const lists = findingsOf(findings, 'censorship/keyword-list');
    if (c.expect) {
      positives++;
      const expect = c.expect;
      const hit = lists.find((f) => {
        const e = f.evidence;
        return (
          JSON.stringify(e.encodings) === JSON.stringify(expect.chain) &&
          e.termCount === expect.termCount &&
          (!expect.keyOrigin || expect.keyOrigin.test(e.keyOrigin ?? ''))
        );
      });
      if (hit) found++;
      const seen =
        lists.map((f) => `${JSON.stringify(f.evidence.encodings)}x${f.evidence.termCount}`).join(' ') || 'nothing';
      const how = hit
        ? `${hit.evidence.encodings.join(' → ') || 'plain'}, ${expect.termCount} terms` +
          (hit.evidence.keyOrigin ? `, key from ${hit.evidence.keyOrigin}` : '')
        : '';
      rows.push({
        name: c.name,
        ok: !!hit,
        detail: hit ? how : `expected ${JSON.stringify(expect.chain)}x${expect.termCount}, saw ${seen}`,
      });
    } else if (c.control) {
      controls++;
      const high = findings
        .filter((f) => f.severity === 'high' || f.severity === 'critical')
        .filter((f) => f.detectorId === 'censorship/keyword-list');
      if (high.length > 0) falsePositives++;
      rows.push({
        name: c.name,
        ok: high.length === 0,
        detail: high.length ? high.map((f) => f.message).join('; ') : 'no high-severity list',
      });
    }
  }
  return { rows, positives, found, controls, falsePositives };
}
