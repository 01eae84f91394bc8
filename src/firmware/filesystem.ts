import type { ByteSource } from '../io/byte-source.js';

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
  walk(visit: (entry: FsEntry) => void, problem: (p: FsProblem) => void): void;
  /** The file's content. Throws MalformedInputError or LimitExceededError. */
  readFile(entry: FsEntry, maxBytes: number): Buffer;
}

export const MAX_FS_DEPTH = 64;
export const MAX_FS_ENTRIES = 2_000_000;

export type { ByteSource };
