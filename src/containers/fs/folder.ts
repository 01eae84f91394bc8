import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { LimitExceededError, MalformedInputError } from '../../io/errors.js';
import { DEFAULT_WALK_BOUNDS, type FileSystem, type FsEntry, type FsProblem, type WalkBounds } from './filesystem.js';

/**
 * An already-extracted firmware (`adb pull /system`, a `7z x` of an image, a FirmwareDroid export) read
 * as a file system, so it gets the same inventory, profile and findings as an image. Symbolic links are
 * listed, never followed.
 */
export class FolderFs implements FileSystem {
  readonly kind = 'folder' as const;
  readonly label: string;
  private readonly paths: string[] = [];

  constructor(private readonly root: string) {
    this.label = root.split('/').filter(Boolean).pop() ?? root;
  }

  walk(
    visit: (entry: FsEntry) => void,
    problem: (p: FsProblem) => void,
    bounds: WalkBounds = DEFAULT_WALK_BOUNDS,
  ): void {
    const { maxFsDepth, maxFsEntries } = bounds;
    let count = 0;
    const recurse = (dir: string, rel: string, depth: number) => {
      if (depth > maxFsDepth)
        return problem({
          code: 'fs/too-deep',
          message: `folders nest deeper than ${maxFsDepth} (limit firmware.maxFsDepth)`,
          path: rel || '/',
        });
      let names: string[];
      try {
        names = readdirSync(dir).sort();
      } catch (err) {
        return problem({ code: 'io/unreadable', message: (err as Error).message, path: rel || '/' });
      }
      for (const name of names) {
        if (++count > maxFsEntries)
          return problem({
            code: 'limit/fs-entries',
            message: `more than ${maxFsEntries} entries (limit firmware.maxFsEntries)`,
            path: rel || '/',
          });
        const full = join(dir, name);
        const path = `${rel}/${name}`;
        let st;
        try {
          st = lstatSync(full);
        } catch {
          continue;
        }
        const node = this.paths.push(full) - 1;
        if (st.isSymbolicLink())
          visit({ path, type: 'symlink', size: 0, mode: st.mode, node, target: safeReadlink(full) });
        else if (st.isDirectory()) {
          visit({ path, type: 'dir', size: 0, mode: st.mode, node });
          recurse(full, path, depth + 1);
        } else if (st.isFile()) visit({ path, type: 'file', size: st.size, mode: st.mode, node });
      }
    };
    recurse(this.root, '', 0);
  }

  readFile(entry: FsEntry, maxBytes: number): Buffer {
    const full = this.paths[entry.node];
    if (full === undefined)
      throw new MalformedInputError('fs/unknown-entry', `${entry.path} was not listed by this walk`);
    const fd = openSync(full, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size > maxBytes)
        throw new LimitExceededError(
          'limit/file-bytes',
          `${entry.path} is ${size} bytes, over the ${maxBytes}-byte limit`,
        );
      const out = Buffer.alloc(size);
      let done = 0;
      while (done < size) {
        const n = readSync(fd, out, done, size - done, done);
        if (n === 0) break;
        done += n;
      }
      return out.subarray(0, done);
    } finally {
      closeSync(fd);
    }
  }
}

function safeReadlink(p: string): string | undefined {
  try {
    return readlinkSync(p);
  } catch {
    return undefined;
  }
}
