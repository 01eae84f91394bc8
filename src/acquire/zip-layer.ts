import { BufferSource, type ByteSource } from '../io/byte-source.js';
import { MalformedInputError } from '../io/errors.js';
import {
  InflateBudget,
  entryDataStart,
  readEntry,
  readZipDirectory,
  type ZipDirectory,
  type ZipEntry,
} from '../containers/zip.js';
import { blockOtaImage, parseTransferList } from '../containers/block-ota.js';
import type { LayerAt, LayerWalk } from './layer-walk.js';
import { SliceSource } from '../containers/mapped-source.js';
import { baseName, zipPartition } from './partition-names.js';

/**
 * A firmware zip (OTA package, factory zip): block OTAs (NAME.transfer.list with NAME.new.dat[.br]) become
 * images, partition images and tarballs inside are visited, and any other member is a file of a file-based
 * OTA or extracted tree.
 */
export function openZipLayer(img: ByteSource, at: LayerAt, walk: LayerWalk): void {
  let dir: ZipDirectory;
  try {
    dir = readZipDirectory(img, walk.limits);
  } catch (err) {
    walk.problem(err, at.path);
    return;
  }
  walk.out.layers.add('zip');
  const blockOtas = visitBlockOtas(img, dir, at, walk);
  for (const e of dir.byName.values()) {
    if (blockOtas.has(e.name) || e.name.endsWith('/')) continue;
    const sub = `${at.path}!/${e.name}`;
    try {
      visitMember(img, e, sub, at.layers, walk);
    } catch (err) {
      walk.problem(err, sub);
    }
  }
}

/** A stored member is read in place; a deflated one is inflated within the firmware budget. */
function entrySource(img: ByteSource, e: ZipEntry, walk: LayerWalk): ByteSource {
  return e.method === 0
    ? new SliceSource(img, entryDataStart(img, e), e.compressedSize)
    : new BufferSource(readEntry(img, e, walk.zipBudget));
}

function visitMember(img: ByteSource, e: ZipEntry, sub: string, layers: string[], walk: LayerWalk): void {
  const base = baseName(e.name);
  if (/\.(img|bin|zip)$/i.test(base) && e.uncompressedSize > 0) {
    walk.visit(entrySource(img, e, walk), {
      path: sub,
      name: base.replace(/\.(img|bin)$/i, ''),
      layers: [...layers, 'zip'],
    });
  } else if (/\.(tar|tgz|tar\.gz|tar\.md5)$/i.test(base)) {
    const s = entrySource(img, e, walk);
    const body = /\.(tgz|gz)$/i.test(base) ? new BufferSource(walk.expand(s, 'gz', sub)) : s;
    walk.visit(body, { path: sub, name: base, layers: [...layers, 'zip'] });
  } else {
    // File-based OTAs and extracted trees carry files directly: treat the zip as a partition.
    const read = () => readEntry(img, e, new InflateBudget(walk.limits));
    walk.fileInTree(e.name, e.uncompressedSize, read, sub, zipPartition(e.name));
  }
}

/** Visits each block OTA of the zip as an image; returns the member names it consumed. */
function visitBlockOtas(img: ByteSource, dir: ZipDirectory, at: LayerAt, walk: LayerWalk): Set<string> {
  const consumed = new Set<string>();
  for (const [n, listEntry] of dir.byName) {
    const m = /^(.*?)([^/]+)\.transfer\.list$/.exec(n);
    if (!m) continue;
    const [, folder = '', name = ''] = m;
    const base = folder + name;
    const data = dir.byName.get(`${base}.new.dat.br`) ?? dir.byName.get(`${base}.new.dat`);
    const sub = `${at.path}!/${name}`;
    if (!data) {
      walk.problem(
        new MalformedInputError('block-ota/missing-data', `${n} has no ${base}.new.dat`),
        at.path,
        'warning',
      );
      continue;
    }
    consumed.add(n).add(data.name);
    if (dir.byName.has(`${base}.patch.dat`)) {
      consumed.add(`${base}.patch.dat`);
      const message = `${base}.patch.dat is an incremental patch; patched blocks need the previous firmware`;
      walk.warn('block-ota/patch-unsupported', message, sub);
    }
    try {
      const list = parseTransferList(readEntry(img, listEntry, walk.zipBudget).toString('latin1'));
      let dataSrc = entrySource(img, data, walk);
      if (data.name.endsWith('.br')) dataSrc = new BufferSource(walk.expand(dataSrc, 'br', `${at.path}!/${data.name}`));
      const { image, warnings } = blockOtaImage(list, dataSrc);
      walk.out.layers.add('block-ota');
      for (const w of warnings) walk.warn('block-ota/incomplete', w, sub);
      walk.visit(image, { path: sub, name, layers: [...at.layers, 'zip', 'block-ota'] });
    } catch (err) {
      walk.problem(err, sub);
    }
  }
  return consumed;
}
