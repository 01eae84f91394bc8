import { parentPort, workerData } from 'node:worker_threads';
import { analyzeFile } from './analyze.js';
import { buildContext, type AnalyzeSettings } from './context.js';

/** Worker thread: builds the analysis context once, then analyses the files it is sent, one at a time. */

interface Job {
  id: number;
  fsPath: string;
  logicalPath: string;
}

const ctx = buildContext(workerData as AnalyzeSettings);
const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');
port.on('message', (job: Job) => {
  try {
    port.postMessage({ id: job.id, result: analyzeFile(job.fsPath, job.logicalPath, ctx) });
  } catch (err) {
    port.postMessage({ id: job.id, error: (err as Error).stack ?? String(err) });
  }
});
