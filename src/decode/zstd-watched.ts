import { createRequire } from 'node:module';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { LimitExceededError, MalformedInputError } from '../io/errors.js';

/**
 * zstd frames decoded by fzstd on a helper thread that the caller waits for with a deadline.
 *
 * Why: fzstd's Huffman-weight reader loops forever on a frame whose weight table gives every state zero
 * bits (a 298-byte input found by `npm run fuzz`), and a synchronous loop cannot be interrupted from its
 * own thread. The caller blocks on `Atomics.wait` with a timeout, so decoding stays synchronous for its
 * callers; past the deadline the thread is terminated and a fresh one serves the next call.
 */

interface Reply {
  ok?: Uint8Array;
  over?: true;
  error?: string;
}

/** Time one decode may take: a base plus what a slow machine needs for the output cap. */
export function zstdDeadlineMs(cap: number): number {
  return 2000 + Math.ceil(cap / (8 * 1024 * 1024)) * 1000;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Decompress } = require(workerData.fzstd);
const flag = new Int32Array(workerData.flag);
workerData.port.on('message', ({ frames, cap }) => {
  let reply;
  try {
    const parts = [];
    let total = 0;
    for (const frame of frames) {
      const stream = new Decompress((chunk) => {
        total += chunk.length;
        if (total > cap) throw Object.assign(new Error('over'), { over: true });
        if (chunk.length) parts.push(chunk.slice());
      });
      stream.push(frame, true);
    }
    const out = new Uint8Array(total);
    let p = 0;
    for (const c of parts) { out.set(c, p); p += c.length; }
    reply = { ok: out };
  } catch (err) {
    reply = err && err.over ? { over: true } : { error: String((err && err.message) || err) };
  }
  workerData.port.postMessage(reply, reply.ok ? [reply.ok.buffer] : []);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

let helper: { worker: Worker; port: MessagePort; flag: Int32Array } | null = null;

function startHelper(): NonNullable<typeof helper> {
  const fzstd = createRequire(import.meta.url).resolve('fzstd');
  const shared = new SharedArrayBuffer(4);
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { fzstd, flag: shared, port: port2 },
    transferList: [port2],
  });
  // An idle helper must not keep a finished scan's process alive; a helper that fails is replaced (the
  // waiting call then ends at its deadline) instead of its 'error' event ending the process.
  worker.unref();
  worker.on('error', () => {
    if (helper?.worker === worker) helper = null;
  });
  port1.unref();
  return { worker, port: port1, flag: new Int32Array(shared) };
}

/** Decodes whole zstd frames (already split and window-checked) to at most `cap` bytes, within a deadline. */
export function decodeZstdFrames(frames: Uint8Array[], cap: number, code: string, deadlineMs: number): Buffer {
  helper ??= startHelper();
  const { worker, port, flag } = helper;
  Atomics.store(flag, 0, 0);
  // Own copies (`new Uint8Array(f)` copies; a Buffer's slice would share, and moving it would detach the
  // caller's input), moved to the helper rather than cloned again: a payload operation may be 256 MiB.
  const copies = frames.map((f) => new Uint8Array(f));
  port.postMessage(
    { frames: copies, cap },
    copies.map((c) => c.buffer),
  );
  if (Atomics.wait(flag, 0, 0, deadlineMs) === 'timed-out') {
    void worker.terminate();
    helper = null;
    throw new LimitExceededError(
      'limit/zstd-time',
      `zstd decoding did not end within ${deadlineMs} ms (a malformed frame that never finishes decoding)`,
    );
  }
  const reply = receiveMessageOnPort(port)?.message as Reply | undefined;
  if (reply?.ok) return Buffer.from(reply.ok.buffer, reply.ok.byteOffset, reply.ok.byteLength);
  if (reply?.over) throw new LimitExceededError(code, `zstd output passes the limit of ${cap} bytes (${code})`);
  throw new MalformedInputError('zstd/bad-stream', `zstd: ${reply?.error ?? 'no answer from the decoder'}`);
}
