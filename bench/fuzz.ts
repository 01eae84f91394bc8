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

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');

/** xorshift32: the same number gives the same mutation, in the worker and here. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

const INTERESTING_U32 = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff0];
const JSON_VALUES: unknown[] = [null, 0, -1, 1e308, '', [], {}, true, 'x'.repeat(70000), [[[]]], { a: null }, '::ffff:1.2.3.4', 'not a url'];

function mutateBytes(seed: Buffer, r: () => number): Buffer {
  let b = Buffer.from(seed);
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n && b.length > 0; k++) {
    const at = Math.floor(r() * b.length);
    switch (Math.floor(r() * 7)) {
      case 0:
        b[at] ^= 1 << Math.floor(r() * 8);
        break;
      case 1:
        b[at] = [0, 1, 0x7f, 0x80, 0xff][Math.floor(r() * 5)] as number;
        break;
      case 2:
        if (at + 4 <= b.length) b.writeUInt32LE((INTERESTING_U32[Math.floor(r() * INTERESTING_U32.length)] as number) >>> 0, at);
        break;
      case 3:
        if (at + 4 <= b.length) b.writeUInt32LE(Math.floor(r() * b.length * 2) >>> 0, at);
        break;
      case 4:
        b = b.subarray(0, at);
        break;
      case 5: {
        const len = Math.min(b.length - at, 1 + Math.floor(r() * 256));
        b = Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]);
        break;
      }
      default: {
        const len = Math.min(b.length - at, 1 + Math.floor(r() * 256));
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
      }
    }
  }
  return b;
}

const parsedJson = new Map<Buffer, unknown>();

function mutateJson(seed: Buffer, r: () => number): Buffer {
  let doc = parsedJson.get(seed);
  if (doc === undefined) parsedJson.set(seed, (doc = JSON.parse(seed.toString('utf8'))));
  const copy = structuredClone(doc) as Record<string, unknown>;
  for (let k = 0; k < 1 + Math.floor(r() * 3); k++) {
    let node: unknown = copy;
    let parent: Record<string, unknown> | unknown[] | null = null;
    let key: string | number = '';
    for (let depth = 0; depth < 8 && node !== null && typeof node === 'object'; depth++) {
      const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
      if (keys.length === 0 || (depth > 1 && r() < 0.25)) break;
      parent = node as Record<string, unknown>;
      key = keys[Math.floor(r() * keys.length)] as string | number;
      node = (node as Record<string, unknown>)[key as string];
    }
    if (parent) (parent as Record<string, unknown>)[key as string] = structuredClone(JSON_VALUES[Math.floor(r() * JSON_VALUES.length)]);
  }
  return Buffer.from(JSON.stringify(copy));
}

function input(target: Target, seeds: Buffer[], base: number, i: number): Buffer {
  const r = rng(base ^ Math.imul(i + 1, 0x85ebca6b));
  const seed = seeds[Math.floor(r() * seeds.length)] as Buffer;
  return target.json && r() < 0.7 ? mutateJson(seed, r) : mutateBytes(seed, r);
}

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
      if (!(err instanceof CandorError)) port.postMessage({ crash: { i, message: ((err as Error).stack ?? String(err)).split('\n').slice(0, 3).join(' | ') } } satisfies Msg);
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
      writeFileSync(join(out, target.name, `${kind}-${sha}.bin`), b);
      const key = `${kind}: ${message.slice(0, 160)}`;
      crashes.set(key, (crashes.get(key) ?? 0) + 1);
    };
    while (Date.now() < until) {
      const outcome = await new Promise<{ next: number }>((resolve) => {
        // Register tsx inside the worker (as scan/pool.ts does), then load this module as the worker.
        const tsx = import.meta.resolve('tsx/esm/api');
        const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); });`;
        const w = new Worker(code, { eval: true, workerData: { name: target.name, base, from, until }, resourceLimits: { maxOldGenerationSizeMb: 2048 } });
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
          if ((err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') save('memory', current, 'worker heap exhausted');
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
    rows.push(`${target.name.padEnd(13)} ${String(count).padStart(8)} inputs  slowest ${slowestMs} ms  ${crashes.size ? `${crashes.size} distinct problems:${found}` : 'no crash, hang or heap exhaustion'}`);
  }
  console.log(rows.join('\n'));
  console.log(`crashers (if any) in ${out}`);
}
