import { BufferSource, type ByteSource } from '../io/byte-source.js';
import { MalformedInputError } from '../io/errors.js';
import { sha256 } from '../io/hash.js';
import type { LayerKind } from '../containers/sniff.js';
import { bootTruncation, parseBootImage } from '../formats/bootimg.js';
import { Erofs } from '../containers/fs/erofs.js';
import { Ext4 } from '../containers/fs/ext4.js';
import type { FileSystem, FsEntry } from '../containers/fs/filesystem.js';
import type { LayerAt, LayerWalk, Opener, PartitionInfo } from './layer-walk.js';
import { SliceSource } from '../containers/mapped-source.js';
import { baseName, partitionName, zipPartition } from './partition-names.js';
import { openPayload } from '../containers/payload.js';
import { openSparse } from '../containers/sparse.js';
import { openSuper } from '../containers/super.js';
import { readTar } from '../containers/tar.js';
import { findVbmeta, parseVbmeta } from '../formats/vbmeta.js';
import { openZipLayer } from './zip-layer.js';

/**
 * One opener per layer kind that `containers/sniff.ts` tells apart. Each records what its layer is and
 * hands the images it holds back to `walk.visit`, which sniffs them in turn: the recursion over the
 * artefact tree is generic, and a new layer kind is one sniff test and one opener here.
 */
export const OPENERS: Record<LayerKind, Opener> = {
  zip: openZipLayer,
  payload: openPayloadLayer,
  gzip: openGzipLayer,
  sparse: openSparseLayer,
  boot: openBootLayer,
  vbmeta: openVbmetaLayer,
  super: openSuperLayer,
  ext4: (img, at, walk) => openFileSystem(new Ext4(img), img, { ...at, layers: [...at.layers, 'ext4'] }, walk),
  erofs: (img, at, walk) => openFileSystem(new Erofs(img), img, { ...at, layers: [...at.layers, 'erofs'] }, walk),
  tar: openTarLayer,
};

/** A gzipped tarball (factory images as .tgz): no random access into gzip, so it is expanded. */
function openGzipLayer(img: ByteSource, at: LayerAt, walk: LayerWalk): void {
  walk.out.layers.add('gzip');
  const inner = new BufferSource(walk.expand(img, 'gz', at.path));
  walk.visit(inner, { path: at.path, name: at.name.replace(/\.(tgz|gz)$/i, ''), layers: [...at.layers, 'gzip'] });
}

function openSparseLayer(img: ByteSource, at: LayerAt, walk: LayerWalk): void {
  const { image, warnings } = openSparse(img, walk.limits.firmware.maxSparseChunks);
  walk.out.layers.add('sparse');
  for (const m of warnings) walk.problem(new MalformedInputError('sparse/truncated', m), at.path, 'warning');
  walk.visit(image, { ...at, layers: [...at.layers, 'sparse'] });
}

function openBootLayer(img: ByteSource, at: LayerAt, walk: LayerWalk): void {
  walk.out.layers.add('boot');
  const boot = parseBootImage(img);
  walk.out.boot.push({ ...boot, path: at.path });
  for (const m of bootTruncation(img, boot))
    walk.problem(new MalformedInputError('bootimg/truncated', m), at.path, 'warning');
  readVbmetaFooter(img, at.path, walk);
}

function openVbmetaLayer(img: ByteSource, at: LayerAt, walk: LayerWalk): void {
  walk.out.layers.add('vbmeta');
  walk.out.vbmeta.push({ ...parseVbmeta(img, 0, sha256), path: at.path });
}

/** The vbmeta footer at the end of a boot or file-system image (AVB's chained partitions). */
function readVbmetaFooter(img: ByteSource, path: string, walk: LayerWalk): void {
  try {
    const offset = findVbmeta(img);
    if (offset !== null && offset > 0) walk.out.vbmeta.push({ ...parseVbmeta(img, offset, sha256), path });
  } catch (err) {
    walk.problem(err, path, 'warning');
  }
}

