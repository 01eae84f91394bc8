/**
 * `npm run eval`: builds the hidden-list evaluation set, scans it with the benign corpus apps as further
 * controls, and prints recall (lists found with the right term count and decoding chain) and false
 * positives (high-severity findings on controls). Exits 1 when a target is missed.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS } from '../src/io/limits.js';
import { analyzeFile } from '../src/scan/analyze.js';
import { buildContext } from '../src/scan/context.js';
import { buildEvalSet, writeManifest } from './cases.js';
import { evaluate } from './score.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const CORPUS = join(ROOT, '..', 'shared', 'corpus', 'apk');
const dir = join(ROOT, 'eval', '.work');
const cases = buildEvalSet(join(CORPUS, 'urzip.apk'), dir);
writeManifest(cases, dir);
const ctx = buildContext({ limits: DEFAULT_LIMITS, trackersPath: null });
const corpusControls = readdirSync(CORPUS).filter((f) => f.endsWith('.apk')).map((f) => ({ name: `corpus:${f}`, apk: join(CORPUS, f), control: true }));
const result = evaluate([...cases, ...corpusControls], (apk) => analyzeFile(apk, 'eval.apk', ctx).findings);
for (const r of result.rows) process.stdout.write(`${r.ok ? 'ok  ' : 'MISS'}  ${r.name.padEnd(34)} ${r.detail}\n`);
process.stdout.write(`\nrecall ${result.found}/${result.positives} (${((100 * result.found) / result.positives).toFixed(0)}%), false positives on ${result.controls} controls: ${result.falsePositives}\n`);
process.exitCode = result.found === result.positives && result.falsePositives === 0 ? 0 : 1;
