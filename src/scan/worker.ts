import { parentPort, workerData } from 'node:worker_threads';
import { analyzeBytes, analyzeFile } from './analyze.js';
import { buildContext, type AnalyzeSettings } from './context.js';

/** Worker thread: builds the analysis context once, then analyses the files it is sent, one at a time. */

interface Job {
  id: number;
  fsPath: string;
  logicalPath: string;
  /** Content read out of a firmware image; `fsPath` is then empty. */
  bytes?: Uint8Array;
}

const ctx = buildContext(workerData as AnalyzeSettings);
const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');
port.on('message', (job: Job) => {
  ctx.onDigest = (hashed) => port.postMessage({ id: job.id, hashed });
  try {
    const result = job.bytes
      ? analyzeBytes(Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength), job.logicalPath, ctx)
      : analyzeFile(job.fsPath, job.logicalPath, ctx);
    port.postMessage({ id: job.id, result });
  } catch (err) {
    port.postMessage({ id: job.id, error: (err as Error).stack ?? String(err) });
  }
});
