import { join } from 'node:path';
import { FileSource, type ByteSource } from '../io/byte-source.js';
import type { Limits } from '../io/limits.js';
import { FolderFs } from '../containers/fs/folder.js';
import type { FirmwareWalk, PartitionInfo } from './layer-walk.js';
import { baseName, zipPartition } from './partition-names.js';
import type { PermissionGrants } from '../formats/privapp.js';
import { FirmwareWalker } from './walker.js';

export type { FirmwareFile, FirmwareProblem, FirmwareWalk, PartitionInfo } from './layer-walk.js';

/**
 * Walks a firmware image without extracting it: identifies each layer by its content (`containers/sniff.ts`:
 * zip, tar, sparse, super, payload.bin, ext4, EROFS, boot, vbmeta; block OTAs inside zips), opens it as a
 * random-access byte source over its parent (`openers.ts`), and reports partitions, property files,
 * permission XML, boot and vbmeta images, and references to the APKs and list-like files to audit. File
 * contents are read only when the scan asks for them, so memory stays bounded by the largest single app,
 * not by the image.
 */

/** What to walk: an image file (or any byte source), or a folder holding an extracted firmware or images. */
export type FirmwareRoot = { kind: 'source'; source: ByteSource } | { kind: 'folder'; dir: string };

export function walkFirmware(
  root: FirmwareRoot,
  logicalPath: string,
  limits: Limits,
  grants: PermissionGrants,
): FirmwareWalk {
  const walker = new FirmwareWalker(limits, grants);
  if (root.kind === 'folder') walkFolder(walker, root.dir, logicalPath);
  else walker.visit(root.source, { path: logicalPath, name: logicalPath.split('/').pop() ?? logicalPath, layers: [] });
  return walker.out;
}

/** An extracted firmware: its top-level folders are partitions; partition images beside them are visited. */
function walkFolder(walker: FirmwareWalker, dir: string, logicalPath: string): void {
  const { out, limits } = walker;
  const fs = new FolderFs(dir);
  out.layers.add('folder');
  const parts = new Map<string, PartitionInfo>();
  fs.walk(
    (e) => {
      if (e.type !== 'file') return;
      const partition = zipPartition(e.path);
      let info = parts.get(partition);
      if (!info) {
        info = {
          path: `${logicalPath}/${partition}`,
          name: partition,
          layers: ['folder'],
          size: 0,
          fileSystem: null,
          files: 0,
          apks: 0,
        };
        parts.set(partition, info);
      }
      info.files++;
      info.size += e.size;
      const base = baseName(e.path);
      // Partition images beside an extracted tree (a factory zip unpacked into a folder).
      if (/\.(img|bin)$/i.test(base) && e.size >= 4096)
        return visitImageFile(walker, join(dir, e.path), `${logicalPath}${e.path}`, base);
      if (/\.apk$/i.test(base)) info.apks++;
      const read = () => fs.readFile(e, limits.zip.maxEntryBytes);
      walker.fileInTree(e.path, e.size, read, `${logicalPath}${e.path}`, partition);
    },
    (p) => walker.warn(p.code, p.message, `${logicalPath}${p.path}`),
    { maxFsEntries: limits.firmware.maxFsEntries, maxFsDepth: limits.firmware.maxFsDepth },
  );
  out.partitions.push(...[...parts.values()].filter((p) => p.apks > 0 || p.files > 0));
}

/** An image file of a folder, opened for the whole scan (its files are read after the walk). */
function visitImageFile(walker: FirmwareWalker, fsPath: string, path: string, name: string): void {
  let img: ByteSource;
  try {
    img = new FileSource(fsPath);
  } catch (err) {
    return walker.problem(err, path, 'warning');
  }
  walker.out.sources.push(img);
  walker.visit(img, { path, name, layers: ['folder'] });
}
