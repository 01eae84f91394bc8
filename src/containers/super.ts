import { createHash } from 'node:crypto';
import type { ByteSource } from '../io/byte-source.js';
import { MalformedInputError, entryAt } from '../io/errors.js';
import { MappedSource, type Piece } from './mapped-source.js';

/**
 * Dynamic partitions (`super.img`, AOSP system/core/fs_mgr/liblp/include/liblp/metadata_format.h):
 * the geometry at 4096 (backup at 8192), then metadata slots holding partition, extent, group and
 * block-device tables. Each logical partition becomes a virtual image of its LINEAR extents (ZERO
 * extents read as zeros). Extents on a second block device are reported, since only `super` itself is
 * in the file.
 */

const GEOMETRY_MAGIC = 0x616c4467;
const HEADER_MAGIC = 0x414c5030;
const RESERVED = 4096;
const GEOMETRY_SIZE = 4096;
const SECTOR = 512;
const MAX_ENTRIES = 65536;

export function isSuper(src: ByteSource): boolean {
  return src.size >= RESERVED + 4 && src.read(RESERVED, 4).readUInt32LE(0) === GEOMETRY_MAGIC;
}

export interface LogicalPartition {
  name: string;
  /** `_a`/`_b` suffix of A/B devices, or '' */
  slot: string;
  group: string;
  size: number;
  readonly: boolean;
  image: MappedSource | null;
  problem?: string;
}

export interface SuperImage {
  metadataVersion: string;
  slots: number;
  blockDevices: string[];
  partitions: LogicalPartition[];
  warnings: string[];
}

export function openSuper(src: ByteSource): SuperImage {
  const warnings: string[] = [];
  let geometry = readGeometry(src, RESERVED);
  if (!geometry) {
    geometry = readGeometry(src, RESERVED + GEOMETRY_SIZE);
    if (!geometry)
      throw new MalformedInputError('super/bad-geometry', 'neither the primary nor the backup LP geometry is valid');
    warnings.push('primary LP geometry is corrupt; the backup was used');
  }
  const { metadataMaxSize, slotCount } = geometry;
  const base = RESERVED + 2 * GEOMETRY_SIZE;
  // Slot 0 is the primary copy; the backup copies follow all primary slots.
  let meta: ReturnType<typeof readMetadata> = null;
  for (const at of [base, base + metadataMaxSize * slotCount]) {
    try {
      meta = readMetadata(src, at, metadataMaxSize);
      if (meta) break;
    } catch (err) {
      warnings.push(`metadata at ${at}: ${(err as Error).message}`);
    }
  }
  if (!meta) throw new MalformedInputError('super/bad-metadata', 'no valid LP metadata in slot 0 or its backup');
  const { header, tables } = meta;
  const devices = table(tables, header, 3).map((e) => ({
    first: Number(e.readBigUInt64LE(0)),
    size: Number(e.readBigUInt64LE(16)),
    name: cstr(e, 24, 36),
  }));
  const groups = table(tables, header, 2).map((e) => cstr(e, 0, 36));
  const extents = table(tables, header, 1).map((e) => ({
    sectors: Number(e.readBigUInt64LE(0)),
    type: e.readUInt32LE(8),
    data: Number(e.readBigUInt64LE(12)),
    source: e.readUInt32LE(20),
  }));
  const partitions: LogicalPartition[] = [];
  for (const e of table(tables, header, 0)) {
    const fullName = cstr(e, 0, 36);
    const attributes = e.readUInt32LE(36);
    const firstExtent = e.readUInt32LE(40);
    const numExtents = e.readUInt32LE(44);
    const group = groups[e.readUInt32LE(48)] ?? '?';
    const m = /^(.*?)(_[ab])?$/.exec(fullName) as RegExpExecArray;
    const part: LogicalPartition = {
      name: m[1] ?? fullName,
      slot: m[2] ?? '',
      group,
      size: 0,
      readonly: (attributes & 1) !== 0,
      image: null,
    };
    if (firstExtent + numExtents > extents.length) {
      part.problem = `extents ${firstExtent}..${firstExtent + numExtents} are outside the table`;
      partitions.push(part);
      continue;
    }
    const pieces: Piece[] = [];
    let at = 0;
    for (const x of extents.slice(firstExtent, firstExtent + numExtents)) {
      const length = x.sectors * SECTOR;
      if (x.type === 0) {
        if (x.source !== 0)
          part.problem = `extent on block device ${devices[x.source]?.name ?? x.source}, which is not in this file`;
        else if (x.data * SECTOR + length > src.size)
          part.problem = `extent at sector ${x.data} runs past the ${src.size}-byte image`;
        else pieces.push({ at, length, kind: 'source', source: src, offset: x.data * SECTOR });
      }
      at += length;
    }
    part.size = at;
    if (!Number.isSafeInteger(at)) part.problem = 'partition size overflows';
    else part.image = new MappedSource(at, pieces);
    partitions.push(part);
  }
  return {
    metadataVersion: `${header.major}.${header.minor}`,
    slots: slotCount,
    blockDevices: devices.map((d) => d.name),
    partitions,
    warnings,
  };
}

