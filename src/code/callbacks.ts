import type { CodeModel, EdgeKind } from './model.js';

/**
 * Callbacks that the app hands through its own helpers. The model links a Runnable given to a Handler,
 * an Executor or a Thread, but real SDKs wrap those in a helper of their own (`ThreadUtils.post(r)`),
 * whose parameter reaches the library call; the model links the helper, not the code that creates the
 * Runnable. As an analyst follows the class's usages in jadx: the method that creates a Runnable (a
 * class of the app that implements `Runnable`, `Callable`, or extends `TimerTask` or `Thread`) leads to
 * its `run`/`call`, and a callback no call reaches is reached from the methods that create its object.
 */

/** An edge of a reach or path query: to a method, and how. */
export interface QueryEdge {
  to: number;
  /** `created`: the method creates the object whose callback the other one is. */
  kind: EdgeKind | 'created';
  via?: string;
}

const TASK_TYPES = new Set([
  'Ljava/lang/Runnable;',
  'Ljava/util/concurrent/Callable;',
  'Ljava/util/TimerTask;',
  'Ljava/lang/Thread;',
]);
const TASK_METHODS = new Set(['run', 'call']);
/** Names of the methods a callback object runs: a method no call reaches that has one of them. */
const CALLBACK_NAME = /^(?:run|call|handleMessage|on[A-Z]\w*|update|invoke|accept|apply|execute|doInBackground)$/;

const created = new WeakMap<CodeModel, Map<number, number[]>>();

/** The `run`/`call` methods of the app's task classes a method creates objects of. */
export function createdTasks(model: CodeModel, id: number): number[] {
  let known = created.get(model);
  if (!known) created.set(model, (known = new Map<number, number[]>()));
  const hit = known.get(id);
  if (hit) return hit;
  const out: number[] = [];
  for (const cls of model.createdClasses(id)) {
    if (!model.classDef(cls) || !model.ancestors(cls).some((a) => TASK_TYPES.has(a))) continue;
    for (const m of model.classMethods(cls)) if (TASK_METHODS.has(model.method(m).name) && m !== id) out.push(m);
  }
  known.set(id, out);
  return out;
}

/** A method's calls, then the tasks it creates that no call of it reaches already. */
export function calleesOrTasks(model: CodeModel, id: number): QueryEdge[] {
  const calls: QueryEdge[] = model.out(id);
  const tasks = createdTasks(model, id).filter((t) => !calls.some((e) => e.to === t));
  return tasks.length ? [...calls, ...tasks.map((to) => ({ to, kind: 'created' as const }))] : calls;
}

/** A method's callers; for a callback no call reaches, the methods that create its object. */
export function callersOrCreators(model: CodeModel, id: number): QueryEdge[] {
  const callers: QueryEdge[] = model.in(id);
  if (callers.length) return callers;
  const m = model.method(id);
  if (!CALLBACK_NAME.test(m.name)) return callers;
  return model
    .creators(m.cls)
    .filter((c) => model.method(c).cls !== m.cls)
    .map((to) => ({ to, kind: 'created' as const }));
}
