import { Worker } from 'node:worker_threads';
import type { FileResult } from './analyze.js';
import type { AnalyzeSettings } from './context.js';

/**
 * A fixed pool of worker threads analysing files in parallel, each file under a budget: the worker's V8
 * heap is capped (`file.memoryMb`) and a watchdog ends it when one file takes longer than `file.timeMs`.
 * A worker that is stopped or dies for any reason (the budget, a crash in a native module, an exit)
 * fails only its current file, with a typed reason; a fresh worker replaces it for the next files.
 */

export interface PoolJob {
  fsPath: string;
  logicalPath: string;
  /** In-memory content (a file from a firmware image); moved, not copied, to the worker. */
  bytes?: Buffer;
}

/** Why a file has no result: the code and message of its diagnostic. */
export interface JobFailure {
  code: 'limit/file-time' | 'limit/file-memory' | 'internal/worker-failed';
  message: string;
  /** What the worker had established before it was lost: the file's digest and size, safe to keep. */
  partial?: { sha256: string; size: number };
}

export type Outcome = { result: FileResult } | { failure: JobFailure };

interface WorkerMessage {
  id: number;
  result?: FileResult;
  error?: string;
  hashed?: { sha256: string; size: number };
}

export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private readonly waiting: Array<(w: Worker) => void> = [];
  private nextId = 0;

  constructor(
    private readonly size: number,
    private readonly settings: AnalyzeSettings,
  ) {}

  private spawn(): Worker {
    const options = {
      workerData: this.settings,
      resourceLimits: { maxOldGenerationSizeMb: this.settings.limits.file.memoryMb },
    };
    let w: Worker;
    if (import.meta.url.endsWith('.ts')) {
      // Running from TypeScript sources (tests, tsx): register tsx inside the worker, then load the worker module.
      // tsx is resolved from here, not from the process's working directory (which may be anywhere).
      const entry = new URL('./worker.ts', import.meta.url).href;
      const tsx = import.meta.resolve('tsx/esm/api');
      w = new Worker(
        `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`,
        { ...options, eval: true },
      );
    } else {
      w = new Worker(new URL('./worker.js', import.meta.url), options);
    }
    // An idle worker does not keep the process alive; a busy one does (see run), so a scan waiting on a
    // worker can never end as an unsettled await with nothing printed.
    w.unref();
    // Death is handled per job in run(); this keeps an 'error' arriving after a job's listeners are gone
    // (a second error of a dying worker) from becoming an uncaught exception of the whole scan.
    w.on('error', () => {});
    this.all.add(w);
    return w;
  }

  private acquire(): Promise<Worker> {
    const w = this.idle.pop();
    if (w) return Promise.resolve(w);
    if (this.all.size < this.size) return Promise.resolve(this.spawn());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(w: Worker): void {
    const next = this.waiting.shift();
    if (next) next(w);
    else this.idle.push(w);
  }

  async run(job: PoolJob): Promise<Outcome> {
    const w = await this.acquire();
    const id = this.nextId++;
    const { timeMs, memoryMb } = this.settings.limits.file;
    return new Promise<Outcome>((resolve) => {
      let partial: JobFailure['partial'];
      let stopped: JobFailure | null = null;
      w.ref();
      const onMessage = (msg: WorkerMessage) => {
        if (msg.id !== id) return;
        if (msg.hashed) {
          partial = msg.hashed;
          return;
        }
        cleanup();
        w.unref();
        this.release(w);
        resolve(
          msg.result
            ? { result: msg.result }
            : {
                failure: {
                  code: 'internal/worker-failed',
                  message: firstLine(msg.error ?? 'unknown worker error'),
                  ...(partial ? { partial } : {}),
                },
              },
        );
      };
      const onDeath = (err: unknown) => {
        cleanup();
        this.all.delete(w);
        void w.terminate();
        // Replace the lost worker so queued jobs still run.
        const next = this.waiting.shift();
        if (next) next(this.spawn());
        const oom = (err as { code?: string } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
        const failure: JobFailure =
          stopped ??
          (oom
            ? {
                code: 'limit/file-memory',
                message: `analysis stopped: its worker ran out of its ${memoryMb} MB heap (limit file.memoryMb)`,
              }
            : {
                code: 'internal/worker-failed',
                message: `analysis worker lost: ${
                  err instanceof Error ? firstLine(err.message) : `exit code ${String(err)}`
                }`,
              });
        resolve({ failure: { ...failure, ...(partial ? { partial } : {}) } });
      };
      const watchdog = setTimeout(() => {
        stopped = { code: 'limit/file-time', message: `analysis stopped after ${timeMs} ms (limit file.timeMs)` };
        void w.terminate();
      }, timeMs);
      const cleanup = () => {
        clearTimeout(watchdog);
        w.off('message', onMessage);
        w.off('error', onDeath);
        w.off('exit', onDeath);
      };
      w.on('message', onMessage);
      w.on('error', onDeath);
      w.on('exit', onDeath);
      if (job.bytes) {
        // Hand the bytes over without a copy when the buffer owns its memory outright.
        const b = job.bytes;
        const owned =
          b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && !(b.buffer instanceof SharedArrayBuffer);
        const bytes = owned ? new Uint8Array(b.buffer) : new Uint8Array(b);
        w.postMessage({ id, fsPath: '', logicalPath: job.logicalPath, bytes }, [bytes.buffer]);
      } else w.postMessage({ id, fsPath: job.fsPath, logicalPath: job.logicalPath });
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.all].map((w) => w.terminate()));
    this.all.clear();
    this.idle.length = 0;
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0] as string;
}
