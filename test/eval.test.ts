import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../src/scan/analyze.js';
import { buildEvalSet } from '../eval/cases.js';
import { evaluate } from '../eval/score.js';
import { analyzeContext, corpusApks, corpusFile, requireTool, tempDir } from './helpers.js';

/** The hidden-list evaluation set (also `npm run eval`): every hiding method recovered, no false alarm. */
describe('hidden keyword lists', () => {
  for (const tool of ['gzip', 'bzip2', 'zstd', 'lz4', 'openssl', 'gcc']) requireTool(tool);
  const cases = buildEvalSet(corpusFile('urzip.apk'), join(tempDir('candor-eval-'), 'set'));

  const positives = cases.filter((c) => c.expect).length;

  it(`recovers every hiding method in ${positives} APKs with the right chain and term count`, () => {
    expect(cases.filter((c) => c.expect).length).toBeGreaterThanOrEqual(30);
    const result = evaluate(cases, (apk) => analyzeFile(apk, 'eval.apk', analyzeContext()).findings);
    expect(result.rows.filter((r) => !r.ok)).toEqual([]);
    expect(result.found).toBe(result.positives);
  });

  it('raises no high-severity list on benign controls and corpus apps', () => {
    const controls = corpusApks().map((apk) => ({ name: apk, apk, control: true }));
    const result = evaluate(controls, (apk) => analyzeFile(apk, 'c.apk', analyzeContext()).findings);
    expect(result.controls).toBeGreaterThan(10);
    expect(result.falsePositives).toBe(0);
  });
});
