import { DEFAULT_LIMITS } from '../io/limits.js';
import type { FlowState } from './flow-state.js';

/** Segments held back waiting for a gap before them to fill; more are dropped. */
const MAX_AHEAD = 32;
/** Server bytes kept per plaintext HTTP flow, for the responses' keyword lists. */
const RESPONSE_BYTES = 1024 * 1024;

/** One direction of a flow's retained stream, whichever fields of the flow hold it. */
interface Direction {
  next: number | undefined;
  len: number;
  parts: Buffer[];
  readonly ahead: Array<{ seq: number; data: Buffer }>;
}

function direction(flow: FlowState, dir: 'up' | 'down'): Direction {
  if (dir === 'up')
    return {
      get next() {
        return flow.nextSeq;
      },
      set next(v) {
        flow.nextSeq = v;
      },
      get len() {
        return flow.upLen;
      },
      set len(v) {
        flow.upLen = v;
      },
      parts: flow.up,
      get ahead() {
        return (flow.ahead ??= []);
      },
    };
  return {
    get next() {
      return flow.downSeq;
    },
    set next(v) {
      flow.downSeq = v;
    },
    get len() {
      return flow.downLen ?? 0;
    },
    set len(v) {
      flow.downLen = v;
    },
    parts: (flow.down ??= []),
    get ahead() {
      return (flow.downAhead ??= []);
    },
  };
}

/**
 * Takes a segment's new bytes when it starts at or before the next expected sequence number; false when
 * it starts after a gap (it must wait). Sequence arithmetic wraps at 2^32.
 */
function take(st: Direction, limit: number, s: number, d: Buffer): boolean {
  const next = st.next ?? s;
  const skip = (next - s) >>> 0;
  if (skip > 0x7fffffff) return false; // starts after the gap: not yet
  if (skip >= d.length) return true; // entirely old
  const part = d.subarray(skip, skip + Math.max(0, limit - st.len));
  st.parts.push(Buffer.from(part));
  st.len += part.length;
  st.next = (next + (d.length - skip)) >>> 0;
  return true;
}

/**
 * Adds bytes to a flow's retained stream in sequence order: retransmitted bytes are skipped, overlapping
 * segments contribute only their new tail, and segments that arrive early wait (a few at most) until the
 * gap before them is filled.
 */
export function appendInOrder(
  flow: FlowState,
  seq: number,
  data: Buffer,
  dir: 'up' | 'down' = 'up',
  upLimit = DEFAULT_LIMITS.capture.maxFlowBytes,
): void {
  const limit = dir === 'up' ? upLimit : RESPONSE_BYTES;
  const st = direction(flow, dir);
  if (st.next === undefined) st.next = seq;
  if (st.len >= limit) return;
  if (!take(st, limit, seq, data)) {
    if (st.ahead.length < MAX_AHEAD) st.ahead.push({ seq, data: Buffer.from(data) });
    return;
  }
  // Drain waiting segments that now fit.
  while (st.ahead.length && st.len < limit) {
    const i = st.ahead.findIndex((w) => take(st, limit, w.seq, w.data));
    if (i < 0) break;
    st.ahead.splice(i, 1);
  }
}

/** Whether a flow's first client bytes start a plaintext HTTP request. */
export function isHttpStart(first: Buffer | undefined): boolean {
  return !!first && /^(GET|POST|PUT|HEAD|DELETE|OPTIONS|PATCH) /.test(first.toString('latin1', 0, 8));
}
