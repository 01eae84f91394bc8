import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

/**
 * The fuzzing ledger (bench/fuzz-ledger.jsonl): one line per target of each real run of bench/fuzz.ts,
 * appended by the run itself as the target ends, with the commit it ran on, its base seed and engine, the
 * inputs tried and the distinct problems found. The README's figures are the sums over it
 * (`npm run fuzz -- --ledger-sum`),
 * so the campaign of issue #13 (100,000 inputs per parser) can be reached over several sessions.
 */
export interface LedgerTarget {
  inputs: number;
  problems: number;
  slowestMs: number;
}
export interface LedgerRun {
  date: string;
  commit: string;
  /** Uncommitted changes to the tree when the run started (the figures then belong to no commit). */
  dirty: boolean;
  engine: 'mutate' | 'property';
  seed: number;
  /** Seconds since the run started, when this line was written. */
  seconds: number;
  result: 'clean' | 'problems';
  /** The run was stopped (signal) while this target ran: its figures go up to the last input started. */
  stopped?: true;
  targets: Record<string, LedgerTarget>;
}

export function currentCommit(root: string): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['-C', root, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
    });
    return { commit, dirty: status.trim() !== '' };
  } catch {
    return { commit: 'unknown', dirty: true };
  }
}

export function appendRun(path: string, run: LedgerRun): void {
  appendFileSync(path, `${JSON.stringify(run)}\n`);
}

export function readLedger(path: string): LedgerRun[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as LedgerRun);
}

/** Per target: inputs and problems summed over every run of the ledger, for the targets named. */
export function ledgerTotals(runs: LedgerRun[], names: string[]): Map<string, { inputs: number; problems: number }> {
  const out = new Map(names.map((n) => [n, { inputs: 0, problems: 0 }]));
  for (const run of runs)
    for (const [name, t] of Object.entries(run.targets)) {
      const sum = out.get(name);
      if (!sum) continue;
      sum.inputs += t.inputs;
      sum.problems += t.problems;
    }
  return out;
}
