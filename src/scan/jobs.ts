import { errorCode, errorMessage } from '../io/errors.js';
import { sha256, shortHash } from '../io/hash.js';
import type { Artefact } from '../model.js';
import type { Store } from '../store/sqlite.js';
import type { FirmwareFile } from '../acquire/walk.js';
import { failedResult, type FileResult } from './analyze-context.js';
import type { AnalyzeSettings } from './context.js';
import { hashFile, type OpenedFirmware } from '../acquire/firmware-inputs.js';
import type { InputFile } from '../acquire/inputs.js';
import { WorkerPool, type JobFailure } from './pool.js';
import { relocate } from './relocate.js';

/**
 * Runs the scan's jobs (input files, and files read out of firmware): reuses stored results for content
 * analysed before, analyses the rest on worker threads, and stores each result as it arrives.
 */

export type Job = { logicalPath: string; size: number } & (
  { kind: 'file'; file: InputFile } | { kind: 'firmware'; firmware: number; file: FirmwareFile }
);

export function jobsOf(files: InputFile[], firmwares: OpenedFirmware[]): Job[] {
  const jobs: Job[] = files.map((file): Job => ({
    kind: 'file',
    file,
    size: file.size,
    logicalPath: file.logicalPath,
  }));
  firmwares.forEach((fw, index) => {
    for (const f of fw.walk.files)
      jobs.push({ kind: 'firmware', firmware: index, file: f, size: f.size, logicalPath: f.logicalPath });
  });
  return jobs;
}

export interface RunOptions {
  store?: Store | null;
  noCache?: boolean;
  jobs?: number;
  /** Told of each job's result, with whether it came from the store. */
  finish: (i: number, result: FileResult, cached: boolean) => void;
}

/** Runs every job; returns the number of workers used. */
export async function runJobs(jobs: Job[], key: string, settings: AnalyzeSettings, o: RunOptions): Promise<number> {
  const store = o.noCache ? null : (o.store ?? null);
  const remember = (i: number, job: Job, r: FileResult) => {
    // Stored as each result arrives, so an interrupted scan resumes without redoing finished files.
    if (o.store && r.sha256) o.store.cacheResult(key, job.logicalPath, r);
    o.finish(i, r, false);
  };
  const pending: number[] = [];
  for (const [i, job] of jobs.entries()) {
    const cached = job.kind === 'file' && store ? await lookup(store, key, job.file) : null;
    if (cached) o.finish(i, cached, true);
    else pending.push(i);
  }
  const workerCount = Math.max(1, Math.min(o.jobs ?? 2, pending.length));
  // Even a single file is analysed on a worker: only there do the time and memory budgets hold, and a
  // file that exceeds them costs its own result, never the scan.
  const pool = pending.length > 0 ? new WorkerPool(workerCount, settings) : null;
  if (!pool) return workerCount;
  try {
    // One more job in flight than workers, so a firmware file is being read while the workers analyse.
    await runLimited(pending, workerCount + 1, async (i) => {
      const job = jobs[i];
      if (!job) return;
      if (job.kind === 'file') {
        const outcome = await pool.run(job.file);
        remember(i, job, 'result' in outcome ? outcome.result : lost(job.logicalPath, job.size, outcome.failure));
        return;
      }
      await runFirmwareJob(i, job, key, store, pool, o.finish, remember);
    });
  } finally {
    await pool.close();
  }
  return workerCount;
}

async function runFirmwareJob(
  i: number,
  job: Job & { kind: 'firmware' },
  key: string,
  store: Store | null,
  pool: WorkerPool,
  finish: RunOptions['finish'],
  remember: (i: number, job: Job, r: FileResult) => void,
): Promise<void> {
  let bytes: Buffer;
  try {
    bytes = job.file.read();
  } catch (err) {
    finish(i, failedResult(job.logicalPath, job.size, errorCode(err), errorMessage(err)), false);
    return;
  }
  const hit = store?.cachedResult(sha256(bytes), key);
  if (hit) {
    finish(i, relocate(hit.result, hit.rootPath, job.logicalPath), true);
    return;
  }
  const outcome = await pool.run({ fsPath: '', logicalPath: job.logicalPath, bytes });
  remember(i, job, 'result' in outcome ? outcome.result : lost(job.logicalPath, job.size, outcome.failure));
  // Let progress events and worker messages through between synchronous reads.
  await new Promise((r) => setImmediate(r));
}

/** Runs `fn` over `items` with at most `limit` running at once. */
async function runLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (let item = items[next++]; item !== undefined; item = items[next++]) await fn(item);
    }),
  );
}

async function lookup(store: Store, key: string, file: InputFile): Promise<FileResult | null> {
  const digest = await hashFile(file.fsPath);
  const hit = store.cachedResult(digest, key);
  return hit ? relocate(hit.result, hit.rootPath, file.logicalPath) : null;
}

/**
 * The result of a file whose worker was stopped or lost: its diagnostic, and the file as an artefact when
 * its digest was known. Not cached (no top-level digest): a time budget depends on the machine's load.
 */
function lost(path: string, size: number, failure: JobFailure): FileResult {
  const r = failedResult(path, size, failure.code, failure.message);
  if (failure.partial) {
    const artefact: Artefact = {
      id: shortHash(path),
      parentId: null,
      kind: 'file',
      path,
      sha256: failure.partial.sha256,
      size: failure.partial.size,
    };
    r.artefacts.push(artefact);
    const [diagnostic] = r.diagnostics;
    if (diagnostic) diagnostic.artefactId = artefact.id;
  }
  return r;
}
