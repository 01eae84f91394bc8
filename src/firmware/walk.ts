import { join } from 'node:path';
import { BufferSource, FileSource, type ByteSource } from '../io/byte-source.js';
import { errorCode, errorMessage, LimitExceededError, MalformedInputError } from '../io/errors.js';
import type { Limits } from '../io/limits.js';
import {
  InflateBudget,
  entryDataStart,
  readEntry,
  readZipDirectory,
  type ZipDirectory,
  type ZipEntry,
} from '../containers/zip.js';
import { blockOtaImage, parseTransferList } from './block-ota.js';
import { bootTruncation, parseBootImage, type BootImage } from './bootimg.js';
import { isPropFile, parseProps, type Props } from './buildprop.js';
import { Erofs } from './erofs.js';
import { Ext4 } from './ext4.js';
import type { FileSystem, FsEntry } from './filesystem.js';
import { FolderFs } from './folder.js';
import { SliceSource } from './mapped-source.js';
import { lz4FrameDecode } from '../decode/lz4.js';
import { boundedDecompress } from '../decode/bounded.js';
import { openPayload } from './payload.js';
import { isPermissionXml, readPermissionXml, type PermissionGrants } from './privapp.js';
import { openSparse } from './sparse.js';
import { openSuper } from './super.js';
import { readTar } from './tar.js';
import { sniffLayer } from '../containers/sniff.js';
import { findVbmeta, parseVbmeta, type Vbmeta } from './vbmeta.js';
import { sha256 } from '../io/hash.js';
import type { FirmwarePartition } from '../model.js';

/**
 * Walks a firmware image without extracting it: identifies each layer by its magic (zip, tar, sparse,
 * super, payload.bin, block OTA, ext4, EROFS, boot, vbmeta), opens it as a random-access byte source
 * over its parent, and reports partitions, property files, permission XML, boot and vbmeta images, and
 * references to the APKs and list-like files to audit. File contents are read only when the scan asks
 * for them, so memory stays bounded by the largest single app, not by the image.
 */

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

const APK = /\.apk$/i;
/** Partitions that hold no Android file system: firmware of other processors, device trees, splash screens. */
const RAW_PARTITION =
  /^(bootloader|radio|modem|dtbo|dtb|dsp|xbl|xbl_config|abl|tz|hyp|keymaster|cmnlib|cmnlib64|devcfg|aop|qupfw|uefisecapp|imagefv|logo|splash|pvmfw|bluetooth|featenabler|multiimgoem|shrm|cpucp|storsec|engineering_cdt|uefi|tzsw|ldfw|gsa|pbl|bl1|bl2|bl31|abl_.*|radio-.*|bootloader-.*)(\.(img|bin|mbn|elf))?$/i;
const LIST_LIKE = /\.(txt|json|conf|cfg|csv|lst|list|ini|properties|xml|dat)$/i;

/** What to walk: an image file (or any byte source), or a folder holding an extracted firmware or images. */
export type FirmwareRoot = { kind: 'source'; source: ByteSource } | { kind: 'folder'; dir: string };

