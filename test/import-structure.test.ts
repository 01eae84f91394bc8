import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The shape docs/ARCHITECTURE.md promises: no module of src/ imports another at run time in a loop (a loop
 * makes load order decide which side sees `undefined`). `import type` is erased at build and left out.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
// Static imports and re-exports, over several lines where a list of names wraps.
const STATIC_IMPORT = /^(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

function runtimeImports(file: string, known: Set<string>): string[] {
  const out: string[] = [];
  for (const m of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
    if (m[1] || !m[2]) continue;
    const target = normalize(join(dirname(file), m[2].replace(/\.js$/, '.ts')));
    if (known.has(target)) out.push(target);
  }
  return out;
}

/** Strongly connected components of more than one file (Tarjan), each as paths relative to the root. */
function importLoops(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const loops: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop(); w !== undefined; w = stack.pop()) {
      onStack.delete(w);
      component.push(relative(ROOT, w));
      if (w === v) break;
    }
    if (component.length > 1) loops.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return loops;
}

describe('import structure of src/', () => {
  const files = sourceFiles(SRC);
  const known = new Set(files);
  const graph = new Map(files.map((f) => [f, runtimeImports(f, known)]));

  it('reads the imports of every module', () => {
    // The pattern must see the pipeline's real edges, or an empty graph would pass the loop check.
    const scan = graph.get(join(SRC, 'scan', 'analyze.ts')) ?? [];
    expect(scan.map((f) => relative(ROOT, f))).toContain(join('src', 'containers', 'sniff.ts'));
    const edges = [...graph.values()].reduce((n, e) => n + e.length, 0);
    expect(edges).toBeGreaterThan(files.length);
  });

  it('finds a loop when there is one', () => {
    const a = join(SRC, 'a.ts');
    const b = join(SRC, 'b.ts');
    const c = join(SRC, 'c.ts');
    const loops = importLoops(
      new Map([
        [a, [b]],
        [b, [a, c]],
        [c, []],
      ]),
    );
    expect(loops).toEqual([[join('src', 'a.ts'), join('src', 'b.ts')]]);
  });

  it('has no module importing itself back at run time', () => {
    expect(importLoops(graph)).toEqual([]);
  });
});
