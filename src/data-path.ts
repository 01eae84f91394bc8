import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null = null;

/** The folder holding Candor's package.json, found upwards from `src/` (tests) or `dist/` (installed). */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'package.json'))) return (root = dir);
    dir = dirname(dir);
  }
  throw new Error("cannot locate Candor's package folder (and its data/)");
}

/** The package's `data/` folder: every table, list and lexicon a result depends on. */
export function dataRoot(): string {
  return join(packageRoot(), 'data');
}

/** Absolute path of a file under the package's `data/` folder. */
export function dataPath(relative: string): string {
  return join(dataRoot(), relative);
}
