import { calleesOrTasks, callersOrCreators } from './callbacks.js';
import type { CodeModel, EdgeKind } from './model.js';
import { readsOfKey, storedUnder } from './preference-flow.js';
import { USE_ARG, USE_BRANCH, USE_RETURN, USE_STORE, type PassedTo, type Value } from './values.js';

/**
 * Bounded path queries over the code model. A value flows up from the method that produces it (a region
 * read, a parsed response) to the callers that use its result: returned further up, stored in a field and
 * read elsewhere, stored in preferences and read back under the same key, passed to a method of the app (a
 * setter that stores it, a helper that tests it), or tested in a branch. A method that branches on it is a
 * gate; from a gate, calls flow down (direct, virtual, lambda and asynchronous edges) to the code a query
 * looks for. Every query is breadth-first (shortest paths first), bounded in hops and in visited methods,
 * and says when a bound cut it.
 */

export interface PathStep {
  method: number;
  /** How this step was reached from the previous one. */
  /** `created`: the previous step creates the object whose callback this method is. */
  via: 'source' | 'returned-to' | 'passed-to' | 'field' | 'preference' | 'gate' | 'created' | EdgeKind;
  /** The field (`field`), the preference key (`preference`) or the API carrying an asynchronous edge. */
  detail?: string;
}

export interface PathQueryResult {
  paths: PathStep[][];
  /** True when the hop or visit bound stopped the search before it ran out of methods. */
  cut: boolean;
  visited: number;
}

/**
 * The value followed: the result of call site `site` of a method's summary, or, with `field`, what the
 * method reads from that field (`Lcls;->name:type`; `site` is then unused).
 */
export interface ValueSource {
  method: number;
  site: number;
  field?: string;
}

const MAX_UP_HOPS = 6;
const MAX_DOWN_HOPS = 8;

