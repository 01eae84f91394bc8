import type { ByteSource } from '../io/byte-source.js';
import type { InflateBudget } from '../containers/zip.js';
import type { Limits } from '../io/limits.js';
import type { FirmwarePartition } from '../model.js';
import type { BootImage } from '../formats/bootimg.js';
import type { Props } from '../formats/buildprop.js';
import type { PermissionGrants } from '../formats/privapp.js';
import type { Vbmeta } from '../formats/vbmeta.js';

/** What a firmware walk finds, and what each layer's opener may do while it walks. */

/** A partition (or top-level folder) found by the walk; the report's own type. */
export type PartitionInfo = FirmwarePartition;

/** A file inside the firmware that the scan will analyse. */
export interface FirmwareFile {
  logicalPath: string;
  partition: string;
  /** Path inside its partition's file system (`/system/priv-app/Foo/Foo.apk`). */
  pathInPartition: string;
  size: number;
  kind: 'apk' | 'text';
  read: () => Buffer;
}

export interface FirmwareProblem {
  level: 'warning' | 'error';
  code: string;
  message: string;
  path: string;
}

export interface FirmwareWalk {
  partitions: PartitionInfo[];
  files: FirmwareFile[];
  props: Array<{ path: string; partition: string; props: Props }>;
  boot: Array<BootImage & { path: string }>;
  vbmeta: Array<Vbmeta & { path: string }>;
  grants: PermissionGrants;
  problems: FirmwareProblem[];
  layers: Set<string>;
  /** Files opened during the walk; the files' `read` needs them open until the scan ends. */
  sources: ByteSource[];
}

/** Where a layer sits: its logical path, the name it is known by, and the layers above it. */
export interface LayerAt {
  path: string;
  name: string;
  layers: string[];
}

/** The walk as an opener sees it: the findings so far, the limits, and the way down into a child image. */
export interface LayerWalk {
  readonly out: FirmwareWalk;
  readonly limits: Limits;
  /** Partition images inside a firmware zip are larger than any app: one budget for all of one image's zips. */
  readonly zipBudget: InflateBudget;
  /** Opens a child image as whatever layer it is (the generic recursion). */
  visit(img: ByteSource, at: LayerAt): void;
  problem(err: unknown, path: string, level?: 'warning' | 'error'): void;
  warn(code: string, message: string, path: string): void;
  /** A file of a partition or file-based OTA: an APK, a property file, permission XML or a list-like file. */
  fileInTree(p: string, size: number, read: () => Buffer, logicalPath: string, partition: string): void;
  /** A member that has no random access (gzip, brotli, LZ4), expanded in memory within the firmware limit. */
  expand(src: ByteSource, how: 'br' | 'gz' | 'lz4', path: string): Buffer;
}

/** Opens one layer of a given kind and visits what it holds. */
export type Opener = (img: ByteSource, at: LayerAt, walk: LayerWalk) => void;