function readGeometry(src: ByteSource, at: number): { metadataMaxSize: number; slotCount: number } | null {
  if (at + 52 > src.size) return null;
  const g = src.read(at, 52);
  if (g.readUInt32LE(0) !== GEOMETRY_MAGIC || g.readUInt32LE(4) !== 52) return null;
  const copy = Buffer.from(g);
  copy.fill(0, 8, 40);
  if (!createHash('sha256').update(copy).digest().equals(g.subarray(8, 40))) return null;
  const metadataMaxSize = g.readUInt32LE(40);
  const slotCount = g.readUInt32LE(44);
  if (metadataMaxSize % SECTOR !== 0 || metadataMaxSize === 0 || slotCount === 0 || slotCount > 16) return null;
  return { metadataMaxSize, slotCount };
}

interface Header {
  major: number;
  minor: number;
  size: number;
  tablesSize: number;
  descriptors: Array<{ offset: number; count: number; entrySize: number }>;
}

function readMetadata(src: ByteSource, at: number, maxSize: number): { header: Header; tables: Buffer } | null {
  if (at + 128 > src.size) return null;
  const h = src.read(at, 128);
  if (h.readUInt32LE(0) !== HEADER_MAGIC) return null;
  const major = h.readUInt16LE(4);
  const minor = h.readUInt16LE(6);
  const size = h.readUInt32LE(8);
  if (major !== 10 || (size !== 128 && size !== 256))
    throw new MalformedInputError(
      'super/bad-header',
      `LP metadata version ${major}.${minor} with a ${size}-byte header`,
    );
  const full = src.read(at, size);
  const copy = Buffer.from(full);
  copy.fill(0, 12, 44);
  if (!createHash('sha256').update(copy).digest().equals(full.subarray(12, 44)))
    throw new MalformedInputError('super/bad-checksum', 'LP metadata header checksum does not match');
  const tablesSize = full.readUInt32LE(44);
  if (size + tablesSize > maxSize || at + size + tablesSize > src.size)
    throw new MalformedInputError('super/bad-header', 'LP tables run past their slot');
  const tables = src.read(at + size, tablesSize);
  if (!createHash('sha256').update(tables).digest().equals(full.subarray(48, 80)))
    throw new MalformedInputError('super/bad-checksum', 'LP metadata tables checksum does not match');
  const descriptors = [0, 1, 2, 3].map((i) => ({
    offset: full.readUInt32LE(80 + i * 12),
    count: full.readUInt32LE(84 + i * 12),
    entrySize: full.readUInt32LE(88 + i * 12),
  }));
  return { header: { major, minor, size, tablesSize, descriptors }, tables };
}

function table(tables: Buffer, header: Header, i: number): Buffer[] {
  const d = entryAt(header.descriptors, i, 'super/bad-table', 'LP table');
  const minEntry = entryAt([52, 24, 48, 64], i, 'super/bad-table', 'LP table');
  if (d.count > MAX_ENTRIES || d.entrySize < minEntry || d.offset + d.count * d.entrySize > tables.length) {
    throw new MalformedInputError(
      'super/bad-table',
      `LP table ${i} (${d.count} entries of ${d.entrySize} bytes at ${d.offset}) does not fit`,
    );
  }
  return Array.from({ length: d.count }, (_, k) =>
    tables.subarray(d.offset + k * d.entrySize, d.offset + (k + 1) * d.entrySize),
  );
}

function cstr(b: Buffer, at: number, len: number): string {
  const s = b.subarray(at, at + len);
  const nul = s.indexOf(0);
  return s.toString('utf8', 0, nul < 0 ? len : nul);
}
