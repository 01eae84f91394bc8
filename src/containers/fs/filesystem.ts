import type { ByteSource } from '../../io/byte-source.js';
import { DEFAULT_LIMITS } from '../../io/limits.js';

/**
 * What every file-system reader offers the firmware walker: a depth-first listing and the bytes of one
 * file. Readers never follow symbolic links (a dump may link in circles or out of the image) and stop
 * at cycles, bounded depth and bounded entry counts, reporting each as a problem rather than failing.
 */

export type EntryType = 'file' | 'dir' | 'symlink' | 'other';

export interface FsEntry {
  /** Path inside the file system, starting with `/`. */
  path: string;
  type: EntryType;
  size: number;
  mode: number;
  /** Reader-specific handle (inode or node id). */
  node: number;
  /** Link target for symbolic links. */
  target?: string;
}

export interface FsProblem {
  code: string;
  message: string;
  path: string;
}

export interface FileSystem {
  readonly kind: 'ext4' | 'erofs' | 'folder';
  readonly label: string;
  /** Visits every entry below the root; problems are reported and the walk goes on. */
  walk(visit: (entry: FsEntry) => void, problem: (p: FsProblem) => void, bounds?: WalkBounds): void;
  /** The file's content. Throws MalformedInputError or LimitExceededError. */
  readFile(entry: FsEntry, maxBytes: number): Buffer;
}

/** How far one walk goes: `firmware.maxFsEntries` and `firmware.maxFsDepth` of the limits tree. */
export interface WalkBounds {
  maxFsEntries: number;
  maxFsDepth: number;
}

export const DEFAULT_WALK_BOUNDS: WalkBounds = {
  maxFsEntries: DEFAULT_LIMITS.firmware.maxFsEntries,
  maxFsDepth: DEFAULT_LIMITS.firmware.maxFsDepth,
};

export type { ByteSource };

/** The file type in an inode's mode (the same S_IFMT bits in ext4 and EROFS). */
export function typeOfMode(mode: number): EntryType {
  switch (mode & 0xf000) {
    case 0x8000:
      return 'file';
    case 0x4000:
      return 'dir';
    case 0xa000:
      return 'symlink';
    default:
      return 'other';
  }
}

/** What a file system gives the shared walk: a directory's children and one node's metadata. */
export interface TreeReader<N> {
  /** Prefix of diagnostic codes: `ext4`, `erofs`. */
  kind: string;
  root: number;
  node(id: number): N;
  mode(node: N): number;
  size(node: N): number;
  children(dir: N, path: string): Array<{ id: number; name: string }>;
  linkTarget(node: N, path: string): string;
}

/**
 * Depth-first walk shared by the image readers: never follows symbolic links, stops at directory
 * cycles, bounded depth and bounded entry counts, and turns every unreadable node into a problem while
 * the rest of the tree is still listed.
 */
export function walkTree<N>(
  r: TreeReader<N>,
  visit: (entry: FsEntry) => void,
  problem: (p: FsProblem) => void,
  bounds: WalkBounds = DEFAULT_WALK_BOUNDS,
): void {
  const { maxFsDepth, maxFsEntries } = bounds;
  const seen = new Set<number>();
  let count = 0;
  const recurse = (id: number, dirPath: string, depth: number): void => {
    if (depth > maxFsDepth)
      return problem({
        code: 'fs/too-deep',
        message: `directories nest deeper than ${maxFsDepth} (limit firmware.maxFsDepth)`,
        path: dirPath,
      });
    if (seen.has(id))
      return problem({
        code: 'fs/directory-cycle',
        message: `directory node ${id} appears twice in the tree`,
        path: dirPath,
      });
    seen.add(id);
    let entries: Array<{ id: number; name: string }>;
    try {
      entries = r.children(r.node(id), dirPath);
    } catch (err) {
      return problem({
        code: (err as { code?: string }).code ?? `${r.kind}/bad-directory`,
        message: (err as Error).message,
        path: dirPath,
      });
    }
    for (const e of entries) {
      if (e.name === '.' || e.name === '..') continue;
      if (++count > maxFsEntries)
        return problem({
          code: 'limit/fs-entries',
          message: `more than ${maxFsEntries} entries (limit firmware.maxFsEntries)`,
          path: dirPath,
        });
      const path = `${dirPath === '/' ? '' : dirPath}/${e.name}`;
      let node: N;
      try {
        node = r.node(e.id);
      } catch (err) {
        problem({ code: `${r.kind}/bad-inode`, message: (err as Error).message, path });
        continue;
      }
      const type = typeOfMode(r.mode(node));
      const entry: FsEntry = { path, type, size: r.size(node), mode: r.mode(node), node: e.id };
      if (type === 'symlink') {
        try {
          entry.target = r.linkTarget(node, path);
        } catch (err) {
          problem({ code: `${r.kind}/bad-symlink`, message: (err as Error).message, path });
        }
      }
      visit(entry);
      if (type === 'dir') recurse(e.id, path, depth + 1);
    }
  };
  recurse(r.root, '/', 0);
}
