import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataRoot, packageRoot } from '../data-path.js';
import { nativeAvailable } from '../io/native.js';

/**
 * What decides a file's result besides its bytes and the scan's options: the code that analysed it, the
 * data it consulted and the dependencies it ran on. The result cache is keyed on these hashes, so any
 * change of code, data or dependency version misses the cache, with no version number to bump by hand.
 */
export interface AnalyzerIdentity {
  /** sha256 of the compiled (dist/) or source (src/) files that ran. */
  code: string;
  /** sha256 of every file under data/. */
  data: string;
  /** sha256 of package.json's version and pinned dependency versions. */
  packages: string;
  /**
   * Optional native capabilities that loaded: without LZMA some blobs stay undecoded, and those results
   * must not outlive the install of the missing package. (YARA needs no entry: rules that cannot run are
   * left out of the settings, which are keyed already.)
   */
  natives: string[];
}

/** Written into dist/ by `npm run build`, so an installed Candor need not hash its own code at each scan. */
export const BUILD_STAMP = 'build-hash.json';

interface BuildStamp {
  sha256: string;
  files: number;
}

/**
 * sha256 over the files under `root` accepted by `include` (given the path relative to root, with `/`),
 * in code-unit order of their relative paths; each path and length is hashed before the bytes, so moving
 * bytes between files or renaming one changes the hash. Symbolic links and special files are ignored.
 */
export function hashTree(
  root: string,
  include: (relative: string) => boolean = () => true,
): { sha256: string; files: number } {
  const files: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const relative = prefix + e.name;
      if (e.isDirectory()) walk(join(dir, e.name), `${relative}/`);
      else if (e.isFile() && include(relative)) files.push(relative);
    }
  };
  walk(root, '');
  files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const h = createHash('sha256');
  for (const relative of files) {
    const bytes = readFileSync(join(root, relative));
    h.update(`${relative}\0${bytes.length}\0`);
    h.update(bytes);
  }
  return { sha256: h.digest('hex'), files: files.length };
}

/** The files whose content is Candor's behaviour: compiled JavaScript, or TypeScript sources without tests. */
export function isCodeFile(relative: string): boolean {
  if (relative.endsWith('.js')) return true;
  return relative.endsWith('.ts') && !relative.endsWith('.test.ts') && !relative.endsWith('.d.ts');
}

/** Hashes a code folder (dist/ after a build, src/ under tsx or vitest) and, for dist/, writes the stamp. */
export function writeBuildStamp(codeRoot: string): BuildStamp {
  const stamp = hashTree(codeRoot, isCodeFile);
  writeFileSync(join(codeRoot, BUILD_STAMP), `${JSON.stringify(stamp)}\n`);
  return stamp;
}

/**
 * The code hash of a code folder: its build stamp when one is there and no code file is newer than it
 * (a bare `tsc` after a build leaves an old stamp behind, which must not be trusted), else a fresh hash.
 */
export function codeHash(codeRoot: string): string {
  const stampPath = join(codeRoot, BUILD_STAMP);
  if (existsSync(stampPath)) {
    const stamped = statSync(stampPath).mtimeMs;
    let newest = 0;
    let count = 0;
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.isFile() && isCodeFile(e.name)) {
          count++;
          newest = Math.max(newest, statSync(p).mtimeMs);
        }
      }
    };
    walk(codeRoot);
    const stamp = JSON.parse(readFileSync(stampPath, 'utf8')) as Partial<BuildStamp>;
    if (newest <= stamped && stamp.files === count && typeof stamp.sha256 === 'string') return stamp.sha256;
  }
  return hashTree(codeRoot, isCodeFile).sha256;
}

/** Version and pinned dependencies: a different library build can decode or match differently. */
export function packagesHash(packageJsonPath: string): string {
  const pkg = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as Record<string, unknown>;
  const pinned = {
    version: pkg.version,
    dependencies: pkg.dependencies,
    optionalDependencies: pkg.optionalDependencies,
  };
  return createHash('sha256').update(JSON.stringify(pinned)).digest('hex');
}

/** The folder this module was loaded from sits in the code folder: src/ or dist/. */
function ownCodeRoot(): string {
  return dirname(dirname(fileURLToPath(import.meta.url)));
}

let current: AnalyzerIdentity | null = null;

/** This installation's identity, computed once per process (a few milliseconds: ~100 code files, ~10 data files). */
export function analyzerIdentity(): AnalyzerIdentity {
  current ??= {
    code: codeHash(ownCodeRoot()),
    data: hashTree(dataRoot()).sha256,
    packages: packagesHash(join(packageRoot(), 'package.json')),
    natives: nativeAvailable('lzma') ? ['lzma'] : [],
  };
  return current;
}
