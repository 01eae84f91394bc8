/**
 * Mutation fuzzing of every parser and of the whole analysis of one file (not part of the test tiers).
 *
 *   npm run fuzz -- --seconds 300              all targets, the time shared between them
 *   npm run fuzz -- --seconds 60 --only dex    one target (names in bench/fuzz-targets.ts)
 *   npm run fuzz -- --out DIR                  where crashers are written (default bench/.fuzz)
 *
 * Each target runs on a worker thread with a heap cap; the worker announces every input before running
 * it, so an input that hangs (no word for --hang-ms) or exhausts the heap is known and regenerated here
 * from its number: mutations are deterministic. An error that is not a CandorError, or an `internal/*`
 * diagnostic, is a crash. Crashers are written to DIR/<target>/<sha256>.bin with a summary at the end.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { CandorError } from '../src/io/errors.js';
import { TARGETS, type Target } from './fuzz-targets.js';
import { fuzzInput as input } from './fuzz-mutate.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');

interface Msg {
  start?: number;
  crash?: { i: number; message: string };
  done?: { count: number; slowestMs: number };
}

if (!isMainThread) {
  const { name, base, from, until } = workerData as { name: string; base: number; from: number; until: number };
  const target = TARGETS.find((t) => t.name === name) as Target;
  const seeds = target.seeds();
  const port = parentPort as NonNullable<typeof parentPort>;
  let i = from;
  let slowest = 0;
  while (Date.now() < until) {
    const b = input(target, seeds, base, i);
    port.postMessage({ start: i } satisfies Msg);
    const t0 = performance.now();
    try {
      target.run(b);
    } catch (err) {
      if (!(err instanceof CandorError))
        port.postMessage({
          crash: { i, message: ((err as Error).stack ?? String(err)).split('\n').slice(0, 3).join(' | ') },
        } satisfies Msg);
    }
    slowest = Math.max(slowest, performance.now() - t0);
    i++;
  }
  port.postMessage({ done: { count: i - from, slowestMs: Math.round(slowest) } } satisfies Msg);
} else {
  const arg = (name: string, dflt: string) => {
    const k = process.argv.indexOf(`--${name}`);
    return k > 0 ? (process.argv[k + 1] as string) : dflt;
  };
  const seconds = Number(arg('seconds', '60'));
  const only = arg('only', '');
  const out = arg('out', join(ROOT, 'bench', '.fuzz'));
  const hangMs = Number(arg('hang-ms', '10000'));
  const base = Number(arg('seed', String(Date.now() % 2 ** 31)));
  const targets = TARGETS.filter((t) => !only || only.split(',').includes(t.name));
  const share = (seconds * 1000) / targets.length;
  console.log(`fuzzing ${targets.map((t) => t.name).join(', ')} for ${seconds} s (seed ${base})`);
  const rows: string[] = [];
  for (const target of targets) {
    const seeds = target.seeds();
    if (seeds.length === 0) {
      rows.push(`${target.name.padEnd(13)} no seeds (tool or corpus file missing)`);
      continue;
    }
    const until = Date.now() + share;
    let count = 0;
    let slowestMs = 0;
    let from = 0;
    const crashes = new Map<string, number>();
    const save = (kind: string, i: number, message: string) => {
      const b = input(target, seeds, base, i);
      const sha = createHash('sha256').update(b).digest('hex').slice(0, 16);
      mkdirSync(join(out, target.name), { recursive: true });
      // Base seed and input number regenerate the input from the seeds (test/scan/fuzz-regressions.test.ts).
      writeFileSync(join(out, target.name, `${kind}-${base}-${i}-${sha}.bin`), b);
      const key = `${kind}: ${message.slice(0, 160)}`;
      crashes.set(key, (crashes.get(key) ?? 0) + 1);
    };
    while (Date.now() < until) {
      const outcome = await new Promise<{ next: number }>((resolve) => {
        // Register tsx inside the worker (as scan/pool.ts does), then load this module as the worker.
        const tsx = import.meta.resolve('tsx/esm/api');
        const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); });`;
        const w = new Worker(code, {
          eval: true,
          workerData: { name: target.name, base, from, until },
          resourceLimits: { maxOldGenerationSizeMb: 2048 },
        });
        let started = false;
        let current = from;
        let timer = setTimeout(() => hang(), hangMs);
        const hang = () => {
          save('hang', current, `no answer within ${hangMs} ms`);
          void w.terminate();
        };
        w.on('message', (m: Msg) => {
          if (m.start !== undefined) {
            started = true;
            current = m.start;
            clearTimeout(timer);
            timer = setTimeout(hang, hangMs);
          } else if (m.crash) save('crash', m.crash.i, m.crash.message);
          else if (m.done) {
            count += m.done.count;
            slowestMs = Math.max(slowestMs, m.done.slowestMs);
          }
        });
        w.on('error', (err) => {
          if ((err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY')
            save('memory', current, 'worker heap exhausted');
          else save('crash', current, String(err));
        });
        w.on('exit', () => {
          clearTimeout(timer);
          // A worker that never started an input cannot start the next one either: stop this target.
          resolve({ next: started ? current + 1 : -1 });
        });
      });
      // After a hang or a lost worker, go on from the next input; a finished worker ends the target.
      if (Date.now() >= until || outcome.next < 0) break;
      from = outcome.next;
    }
    const found = [...crashes].map(([k, n]) => `\n    ${n}× ${k}`).join('');
    rows.push(
      `${target.name.padEnd(13)} ${String(count).padStart(8)} inputs  slowest ${slowestMs} ms  ${crashes.size ? `${crashes.size} distinct problems:${found}` : 'no crash, hang or heap exhaustion'}`,
    );
  }
  console.log(rows.join('\n'));
  console.log(`crashers (if any) in ${out}`);
}