/** Methods that branch on a value produced at `source`, with the path from the source to each. */
export function gatesOf(
  model: CodeModel,
  source: ValueSource,
  budget: { visits: number },
): { gates: PathStep[][]; cut: boolean } {
  const gates: PathStep[][] = [];
  let cut = false;
  /** `given`: the arguments a `passed-to` method was called with (a helper's key is its caller's constant). */
  type Node = { method: number; use: number; stored: string[]; passed: PassedTo[]; path: PathStep[]; given?: Value[] };
  const first = source.field
    ? fieldReadUse(model, source.method, source.field)
    : model.summary(source.method)?.calls[source.site];
  if (!first) return { gates, cut };
  const queue: Node[] = [
    {
      method: source.method,
      use: first.use,
      stored: first.storedTo,
      passed: first.passedTo ?? [],
      path: [{ method: source.method, via: 'source' }],
    },
  ];
  const seen = new Set<string>();
  while (queue.length) {
    const n = queue.shift() as Node;
    if (budget.visits-- <= 0) {
      cut = true;
      break;
    }
    // Only a branch gates: a value passed on as an argument (a header, a log line, a fingerprint) decides nothing here.
    if (n.use & USE_BRANCH) gates.push(n.path);
    if (n.path.length > MAX_UP_HOPS) {
      if (n.use & (USE_RETURN | USE_STORE)) cut = true;
      continue;
    }
    if (n.use & USE_RETURN) {
      // Callers that use the result of calling this method.
      for (const e of model.in(n.method)) {
        if (e.kind !== 'call' && e.kind !== 'virtual') continue;
        const key = `r${e.to}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const s = model.summary(e.to);
        if (!s) continue;
        const target = model.name(n.method);
        let use = 0;
        const stored: string[] = [];
        const passed: PassedTo[] = [];
        for (const c of s.calls) {
          if (c.pc === e.pc || c.callee === target) {
            use |= c.use;
            stored.push(...c.storedTo);
            passed.push(...(c.passedTo ?? []));
          }
        }
        if (use)
          queue.push({ method: e.to, use, stored, passed, path: [...n.path, { method: e.to, via: 'returned-to' }] });
      }
    }
    if (n.use & USE_STORE) {
      for (const f of n.stored) {
        for (const r of model.fieldReaders(f)) {
          const key = `f${r}|${f}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const s = model.summary(r);
          if (!s) continue;
          let use = 0;
          const passed: PassedTo[] = [];
          for (const a of s.fields) {
            if (a.write || a.field !== f) continue;
            use |= a.use;
            passed.push(...(a.passedTo ?? []));
          }
          // A read stored again into another field would loop through setters; follow one field hop.
          use &= ~USE_STORE;
          if (use)
            queue.push({
              method: r,
              use,
              stored: [],
              passed,
              path: [...n.path, { method: r, via: 'field', detail: f }],
            });
        }
      }
    }
    if (n.use & USE_ARG) {
      // Methods of the app the value is passed to: a setter stores it, a helper may branch on it.
      const s = model.summary(n.method);
      for (const p of n.passed) {
        const call = s?.calls[p.site];
        if (!call) continue;
        const key = storedUnder(call, p, n.given);
        if (key) {
          const { reads, capped } = readsOfKey(model, key);
          if (capped) cut = true;
          for (const r of reads) {
            const seenKey = `k${r.method}|${r.site}`;
            if (seen.has(seenKey)) continue;
            seen.add(seenKey);
            const read = model.summary(r.method)?.calls[r.site];
            if (!read?.use) continue;
            queue.push({
              method: r.method,
              use: read.use,
              stored: read.storedTo,
              passed: read.passedTo ?? [],
              path: [...n.path, { method: r.method, via: 'preference', detail: key }],
            });
          }
        }
        for (const e of model.out(n.method)) {
          if (e.pc !== call.pc || (e.kind !== 'call' && e.kind !== 'virtual')) continue;
          const key = `p${e.to}|${p.arg}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const param = model.summary(e.to)?.params[p.arg];
          if (!param?.use) continue;
          queue.push({
            method: e.to,
            use: param.use,
            stored: param.storedTo,
            passed: param.passedTo,
            given: call.args,
            path: [...n.path, { method: e.to, via: 'passed-to' }],
          });
        }
      }
    }
  }
  return { gates, cut };
}

/** How a method uses what it reads from a field, over all its reads of it; null when it does not read it. */
function fieldReadUse(
  model: CodeModel,
  method: number,
  field: string,
): { use: number; storedTo: string[]; passedTo: PassedTo[] } | null {
  const s = model.summary(method);
  if (!s) return null;
  let use = 0;
  const passedTo: PassedTo[] = [];
  let reads = false;
  for (const a of s.fields) {
    if (a.write || a.field !== field) continue;
    reads = true;
    use |= a.use;
    passedTo.push(...(a.passedTo ?? []));
  }
  return reads ? { use, storedTo: [], passedTo } : null;
}

/** Shortest call paths from `starts` down to methods satisfying `isSink` (one path per sink reached). */
export function pathsDown(
  model: CodeModel,
  starts: number[],
  isSink: (id: number) => boolean,
  budget: { visits: number },
  maxHops = MAX_DOWN_HOPS,
  maxPaths = 8,
): PathQueryResult {
  const parent = new Map<number, { from: number; via: PathStep['via']; detail?: string }>();
  const depth = new Map<number, number>();
  const queue: number[] = [];
  for (const s of starts) {
    if (!parent.has(s)) {
      parent.set(s, { from: -1, via: 'gate' });
      depth.set(s, 0);
      queue.push(s);
    }
  }
  const paths: PathStep[][] = [];
  let cut = false;
  let visited = 0;
  // Iterating the queue while it grows visits what is pushed (breadth-first).
  for (const id of queue) {
    visited++;
    if (budget.visits-- <= 0) {
      cut = true;
      break;
    }
    if (isSink(id)) {
      paths.push(unwind(parent, id));
      if (paths.length >= maxPaths) break;
      continue;
    }
    const d = depth.get(id) as number;
    if (d >= maxHops) {
      if (model.out(id).length) cut = true;
      continue;
    }
    for (const e of calleesOrTasks(model, id)) {
      if (parent.has(e.to)) continue;
      parent.set(e.to, { from: id, via: e.kind, ...(e.via ? { detail: e.via } : {}) });
      depth.set(e.to, d + 1);
      queue.push(e.to);
    }
  }
  return { paths, cut, visited };
}

/** Shortest call paths from methods satisfying `isRoot` down to `target`, searched upwards over callers. */
export function pathsUp(
  model: CodeModel,
  target: number,
  isRoot: (id: number) => boolean,
  budget: { visits: number },
  maxHops = MAX_DOWN_HOPS,
  maxPaths = 8,
): PathQueryResult {
  const next = new Map<number, { to: number; via: PathStep['via']; detail?: string }>();
  const depth = new Map<number, number>([[target, 0]]);
  next.set(target, { to: -1, via: 'source' });
  const queue = [target];
  const paths: PathStep[][] = [];
  let cut = false;
  let visited = 0;
  // Iterating the queue while it grows visits what is pushed (breadth-first).
  for (const id of queue) {
    visited++;
    if (budget.visits-- <= 0) {
      cut = true;
      break;
    }
    if (isRoot(id)) {
      const path: PathStep[] = [];
      let cur = id;
      let via: PathStep['via'] = 'source';
      let detail: string | undefined;
      while (cur !== -1) {
        path.push({ method: cur, via, ...(detail ? { detail } : {}) });
        const n = next.get(cur) as { to: number; via: PathStep['via']; detail?: string };
        via = n.via;
        detail = n.detail;
        cur = n.to;
      }
      paths.push(path);
      if (paths.length >= maxPaths) break;
    }
    const d = depth.get(id) as number;
    if (d >= maxHops) {
      if (model.in(id).length) cut = true;
      continue;
    }
    for (const e of callersOrCreators(model, id)) {
      if (next.has(e.to)) continue;
      next.set(e.to, { to: id, via: e.kind, ...(e.via ? { detail: e.via } : {}) });
      depth.set(e.to, d + 1);
      queue.push(e.to);
    }
  }
  return { paths, cut, visited };
}

function unwind(parent: Map<number, { from: number; via: PathStep['via']; detail?: string }>, id: number): PathStep[] {
  const out: PathStep[] = [];
  let cur = id;
  while (cur !== -1) {
    const p = parent.get(cur) as { from: number; via: PathStep['via']; detail?: string };
    out.push({ method: cur, via: p.via, ...(p.detail ? { detail: p.detail } : {}) });
    cur = p.from;
  }
  return out.reverse();
}

/** A path as evidence: `Lcls;->name` per step, with how each step was reached. */
export function renderPath(model: CodeModel, path: PathStep[]): string[] {
  return path.map((s, i) => {
    const name = model.name(s.method);
    if (i === 0) return name;
    const how =
      s.via === 'field'
        ? `via field ${s.detail?.slice(s.detail.indexOf('->') + 2, s.detail.indexOf(':'))}`
        : s.via === 'preference'
          ? `via preference "${s.detail}"`
          : s.via === 'async' || s.via === 'start'
            ? `${s.via} via ${s.detail}`
            : s.via === 'created'
              ? 'creates the callback'
              : s.via;
    return `${how} → ${name}`;
  });
}
