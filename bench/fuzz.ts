/**
 * Fuzzing of every parser and of the whole analysis of one file (not part of the test tiers).
 *
 *   npm run fuzz -- --seconds 300              all targets, the time shared between them
 *   npm run fuzz -- --minutes 60               the same, for long runs
 *   npm run fuzz -- --inputs 100000 --only dex N inputs per target (with --seconds/--minutes: whichever first)
 *   npm run fuzz -- --engine property          inputs from the fast-check arbitraries (bench/fuzz-arbitraries.ts)
 *   npm run fuzz -- --seed 12345               a fixed base seed (default: from the clock)
 *   npm run fuzz -- --out DIR                  where crashers are written (default bench/.fuzz)
 *   npm run fuzz -- --no-ledger                do not append this run to bench/fuzz-ledger.jsonl
 *   npm run fuzz -- --ledger FILE              append it to FILE instead (a run from a clone of a commit)
 *   npm run fuzz -- --ledger-sum               print the ledger's totals per target and exit
 *   npm run fuzz -- --progress                 print every 10,000th input number
 *
 * Each target runs on a worker thread with a heap cap (--heap-mb, 2048); the worker announces every input
 * before running it, so an input that hangs (no word for --hang-ms, 10,000) or exhausts the heap is known
 * and regenerated here from its number: inputs are deterministic. An error that is not a CandorError, or
 * an `internal/*` diagnostic, is a crash. Crashers are written to DIR/<target>/ with a summary at the end,
 * and the exit code is 1 when anything was found.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { propertyInput } from './fuzz-arbitraries.js';
import { appendRun, currentCommit, ledgerTotals, readLedger, type LedgerTarget } from './fuzz-ledger.js';
import { fuzzInput } from './fuzz-mutate.js';
import { TARGETS, crashOf, type Target } from './fuzz-targets.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const DEFAULT_LEDGER = join(ROOT, 'bench', 'fuzz-ledger.jsonl');

type Engine = 'mutate' | 'property';
const inputOf = (engine: Engine) => (engine === 'property' ? propertyInput : fuzzInput);

interface Msg {
  start?: number;
  crash?: { i: number; message: string };
  done?: true;
}
interface Job {
  name: string;
  engine: Engine;
  base: number;
  from: number;
  /** Inputs [from, to) are run, or fewer when the clock reaches `until`. */
  to: number;
  until: number;
}

