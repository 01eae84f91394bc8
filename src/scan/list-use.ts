import { codeUseSignal } from '../code/list-use.js';
import { builtCodeModel } from '../code/model.js';
import { appCodeFacts, neighbourhood, type CodeFacts } from '../correlate/code-facts.js';
import type { UseSignal } from '../lexicon/classify.js';
import type { ApkModel, TextBlob } from './apk-model.js';

/**
 * The "use" signal of a list: the code that loads it (the methods naming its file, or the method whose
 * constants it is) and what that code and its neighbours (same class, direct callers and callees) do with
 * text — match it (`contains`, `indexOf`, regular expressions), replace or mask it, or build a set or map
 * from it. One hop only: enough to tell a filter from a picker table; the refresh and region analyses go
 * further.
 */

const OPERATIONS: ReadonlyArray<[RegExp, string, boolean]> = [
  [/^Ljava\/lang\/String;->(contains|indexOf|lastIndexOf)$/, 'contains', true],
  [/^Ljava\/lang\/String;->(matches|replaceAll|replaceFirst)$/, 'regex', true],
  [/^Ljava\/util\/regex\/(Pattern|Matcher);->(compile|matcher|find|matches|replaceAll)$/, 'regex', true],
  [/^Ljava\/lang\/String;->replace$/, 'replace', true],
  [/^Ljava\/lang\/(StringBuilder|StringBuffer);->(replace|setCharAt)$/, 'replace', true],
  [/^Ljava\/lang\/String;->(toLowerCase|toUpperCase|equalsIgnoreCase)$/, 'case-folding', false],
  [
    /^Ljava\/util\/(HashSet|Set|TreeSet|LinkedHashSet|HashMap|Map|TreeMap);->(add|put|contains|containsKey|get)$/,
    'set',
    false,
  ],
  [/^Landroid\/content\/res\/AssetManager;->open$/, 'load', false],
  [/^Ljava\/io\/BufferedReader;->readLine$/, 'load', false],
  [/^Landroid\/widget\/(TextView|EditText);->(getText|setText)$/, 'ui-text', false],
];
const MASK = /^\*+$|^[*＊]{1,3}$/;
const MAX_METHODS = 12;

export function listUseSignal(app: ApkModel, blob: TextBlob): UseSignal | null {
  if (app.dexes.length === 0) return null;
  const near = neighbourSignal(app, blob);
  // The code model (built by the app detectors, which run first) follows the entries further: fields,
  // getters and three calls down (code/list-use.ts).
  const model = builtCodeModel(app);
  const far = model ? codeUseSignal(model, blob.location) : null;
  if (!far) return near;
  if (!near) return far;
  return {
    methods: [...new Set([...near.methods, ...far.methods])].slice(0, 2 * MAX_METHODS),
    operations: [...new Set([...near.operations, ...far.operations])].sort(),
    filters: near.filters || far.filters,
  };
}

function neighbourSignal(app: ApkModel, blob: TextBlob): UseSignal | null {
  const facts = appCodeFacts(app);
  const loaders = loaderMethods(facts, blob);
  if (loaders.length === 0) return null;
  const ops = new Set<string>();
  let filters = false;
  const appliers: string[] = [];
  for (const id of neighbourhood(facts, loaders)) {
    const m = facts.methods[id]!;
    let here = false;
    for (const found of facts.memoCalls('list-use', m, operationOf)) {
      if (!found) continue;
      ops.add(found[0]);
      if (found[1]) here = filters = true;
    }
    if (facts.memo('list-use-mask', m, (s) => MASK.test(s)).some(Boolean)) {
      ops.add('mask');
      here = filters = true;
    }
    if (here && appliers.length < MAX_METHODS) appliers.push(`${m.className}->${m.method}`);
  }
  const loaderNames = loaders
    .slice(0, MAX_METHODS)
    .map((id) => `${facts.methods[id]!.className}->${facts.methods[id]!.method}`);
  return { methods: [...new Set([...loaderNames, ...appliers])], operations: [...ops].sort(), filters };
}

function operationOf(callee: string): [string, boolean] | null {
  for (const [re, name, filters] of OPERATIONS) if (re.test(callee)) return [name, filters];
  return null;
}

function loaderMethods(facts: CodeFacts, blob: TextBlob): number[] {
  if (blob.location.className && blob.location.method) {
    const ids = facts.byClass.get(blob.location.className) ?? [];
    return ids.filter((id) => facts.methods[id]!.method === blob.location.method);
  }
  const inner = blob.location.path.slice(blob.location.path.lastIndexOf('!/') + 2);
  const base = inner.slice(inner.lastIndexOf('/') + 1);
  // A name of a few characters ("a", "1.txt") would match unrelated constants.
  if (base.length < 5) return [];
  return fileNameIndex(facts).get(base) ?? [];
}

const nameIndexes = new WeakMap<CodeFacts, Map<string, number[]>>();

/** Methods by the last path component of each file-name-like constant they load: built once per app. */
function fileNameIndex(facts: CodeFacts): Map<string, number[]> {
  let index = nameIndexes.get(facts);
  if (index) return index;
  index = new Map();
  const baseOf = (s: string): string | null => {
    if (s.length < 5 || s.length > 200 || !/^[\w./-]+$/.test(s) || !/[./]/.test(s)) return null;
    return s.slice(s.lastIndexOf('/') + 1) || null;
  };
  facts.methods.forEach((m, id) => {
    for (const base of new Set(facts.memo('file-name-base', m, baseOf))) {
      if (!base) continue;
      let l = index.get(base);
      if (!l) index.set(base, (l = []));
      l.push(id);
    }
  });
  nameIndexes.set(facts, index);
  return index;
}
