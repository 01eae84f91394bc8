import { calleesOrTasks, callersOrCreators } from './callbacks.js';
import type { CodeModel } from './model.js';

const accessorFlags = new WeakMap<CodeModel, Uint8Array>();

/**
 * Whether a method is a compiler's synthetic accessor (`access$500`), which only forwards a call into a
 * private member of an outer class: a hop through one is no hop, as it is none in the source.
 */
export function isAccessor(model: CodeModel, id: number): boolean {
  let flags = accessorFlags.get(model);
  if (!flags) accessorFlags.set(model, (flags = new Uint8Array(model.methodCount)));
  if (id < 0 || id >= flags.length) return false;
  if (flags[id] === 0) flags[id] = model.method(id).name.startsWith('access$') ? 2 : 1;
  return flags[id] === 2;
}

/** Breadth-first over `next` edges within `hops` (starts included), accessors taking no hop, at most `max`. */
function reach(
  model: CodeModel,
  starts: number[],
  hops: number,
  max: number,
  edges: (id: number) => Array<{ to: number }>,
): Set<number> {
  const seen = new Set<number>(starts);
  let frontier = [...starts];
  for (let h = 0; h < hops && frontier.length && seen.size < max; h++) {
    const next: number[] = [];
    // The frontier grows while it is walked: an accessor reached is followed within the same hop.
    for (let i = 0; i < frontier.length; i++) {
      for (const e of edges(frontier[i]!)) {
        if (seen.has(e.to) || seen.size >= max) continue;
        seen.add(e.to);
        (isAccessor(model, e.to) ? frontier : next).push(e.to);
      }
    }
    frontier = next;
  }
  return seen;
}

/** Methods reachable from `starts` over call edges within `hops` (starts included), at most `max` of them. */
export function reachDown(model: CodeModel, starts: number[], hops: number, max = 400): Set<number> {
  return reach(model, starts, hops, max, (id) => calleesOrTasks(model, id));
}

/** Callers of `starts` within `hops` (starts included). */
export function reachUp(model: CodeModel, starts: number[], hops: number, max = 200): Set<number> {
  return reach(model, starts, hops, max, (id) => callersOrCreators(model, id));
}

/** App methods calling `Lcls;->name`: a library API, or a method of a library bundled in the app (OkHttp, Volley). */
export function callersOfApi(model: CodeModel, api: string): number[] {
  const out = new Set(model.apiCallers(api));
  for (const id of model.methodsNamed(api)) for (const e of model.in(id)) out.add(e.to);
  return [...out];
}
