import { matchKinds } from './list-mechanism.js';
import type { CodeModel } from './model.js';
import { callersOfApi, reachDown } from './reach.js';
import { callsWithRole, describe } from './semantics.js';
import { USE_RETURN } from './values.js';

/**
 * The "use" signal of a keyword list (issue 10): given where a list lives — an asset path, or the class
 * and method whose code holds its `String[]` — the methods that load its entries and what they do with
 * them: substring, regex, whole-word or set matching over text, case folding, building a set, trie or
 * automaton, masking with `*`. Typed evidence for the keyword-list detector to weigh.
 */

export type ListOperation =
  | 'substring'
  | 'regex'
  | 'whole-word'
  | 'set-lookup'
  | 'case-folding'
  | 'replace'
  | 'masking'
  | 'automaton'
  | 'builds-set';

export interface ListLocation {
  /** Asset path as the app opens it (`filter/words.txt`), matched on the end of the path given. */
  asset?: string;
  className?: string;
  method?: string;
}

export interface ListUse {
  /** The method that reads the entries (opens the asset, reads the array or the field holding it). */
  loader: string;
  /** The method that matches them, and the path from the loader to it. */
  user: string;
  path: string[];
  operations: ListOperation[];
}

export interface ListUseResult {
  uses: ListUse[];
  /** True when a bound stopped the search. */
  cut: boolean;
}

const MAX_LOADERS = 32;

export function listUse(model: CodeModel, where: ListLocation): ListUseResult {
  const loaders = new Set<number>();
  const fields = new Set<string>();
  if (where.asset) {
    const want = where.asset.replace(/^assets\//, '');
    for (const id of callersOfApi(model, 'Landroid/content/res/AssetManager;->open')) {
      const s = model.summary(id);
      if (!s) continue;
      for (const c of callsWithRole(model, s, ['asset-open'])) {
        const name = describe(s, c.value);
        if (name && (name === want || want.endsWith(`/${name}`) || name.endsWith(want))) loaders.add(id);
      }
    }
  }
  if (where.className) {
    for (const id of model.classMethods(where.className)) {
      const m = model.method(id);
      if (where.method && m.name !== where.method) continue;
      const s = model.summary(id);
      if (!s) continue;
      // The array is stored in a field (static initialiser) or returned to the callers.
      for (const w of s.fields) if (w.write && w.value?.k === 'arr') fields.add(w.field);
      if (s.returns.some((v) => v.k === 'arr')) for (const e of model.in(id)) loaders.add(e.to);
      if (!where.method || s.fields.length === 0) loaders.add(id);
    }
    for (const f of fields) for (const r of model.fieldReaders(f)) loaders.add(r);
  }
  // Loaders that keep the entries in a collection field hand them to that field's readers.
  const via = new Map<number, { loader: number; field: string }>();
  for (const l of [...loaders]) {
    for (const w of model.summary(l)?.fields ?? []) {
      if (!w.write || !/^(?:Ljava\/util\/|\[Ljava\/lang\/String;)/.test(w.field.slice(w.field.indexOf(':') + 1)))
        continue;
      fields.add(w.field);
      for (const r of model.fieldReaders(w.field)) {
        if (r === l || loaders.has(r)) continue;
        loaders.add(r);
        via.set(r, { loader: l, field: w.field });
      }
    }
  }
  const uses: ListUse[] = [];
  let cut = false;
  for (const l of [...loaders].slice(0, MAX_LOADERS)) {
    const s = model.summary(l);
    if (!s) continue;
    // Getters hand the entries to their callers; follow one level up.
    const starts = s.fields.some((a) => !a.write && fields.has(a.field) && a.use & USE_RETURN)
      ? [l, ...model.in(l).map((e) => e.to)]
      : [l];
    const reach = reachDown(model, starts, 3, 120);
    if (reach.size >= 120) cut = true;
    const origin = via.get(l);
    const head = origin
      ? [
          model.name(origin.loader),
          `via field ${origin.field.slice(origin.field.indexOf('->') + 2, origin.field.indexOf(':'))} → ${model.name(l)}`,
        ]
      : [model.name(l)];
    for (const id of reach) {
      const ms = model.summary(id);
      if (!ms) continue;
      const ops = new Set<ListOperation>(matchKinds(model, ms) as ListOperation[]);
      if (
        ms.calls.some(
          (c) =>
            /->(?:add|addAll|put)$/.test(c.callee) &&
            /Set;|Map;|Collection;/.test(c.callee + model.apiNames(c.ref).join()),
        )
      )
        ops.add('builds-set');
      const matching = [...ops].some((o) => o !== 'builds-set' && o !== 'case-folding');
      if (!matching) continue;
      const path = id === l ? head : [...head, `→ ${model.name(id)}`];
      uses.push({
        loader: model.name(origin ? origin.loader : l),
        user: model.name(id),
        path,
        operations: [...ops].sort(),
      });
    }
  }
  return { uses, cut: cut || loaders.size > MAX_LOADERS };
}
