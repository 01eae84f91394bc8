/**
 * `npm run eval`: the real-data evaluation (eval/real/) and, beside it, the old generated hidden-list
 * cases (eval/cases.ts) as a regression set. Prints one table, writes it to eval/.work/RESULTS.md with the
 * per-list scores in eval/.work/results.json, and exits 1 naming each target that was missed.
 * Options: --per-chain N (lists per encoding chain), --no-controls.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_LIMITS } from '../src/io/limits.js';
import { analyzeFile } from '../src/scan/analyze.js';
import { buildContext } from '../src/scan/context.js';
import { buildEvalSet } from './cases.js';
import { BASE_APK } from './real/build.js';
import { listsAvailable, WORK } from './real/corpus.js';
import { loadListModelHook } from './real/folds.js';
import { runRealEval } from './real/harness.js';
import { renderResults } from './real/report.js';
import { aboveInfo, targets } from './real/score.js';
import { evaluate } from './score.js';

const started = Date.now();
const args = process.argv.slice(2);
const perChainArg = args.indexOf('--per-chain');
const perChain = perChainArg >= 0 ? Number(args[perChainArg + 1]) : undefined;
const log = (line: string) =>
  process.stderr.write(`${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s  ${line}\n`);

if (!listsAvailable()) {
  process.stderr.write('../shared/corpus/censorship-lists/ is missing: the real-data evaluation needs it\n');
  process.exit(2);
}

log('old generated cases (regression set)…');
const ctx = buildContext({ limits: DEFAULT_LIMITS, trackersPath: null });
const regressionCases = buildEvalSet(BASE_APK, join(WORK, 'regression'));
const regression = evaluate(regressionCases, (apk) => analyzeFile(apk, 'eval.apk', ctx).findings);
for (const row of regression.rows.filter((r) => !r.ok)) log(`regression MISS ${row.name}: ${row.detail}`);

const model = await loadListModelHook();
const result = runRealEval({ perChain, controls: !args.includes('--no-controls'), model, log });
const negativesAboveInfo = result.negatives.reduce((a, n) => a + aboveInfo(n.counts), 0);
const controlsAboveInfo = result.controls.reduce((a, c) => a + aboveInfo(c.counts), 0);
const checks = targets(result.positives, negativesAboveInfo, controlsAboveInfo, regression);
const markdown = renderResults(result, regression, checks, (Date.now() - started) / 1000);

mkdirSync(WORK, { recursive: true });
writeFileSync(join(WORK, 'RESULTS.md'), `# Candor on real data (npm run eval)\n\n${markdown}`);
writeFileSync(join(WORK, 'results.json'), JSON.stringify({ ...result, checks }, null, 1));
writeFileSync(
  join(WORK, 'labels.json'),
  JSON.stringify(
    result.labels.map(({ file, group, source, entries, political }) => ({ file, group, source, entries, political })),
    null,
    1,
  ),
);
process.stdout.write(markdown);
const missed = checks.filter((c) => !c.ok);
for (const c of missed) process.stdout.write(`TARGET MISSED: ${c.name}: ${c.value}\n`);
process.stdout.write(
  `\nwrote eval/.work/RESULTS.md and eval/.work/results.json (${((Date.now() - started) / 1000).toFixed(0)} s)\n`,
);
process.exitCode = missed.length > 0 ? 1 : 0;