if (!isMainThread) {
  const { name, engine, base, from, to, until } = workerData as Job;
  const target = TARGETS.find((t) => t.name === name) as Target;
  const seeds = target.seeds();
  const input = inputOf(engine);
  const port = parentPort as NonNullable<typeof parentPort>;
  for (let i = from; i < to && Date.now() < until; i++) {
    const b = input(target, seeds, base, i);
    port.postMessage({ start: i } satisfies Msg);
    const crash = crashOf(target, b);
    if (crash !== null) port.postMessage({ crash: { i, message: crash } } satisfies Msg);
  }
  port.postMessage({ done: true } satisfies Msg);
} else {
  const arg = (name: string, dflt: string) => {
    const k = process.argv.indexOf(`--${name}`);
    return k > 0 ? (process.argv[k + 1] as string) : dflt;
  };
  const flag = (name: string) => process.argv.includes(`--${name}`);
  const LEDGER = arg('ledger', DEFAULT_LEDGER);
  const only = arg('only', '');
  const targets = TARGETS.filter((t) => !only || only.split(',').includes(t.name));
  if (flag('ledger-sum')) {
    const totals = ledgerTotals(
      readLedger(LEDGER),
      TARGETS.map((t) => t.name),
    );
    const rows = [...totals].map(([n, t]) => `| ${n} | ${t.inputs.toLocaleString('en')} | ${t.problems} |`);
    const all = [...totals.values()].reduce((s, t) => s + t.inputs, 0);
    console.log(['| target | inputs | problems |', '| --- | ---: | ---: |', ...rows].join('\n'));
    console.log(`total ${all.toLocaleString('en')} inputs (${readLedger(LEDGER).length} ledger lines)`);
    process.exit(0);
  }
  const seconds = flag('minutes')
    ? Number(arg('minutes', '1')) * 60
    : Number(arg('seconds', flag('inputs') ? '0' : '60'));
  const perTarget = Number(arg('inputs', '0'));
  const engine = arg('engine', 'mutate');
  if (engine !== 'mutate' && engine !== 'property') throw new Error(`unknown engine ${engine}`);
  const out = arg('out', join(ROOT, 'bench', '.fuzz'));
  const hangMs = Number(arg('hang-ms', '10000'));
  const heapMb = Number(arg('heap-mb', '2048'));
  const base = Number(arg('seed', String(Date.now() % 2 ** 31)));
  const share = seconds > 0 ? (seconds * 1000) / targets.length : Infinity;
  const input = inputOf(engine);
  const { commit, dirty } = currentCommit(ROOT);
  const started = Date.now();
  console.log(
    `fuzzing ${targets.map((t) => t.name).join(', ')} (${engine}, seed ${base}): ` +
      `${seconds > 0 ? `${seconds} s` : 'no time limit'}${perTarget ? `, ${perTarget} inputs per target` : ''}`,
  );
  const rows: string[] = [];
  let problems = 0;
  // Each target's figures are appended as it ends, so a run stopped early (Ctrl-C, SIGTERM, a session
  // ending) still records what it really tried: the current target up to its last announced input.
  const record = (name: string, t: LedgerTarget, stopped = false) => {
    if (flag('no-ledger')) return;
    appendRun(LEDGER, {
      date: new Date(started).toISOString(),
      commit,
      dirty,
      engine,
      seed: base,
      seconds: Math.round((Date.now() - started) / 1000),
      result: t.problems ? 'problems' : 'clean',
      ...(stopped ? { stopped: true } : {}),
      targets: { [name]: t },
    });
  };
  let current: { name: string; figures: () => LedgerTarget; stop: () => void } | null = null;
  const interrupt = () => {
    if (current) {
      record(current.name, current.figures(), true);
      current.stop();
    }
    console.log(rows.join('\n'));
    console.log('stopped; the inputs tried so far are recorded');
    process.exit(130);
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  for (const target of targets) {
    const seeds = target.seeds();
    if (seeds.length === 0) {
      rows.push(`${target.name.padEnd(13)} no seeds (tool or corpus file missing)`);
      continue;
    }
    const until = Date.now() + share;
    const to = perTarget > 0 ? perTarget : Number.MAX_SAFE_INTEGER;
    const t0 = Date.now();
    let count = 0;
    let slowestMs = 0;
    let from = 0;
    const crashes = new Map<string, number>();
    const save = (kind: string, i: number, message: string) => {
      const key = `${kind}: ${message.slice(0, 160)}`;
      crashes.set(key, (crashes.get(key) ?? 0) + 1);
      if (i < 0) return; // the worker was lost before its first input: nothing to keep
      const b = input(target, seeds, base, i);
      const sha = createHash('sha256').update(b).digest('hex').slice(0, 16);
      mkdirSync(join(out, target.name), { recursive: true });
      // Engine, base seed and input number regenerate the input (test/scan/fuzz-regressions.test.ts).
      writeFileSync(join(out, target.name, `${kind}-${engine}-${base}-${i}-${sha}.bin`), b);
    };
    let worker: Worker | null = null;
    current = {
      name: target.name,
      figures: () => ({ inputs: count, problems: crashes.size, slowestMs: Math.round(slowestMs) }),
      stop: () => void worker?.terminate(),
    };
    while (Date.now() < until && from < to) {
      const next = await new Promise<number>((resolve) => {
        // Register tsx inside the worker (as scan/pool.ts does), then load this module as the worker.
        const tsx = import.meta.resolve('tsx/esm/api');
        const self = JSON.stringify(import.meta.url);
        const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${self}); });`;
        const w = new Worker(code, {
          eval: true,
          workerData: { name: target.name, engine, base, from, to, until } satisfies Job,
          resourceLimits: { maxOldGenerationSizeMb: heapMb },
        });
        worker = w;
        let current = -1;
        let since = performance.now();
        let finished = false;
        const hang = () => {
          save('hang', current, `no answer within ${hangMs} ms`);
          void w.terminate();
        };
        let timer = setTimeout(hang, hangMs * 3); // loading the worker and its seeds takes a while
        w.on('message', (m: Msg) => {
          if (flag('progress') && m.start !== undefined && m.start % 10_000 === 0)
            console.log(`  ${target.name} #${m.start}`);
          if (m.start !== undefined) {
            const now = performance.now();
            if (current >= 0) slowestMs = Math.max(slowestMs, now - since);
            since = now;
            current = m.start;
            count++;
            clearTimeout(timer);
            timer = setTimeout(hang, hangMs);
          } else if (m.crash) save('crash', m.crash.i, m.crash.message);
          else if (m.done) finished = true;
        });
        w.on('error', (err) => {
          if ((err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY')
            save('memory', current, 'worker heap exhausted');
          else save('crash', current, String(err));
        });
        w.on('exit', () => {
          clearTimeout(timer);
          // A finished worker ends the target; after a hang or a lost worker, go on from the next input.
          // A worker that never started an input cannot start the next one either: stop this target.
          resolve(finished || current < 0 ? -1 : current + 1);
        });
      });
      if (next < 0) break;
      from = next;
    }
    const found = [...crashes].map(([k, n]) => `\n    ${n}× ${k}`).join('');
    problems += crashes.size;
    current = null;
    record(target.name, { inputs: count, problems: crashes.size, slowestMs: Math.round(slowestMs) });
    const rate = (count / Math.max(1, (Date.now() - t0) / 1000)).toFixed(0);
    rows.push(
      `${target.name.padEnd(13)} ${String(count).padStart(8)} inputs (${rate}/s)  ` +
        `slowest ${Math.round(slowestMs)} ms  ` +
        (crashes.size ? `${crashes.size} distinct problems:${found}` : 'no crash, hang or heap exhaustion'),
    );
  }
  console.log(rows.join('\n'));
  if (!flag('no-ledger')) console.log(`recorded in ${LEDGER}`);
  if (problems) {
    console.log(`${problems} distinct problems; crashers in ${out}`);
    process.exitCode = 1;
  }
}
