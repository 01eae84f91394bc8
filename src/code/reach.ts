import type { CodeModel } from './model.js';

/** Methods reachable from `starts` over call edges within `hops` (starts included), at most `max` of them. */
export function reachDown(model: CodeModel, starts: number[], hops: number, max = 400): Set<number> {
  const seen = new Set<number>(starts);
  let frontier = [...starts];
  for (let h = 0; h < hops && frontier.length && seen.size < max; h++) {
    const next: number[] = [];
    for (const id of frontier) {
      for (const e of model.out(id)) {
        if (seen.has(e.to) || seen.size >= max) continue;
        seen.add(e.to);
        next.push(e.to);
      }
    }
    frontier = next;
  }
  return seen;
}

/** Callers of `starts` within `hops` (starts included). */
export function reachUp(model: CodeModel, starts: number[], hops: number, max = 200): Set<number> {
  const seen = new Set<number>(starts);
  let frontier = [...starts];
  for (let h = 0; h < hops && frontier.length && seen.size < max; h++) {
    const next: number[] = [];
    for (const id of frontier) {
      for (const e of model.in(id)) {
        if (seen.has(e.to) || seen.size >= max) continue;
        seen.add(e.to);
        next.push(e.to);
      }
    }
    frontier = next;
  }
  return seen;
}

/** App methods calling `Lcls;->name`: a library API, or a method of a library bundled in the app (OkHttp, Volley). */
export function callersOfApi(model: CodeModel, api: string): number[] {
  const out = new Set(model.apiCallers(api));
  for (const id of model.methodsNamed(api)) for (const e of model.in(id)) out.add(e.to);
  return [...out];
}
