import { Worker } from 'node:worker_threads';
import type { FileResult } from './analyze.js';
import type { AnalyzeSettings } from './context.js';

/**
 * A fixed pool of worker threads analysing files in parallel. A worker that dies (out of memory on a
 * hostile file, a crash in a native module) fails only its current file; a fresh worker replaces it.
 */

export interface PoolJob {
  fsPath: string;
  logicalPath: string;
  /** In-memory content (a file from a firmware image); moved, not copied, to the worker. */
  bytes?: Buffer;
}

type Outcome = { result: FileResult } | { error: string };

export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private readonly waiting: Array<(w: Worker) => void> = [];
  private nextId = 0;

  constructor(
    private readonly size: number,
    private readonly settings: AnalyzeSettings,
    private readonly maxOldGenerationSizeMb = 4096,
  ) {}

  private spawn(): Worker {
    const options = { workerData: this.settings, resourceLimits: { maxOldGenerationSizeMb: this.maxOldGenerationSizeMb } };
    let w: Worker;
    if (import.meta.url.endsWith('.ts')) {
      // Running from TypeScript sources (tests, tsx): register tsx inside the worker, then load the worker module.
      // tsx is resolved from here, not from the process's working directory (which may be anywhere).
      const entry = new URL('./worker.ts', import.meta.url).href;
      const tsx = import.meta.resolve('tsx/esm/api');
      w = new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`, { ...options, eval: true });
    } else {
      w = new Worker(new URL('./worker.js', import.meta.url), options);
    }
    w.unref();
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
    return new Promise<Outcome>((resolve) => {
      const onMessage = (msg: { id: number; result?: FileResult; error?: string }) => {
        if (msg.id !== id) return;
        cleanup();
        this.release(w);
        resolve(msg.result ? { result: msg.result } : { error: msg.error ?? 'unknown worker error' });
      };
      const onDeath = (err: unknown) => {
        cleanup();
        this.all.delete(w);
        void w.terminate();
        // Replace the dead worker so queued jobs still run.
        const next = this.waiting.shift();
        if (next) next(this.spawn());
        resolve({ error: err instanceof Error ? err.message : `worker exited with code ${String(err)}` });
      };
      const cleanup = () => {
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
        const owned = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && !(b.buffer instanceof SharedArrayBuffer);
        const bytes = owned ? new Uint8Array(b.buffer) : new Uint8Array(b);
        w.postMessage({ id, fsPath: '', logicalPath: job.logicalPath, bytes }, [bytes.buffer as ArrayBuffer]);
      } else w.postMessage({ id, fsPath: job.fsPath, logicalPath: job.logicalPath });
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.all].map((w) => w.terminate()));
    this.all.clear();
    this.idle.length = 0;
  }
}