export function walkFirmware(
  root: FirmwareRoot,
  logicalPath: string,
  limits: Limits,
  grants: PermissionGrants,
): FirmwareWalk {
  const w: FirmwareWalk = {
    partitions: [],
    files: [],
    props: [],
    boot: [],
    vbmeta: [],
    grants,
    problems: [],
    layers: new Set(),
    sources: [],
  };
  const problem = (err: unknown, path: string, level: 'warning' | 'error' = 'error') =>
    w.problems.push({ level, code: errorCode(err), message: errorMessage(err), path });
  const textCount = { n: 0 };
  const fw = limits.firmware;
  const walkBounds = { maxFsEntries: fw.maxFsEntries, maxFsDepth: fw.maxFsDepth };
  const fwBudget = new InflateBudget({
    maxEntryBytes: fw.maxExpandedBytes,
    maxTotalInflatedBytes: fw.maxInflatedBytes,
    maxCompressionRatio: limits.zip.maxCompressionRatio,
  });
  const expand = (src: ByteSource, how: 'br' | 'gz' | 'lz4', path: string) =>
    expandMember(src, how, path, fw.maxExpandedBytes);

  const visitImage = (img: ByteSource, path: string, name: string, layers: string[]): void => {
    if (layers.length > fw.maxLayers)
      return void problem(
        new LimitExceededError(
          'limit/firmware-layers',
          `more than ${fw.maxLayers} nested layers (limit firmware.maxLayers)`,
        ),
        path,
      );
    try {
      const kind = sniffLayer(img);
      if (kind === 'zip') return visitZip(img, path, layers);
      if (kind === 'payload') return visitPayload(img, path, layers);
      if (kind === 'gzip') {
        // A gzipped tarball (factory images as .tgz): no random access into gzip, so it is expanded.
        w.layers.add('gzip');
        return visitImage(new BufferSource(expand(img, 'gz', path)), path, name.replace(/\.(tgz|gz)$/i, ''), [
          ...layers,
          'gzip',
        ]);
      }
      if (kind === 'sparse') {
        const { image, warnings } = openSparse(img, fw.maxSparseChunks);
        w.layers.add('sparse');
        for (const m of warnings) problem(new MalformedInputError('sparse/truncated', m), path, 'warning');
        return visitImage(image, path, name, [...layers, 'sparse']);
      }
      if (kind === 'boot') {
        w.layers.add('boot');
        const boot = parseBootImage(img);
        w.boot.push({ ...boot, path });
        for (const m of bootTruncation(img, boot))
          problem(new MalformedInputError('bootimg/truncated', m), path, 'warning');
        return visitVbmetaFooter(img, path);
      }
      if (kind === 'vbmeta') {
        w.layers.add('vbmeta');
        w.vbmeta.push({ ...parseVbmeta(img, 0, sha256), path });
        return;
      }
      if (kind === 'super') return visitSuper(img, path, layers);
      if (kind === 'ext4') return visitFs(new Ext4(img), img, path, name, [...layers, 'ext4']);
      if (kind === 'erofs') return visitFs(new Erofs(img), img, path, name, [...layers, 'erofs']);
      if (kind === 'tar') return visitTar(img, path, layers);
      if (RAW_PARTITION.test(name)) {
        // Bootloader, modem, device-tree and similar blobs: listed, not opened, not a problem.
        w.partitions.push({
          path,
          name: name.replace(/\.(img|bin|mbn|elf)$/i, ''),
          layers,
          size: img.size,
          fileSystem: null,
          files: 0,
          apks: 0,
        });
        return;
      }
      w.problems.push({
        level: 'warning',
        code: 'firmware/unknown-image',
        message: `${name}: not a file system, boot, vbmeta, sparse, super or OTA image`,
        path,
      });
    } catch (err) {
      problem(err, path);
    }
  };

  const visitVbmetaFooter = (img: ByteSource, path: string) => {
    try {
      const at = findVbmeta(img);
      if (at !== null && at > 0) w.vbmeta.push({ ...parseVbmeta(img, at, sha256), path });
    } catch (err) {
      problem(err, path, 'warning');
    }
  };

  const visitZip = (img: ByteSource, path: string, layers: string[]) => {
    let dir: ZipDirectory;
    try {
      dir = readZipDirectory(img, limits);
    } catch (err) {
      problem(err, path);
      return;
    }
    w.layers.add('zip');
    // Partition images inside a firmware zip are larger than any app: their members may each expand to
    // firmware.maxExpandedBytes, all of one image's zips together to firmware.maxInflatedBytes.
    const budget = fwBudget;
    const entrySource = (e: ZipEntry): ByteSource =>
      e.method === 0 ? storedSlice(img, e) : new BufferSource(readEntry(img, e, budget));
    const names = [...dir.byName.keys()];
    // Block OTAs: NAME.transfer.list with NAME.new.dat or NAME.new.dat.br.
    const blockOtas = new Set<string>();
    for (const n of names) {
      const m = /^(.*?)([^/]+)\.transfer\.list$/.exec(n);
      if (!m) continue;
      const base = m[1] + m[2];
      const data = dir.byName.get(`${base}.new.dat.br`) ?? dir.byName.get(`${base}.new.dat`);
      const sub = `${path}!/${m[2]}`;
      if (!data) {
        problem(new MalformedInputError('block-ota/missing-data', `${n} has no ${base}.new.dat`), path, 'warning');
        continue;
      }
      blockOtas.add(n).add(data.name);
      if (dir.byName.has(`${base}.patch.dat`)) {
        blockOtas.add(`${base}.patch.dat`);
        w.problems.push({
          level: 'warning',
          code: 'block-ota/patch-unsupported',
          message: `${base}.patch.dat is an incremental patch; patched blocks need the previous firmware`,
          path: sub,
        });
      }
      try {
        const list = parseTransferList(readEntry(img, dir.byName.get(n) as ZipEntry, budget).toString('latin1'));
        let dataSrc = entrySource(data);
        if (data.name.endsWith('.br')) dataSrc = new BufferSource(expand(dataSrc, 'br', `${path}!/${data.name}`));
        const { image, warnings } = blockOtaImage(list, dataSrc);
        w.layers.add('block-ota');
        for (const m2 of warnings)
          w.problems.push({ level: 'warning', code: 'block-ota/incomplete', message: m2, path: sub });
        visitImage(image, sub, m[2], [...layers, 'zip', 'block-ota']);
      } catch (err) {
        problem(err, sub);
      }
    }
    for (const e of dir.byName.values()) {
      if (blockOtas.has(e.name) || e.name.endsWith('/')) continue;
      const sub = `${path}!/${e.name}`;
      const base = e.name.split('/').pop() as string;
      try {
        if (/\.(img|bin|zip)$/i.test(base) && e.uncompressedSize > 0) {
          visitImage(entrySource(e), sub, base.replace(/\.(img|bin)$/i, ''), [...layers, 'zip']);
        } else if (/\.(tar|tgz|tar\.gz|tar\.md5)$/i.test(base)) {
          const s = entrySource(e);
          visitImage(/\.(tgz|gz)$/i.test(base) ? new BufferSource(expand(s, 'gz', sub)) : s, sub, base, [
            ...layers,
            'zip',
          ]);
        } else {
          // File-based OTAs and extracted trees carry files directly: treat the zip as a partition.
          fileInTree(
            e.name,
            e.uncompressedSize,
            () => readEntry(img, e, new InflateBudget(limits)),
            sub,
            zipPartition(e.name),
          );
        }
      } catch (err) {
        problem(err, sub);
      }
    }
  };

  const visitPayload = (img: ByteSource, path: string, layers: string[]) => {
    const payload = openPayload(img, fw);
    w.layers.add('payload');
    for (const p of payload.partitions) {
      const sub = `${path}!/${p.name}`;
      if (p.problem) {
        w.problems.push({
          level: 'error',
          code: 'payload/bad-partition',
          message: `partition ${p.name}: ${p.problem}`,
          path: sub,
        });
        continue;
      }
      if (!p.image) {
        w.problems.push({
          level: 'warning',
          code: 'payload/incremental',
          message: `partition ${p.name} is built from the previous firmware (${p.unsupported.join(', ')}); only full OTAs can be read`,
          path: sub,
        });
        w.partitions.push({
          path: sub,
          name: p.name,
          layers: [...layers, 'payload'],
          size: p.size,
          fileSystem: null,
          files: 0,
          apks: 0,
        });
        continue;
      }
      visitImage(p.image, sub, p.name, [...layers, 'payload']);
    }
  };

  const visitSuper = (img: ByteSource, path: string, layers: string[]) => {
    const sup = openSuper(img);
    w.layers.add('super');
    for (const m of sup.warnings) w.problems.push({ level: 'warning', code: 'super/metadata', message: m, path });
    for (const p of sup.partitions) {
      const sub = `${path}!/${p.name}${p.slot}`;
      if (p.problem)
        w.problems.push({
          level: 'warning',
          code: 'super/partition',
          message: `${p.name}${p.slot}: ${p.problem}`,
          path: sub,
        });
      // An empty B slot is normal on an A/B device right after flashing.
      if (!p.image || p.size === 0) continue;
      visitImage(p.image, sub, p.name, [...layers, 'super']);
    }
  };

  const visitTar = (img: ByteSource, path: string, layers: string[]) => {
    w.layers.add('tar');
    for (const m of readTar(img, fw.maxTarMembers)) {
      const sub = `${path}!/${m.name}`;
      const base = m.name.split('/').pop() as string;
      if (m.type !== 'file') continue;
      const member = new SliceSource(img, m.offset, m.size);
      if (/\.(img|bin|zip|lz4)$/i.test(base)) {
        const body = base.endsWith('.lz4') ? new BufferSource(expand(member, 'lz4', sub)) : member;
        visitImage(body, sub, base.replace(/\.(img|bin|lz4)+$/i, '').replace(/\.img$/i, ''), [...layers, 'tar']);
      } else fileInTree(m.name, m.size, () => member.read(0, member.size), sub, zipPartition(m.name));
    }
  };

  const visitFs = (fs: FileSystem, img: ByteSource, path: string, name: string, layers: string[]) => {
    w.layers.add(fs.kind);
    const info: PartitionInfo = {
      path,
      name: partitionName(name, fs.label),
      layers,
      size: img.size,
      fileSystem: fs.kind as 'ext4' | 'erofs',
      files: 0,
      apks: 0,
    };
    w.partitions.push(info);
    fs.walk(
      (e: FsEntry) => {
        if (e.type !== 'file') return;
        info.files++;
        if (APK.test(e.path)) info.apks++;
        fileInTree(e.path, e.size, () => fs.readFile(e, limits.zip.maxEntryBytes), `${path}!${e.path}`, info.name);
      },
      (p) => w.problems.push({ level: 'warning', code: p.code, message: p.message, path: `${path}!${p.path}` }),
      walkBounds,
    );
    visitVbmetaFooter(img, path);
  };

  /** Files inside a partition (or a file-based OTA zip): APKs, props, permission XML, list-like files. */
  const fileInTree = (p: string, size: number, read: () => Buffer, logicalPath: string, partition: string) => {
    const inPart = p.startsWith('/') ? p : `/${p}`;
    if (APK.test(p)) {
      w.files.push({ logicalPath, partition, pathInPartition: inPart, size, kind: 'apk', read });
      return;
    }
    if (size > fw.maxSmallFileBytes) return;
    if (isPropFile(p) || isPermissionXml(inPart)) {
      try {
        const text = read().toString('utf8');
        if (isPropFile(p)) w.props.push({ path: logicalPath, partition, props: parseProps(text) });
        else readPermissionXml(text, logicalPath, w.grants);
      } catch (err) {
        problem(err, logicalPath, 'warning');
      }
      return;
    }
    if (LIST_LIKE.test(p) && size > 0 && size <= fw.maxListFileBytes && textCount.n < fw.maxListFiles) {
      textCount.n++;
      w.files.push({ logicalPath, partition, pathInPartition: inPart, size, kind: 'text', read });
    }
  };

  const visitFolder = (dir: string) => {
    const fs = new FolderFs(dir);
    w.layers.add('folder');
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
        const base = e.path.split('/').pop() as string;
        // Partition images beside an extracted tree (a factory zip unpacked into a folder).
        if (/\.(img|bin)$/i.test(base) && e.size >= 4096) {
          let img: ByteSource;
          try {
            img = new FileSource(join(dir, e.path));
          } catch (err) {
            return problem(err, `${logicalPath}${e.path}`, 'warning');
          }
          w.sources.push(img);
          visitImage(img, `${logicalPath}${e.path}`, base, ['folder']);
          return;
        }
        if (APK.test(base)) info.apks++;
        fileInTree(
          e.path,
          e.size,
          () => fs.readFile(e, limits.zip.maxEntryBytes),
          `${logicalPath}${e.path}`,
          partition,
        );
      },
      (p) => w.problems.push({ level: 'warning', code: p.code, message: p.message, path: `${logicalPath}${p.path}` }),
      walkBounds,
    );
    w.partitions.push(...[...parts.values()].filter((p) => p.apks > 0 || p.files > 0));
  };

  if (root.kind === 'folder') visitFolder(root.dir);
  else visitImage(root.source, logicalPath, logicalPath.split('/').pop() ?? logicalPath, []);
  return w;
}

