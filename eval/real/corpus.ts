import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The real development set: `../shared/corpus/censorship-lists/` (Citizen Lab, CC BY-NC-SA), read at run
 * time and never copied into the repository. Each file becomes a `RealList`: where it lived inside its app
 * (`#` stands for `/` in the file name) and its entries as the dataset holds them.
 */

export const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');
export const SHARED_CORPUS = join(ROOT, '..', 'shared', 'corpus');
export const LISTS_DIR = join(SHARED_CORPUS, 'censorship-lists');
export const CORPUS_APK_DIR = join(SHARED_CORPUS, 'apk');
export const ANDROGUARD_EXAMPLES = '/usr/share/doc/androguard/examples';
export const WORK = join(ROOT, 'eval', '.work');

export interface RealList {
  /** Path under censorship-lists/ (also the list's id). */
  file: string;
  /** Absolute path of the file. */
  path: string;
  group: string;
  source: 'game' | 'open-source';
  /** For games, the app's package as the name gives it; for open-source lists, the GitHub path of line 1. */
  origin: string;
  /** For games, the path inside the APK the name encodes (`assets/...`, `lib/armeabi/x.so`, `jadx/...`). */
  apkPath: string;
  /** The list's text: the game file as extracted, or the open-source file without its two header lines. */
  text: string;
}

interface FilesJson {
  files: Array<{ file: string; group: string; sha256: string; size: number }>;
}

export function listsAvailable(): boolean {
  return existsSync(join(LISTS_DIR, 'files.json'));
}

/**
 * Splits a game file's name into the app and the path inside it. dataset1 names are
 * `PACKAGE#VERSION#path…`, dataset2 names `publisher#PACKAGE-VERSION.apk_FILES#path…`: both drop two parts.
 */
export function gamePathOf(name: string): { app: string; apkPath: string } {
  const parts = name.split('#');
  const [first = '', second = ''] = parts;
  if (parts.length < 3) return { app: first, apkPath: `assets/${parts.join('_')}` };
  const app = second.endsWith('.apk_FILES') ? second.replace(/-[^-]*\.apk_FILES$/, '') : first;
  return { app, apkPath: parts.slice(2).join('/') };
}

/** Drops the two header lines (GitHub path, blank) of an open-source list. */
export function openSourceBody(raw: string): { origin: string; body: string } {
  const lines = raw.split('\n');
  return { origin: (lines[0] ?? '').trim(), body: lines.slice(2).join('\n') };
}

export function loadRealLists(dir = LISTS_DIR): RealList[] {
  const index = JSON.parse(readFileSync(join(dir, 'files.json'), 'utf8')) as FilesJson;
  return index.files.map((f) => {
    const raw = readFileSync(join(dir, f.file), 'utf8');
    if (f.file.startsWith('games/')) {
      const { app, apkPath } = gamePathOf(basename(f.file));
      return {
        file: f.file,
        path: join(dir, f.file),
        group: f.group,
        source: 'game' as const,
        origin: app,
        apkPath,
        text: raw,
      };
    }
    const { origin, body } = openSourceBody(raw);
    const stem = (origin.split('/').pop() ?? 'words').replace(/\.[^.]*$/, '').replace(/[^\w.-]/g, '_') || 'words';
    return {
      file: f.file,
      path: join(dir, f.file),
      group: f.group,
      source: 'open-source' as const,
      origin,
      apkPath: `assets/${stem}.txt`,
      text: body,
    };
  });
}

/** A stable hash of a string, for deterministic choices (subsets, folds). */
export function stableHash(s: string): number {
  return createHash('sha256').update(s).digest().readUInt32BE(0);
}