function openPayloadLayer(img: ByteSource, at: LayerAt, walk: LayerWalk): void {
  const payload = openPayload(img, walk.limits.firmware);
  walk.out.layers.add('payload');
  for (const p of payload.partitions) {
    const sub = `${at.path}!/${p.name}`;
    if (p.problem) {
      const message = `partition ${p.name}: ${p.problem}`;
      walk.out.problems.push({ level: 'error', code: 'payload/bad-partition', message, path: sub });
      continue;
    }
    if (!p.image) {
      const message =
        `partition ${p.name} is built from the previous firmware (${p.unsupported.join(', ')}); ` +
        'only full OTAs can be read';
      walk.warn('payload/incremental', message, sub);
      const layers = [...at.layers, 'payload'];
      walk.out.partitions.push({ path: sub, name: p.name, layers, size: p.size, fileSystem: null, files: 0, apks: 0 });
      continue;
    }
    walk.visit(p.image, { path: sub, name: p.name, layers: [...at.layers, 'payload'] });
  }
}

function openSuperLayer(img: ByteSource, at: LayerAt, walk: LayerWalk): void {
  const sup = openSuper(img);
  walk.out.layers.add('super');
  for (const m of sup.warnings) walk.warn('super/metadata', m, at.path);
  for (const p of sup.partitions) {
    const sub = `${at.path}!/${p.name}${p.slot}`;
    if (p.problem) walk.warn('super/partition', `${p.name}${p.slot}: ${p.problem}`, sub);
    // An empty B slot is normal on an A/B device right after flashing.
    if (!p.image || p.size === 0) continue;
    walk.visit(p.image, { path: sub, name: p.name, layers: [...at.layers, 'super'] });
  }
}

/** A tar of images (Samsung `.tar.md5`, factory tarballs); LZ4-compressed members are expanded. */
function openTarLayer(img: ByteSource, at: LayerAt, walk: LayerWalk): void {
  walk.out.layers.add('tar');
  for (const m of readTar(img, walk.limits.firmware.maxTarMembers)) {
    const sub = `${at.path}!/${m.name}`;
    const base = baseName(m.name);
    if (m.type !== 'file') continue;
    const member = new SliceSource(img, m.offset, m.size);
    if (/\.(img|bin|zip|lz4)$/i.test(base)) {
      const body = base.endsWith('.lz4') ? new BufferSource(walk.expand(member, 'lz4', sub)) : member;
      const name = base.replace(/\.(img|bin|lz4)+$/i, '').replace(/\.img$/i, '');
      walk.visit(body, { path: sub, name, layers: [...at.layers, 'tar'] });
    } else walk.fileInTree(m.name, m.size, () => member.read(0, member.size), sub, zipPartition(m.name));
  }
}

/** An ext4 or EROFS partition: listed with its file and APK counts, its files offered to the scan. */
function openFileSystem(fs: FileSystem, img: ByteSource, at: LayerAt, walk: LayerWalk): void {
  walk.out.layers.add(fs.kind);
  const info: PartitionInfo = {
    path: at.path,
    name: partitionName(at.name, fs.label),
    layers: at.layers,
    size: img.size,
    fileSystem: fs.kind as 'ext4' | 'erofs',
    files: 0,
    apks: 0,
  };
  walk.out.partitions.push(info);
  const fw = walk.limits.firmware;
  fs.walk(
    (e: FsEntry) => {
      if (e.type !== 'file') return;
      info.files++;
      if (/\.apk$/i.test(e.path)) info.apks++;
      const read = () => fs.readFile(e, walk.limits.zip.maxEntryBytes);
      walk.fileInTree(e.path, e.size, read, `${at.path}!${e.path}`, info.name);
    },
    (p) => walk.warn(p.code, p.message, `${at.path}!${p.path}`),
    { maxFsEntries: fw.maxFsEntries, maxFsDepth: fw.maxFsDepth },
  );
  readVbmetaFooter(img, at.path, walk);
}