function storedSlice(img: ByteSource, e: ZipEntry): ByteSource {
  return new SliceSource(img, entryDataStart(img, e), e.compressedSize);
}

function expandMember(src: ByteSource, how: 'br' | 'gz' | 'lz4', path: string, max: number): Buffer {
  if (src.size > max)
    throw new LimitExceededError(
      'limit/expanded-bytes',
      `${path} is too large to expand in memory (limit firmware.maxExpandedBytes ${max})`,
    );
  const input = src.read(0, src.size);
  try {
    if (how === 'br') return boundedDecompress('brotli', input, max, 'limit/expanded-bytes');
    if (how === 'gz') return boundedDecompress('gzip', input, max, 'limit/expanded-bytes');
    return lz4FrameDecode(input, max, 'limit/expanded-bytes');
  } catch (err) {
    if (err instanceof MalformedInputError || err instanceof LimitExceededError) throw err;
    throw new MalformedInputError('firmware/bad-compression', `${path}: ${(err as Error).message}`);
  }
}

/** system_a -> system; "system.img" -> system; a label from the file system when the name says nothing. */
function partitionName(name: string, label: string): string {
  const n = name.replace(/\.(img|bin|ext4|erofs|raw)$/i, '').replace(/_[ab]$/, '');
  if (
    n &&
    /^(system|system_ext|vendor|product|odm|oem|cust|preload|vendor_dlkm|odm_dlkm|system_dlkm|my_[a-z]+|mi_ext|india|version|reserve|userdata|data)$/i.test(
      n,
    )
  )
    return n.toLowerCase();
  // A file-system label (mkfs -L, "system" on most builds) is better than a file name that says nothing.
  return label || n || 'unknown';
}

function zipPartition(entry: string): string {
  const first = entry.replace(/^\//, '').split('/')[0];
  return /^(system|vendor|product|odm|system_ext|oem|cust|preload|data)$/i.test(first) ? first.toLowerCase() : 'system';
}
