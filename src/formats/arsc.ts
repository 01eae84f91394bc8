import { MalformedInputError } from '../io/errors.js';
import { RES_STRING_POOL_TYPE, StringPool } from './string-pool.js';

/**
 * resources.arsc, read far enough to resolve string resources (the app label and any string the manifest
 * references). Layout from androidfw's ResourceTypes.h: table -> global string pool -> packages ->
 * type specs and types, each type holding one configuration's entries.
 */

const RES_TABLE_TYPE = 0x0002;
const RES_TABLE_PACKAGE_TYPE = 0x0200;
const RES_TABLE_TYPE_TYPE = 0x0201;
const FLAG_SPARSE = 0x01;
const FLAG_OFFSET16 = 0x02;
const ENTRY_FLAG_COMPLEX = 0x0001;
const ENTRY_FLAG_COMPACT = 0x0008;
const NO_ENTRY = 0xffffffff;
const MAX_REFERENCE_HOPS = 8;

interface Value {
  locale: string;
  dataType: number;
  data: number;
}

export interface ResourceTable {
  strings: StringPool | null;
  packages: Array<{ id: number; name: string }>;
  /** Values by resource id, one per configuration that defines it. */
  values: Map<number, Value[]>;
  /** String items of bags (string-array, plurals, array) by resource id, one per configuration. */
  bags: Map<number, Array<{ locale: string; strings: number[] }>>;
  warnings: string[];
}

export function parseResourceTable(buf: Buffer): ResourceTable {
  if (buf.length < 12 || buf.readUInt16LE(0) !== RES_TABLE_TYPE) {
    throw new MalformedInputError('arsc/bad-magic', 'not a resources.arsc table');
  }
  const warnings: string[] = [];
  const end = Math.min(buf.readUInt32LE(4), buf.length);
  const table: ResourceTable = { strings: null, packages: [], values: new Map(), bags: new Map(), warnings };
  let p = buf.readUInt16LE(2);
  while (p + 8 <= end) {
    const type = buf.readUInt16LE(p);
    const size = buf.readUInt32LE(p + 4);
    if (size < 8 || p + size > end) {
      warnings.push(`chunk 0x${type.toString(16)} at ${p} runs past the table`);
      break;
    }
    if (type === RES_STRING_POOL_TYPE) table.strings = new StringPool(buf, p);
    else if (type === RES_TABLE_PACKAGE_TYPE) readPackage(buf, p, size, table);
    p += size;
  }
  return table;
}

function readPackage(buf: Buffer, at: number, size: number, table: ResourceTable): void {
  const headerSize = buf.readUInt16LE(at + 2);
  const id = buf.readUInt32LE(at + 8);
  const nameEnd = Math.min(at + 12 + 256, at + size);
  const name = buf.toString('utf16le', at + 12, nameEnd).replace(/\0.*$/s, '');
  table.packages.push({ id, name });
  let p = at + headerSize;
  const end = at + size;
  while (p + 8 <= end) {
    const type = buf.readUInt16LE(p);
    const chunkSize = buf.readUInt32LE(p + 4);
    if (chunkSize < 8 || p + chunkSize > end) {
      table.warnings.push(`package chunk 0x${type.toString(16)} at ${p} runs past its package`);
      return;
    }
    if (type === RES_TABLE_TYPE_TYPE) readType(buf, p, chunkSize, id, table);
    p += chunkSize;
  }
}

function readType(buf: Buffer, at: number, size: number, packageId: number, table: ResourceTable): void {
  const headerSize = buf.readUInt16LE(at + 2);
  // ResTable_type's fixed header (ids, flags, entry count and start) is 20 bytes, all inside the chunk.
  if (size < 20 || headerSize < 20 || headerSize > size) {
    table.warnings.push(`type chunk at ${at} is too short for its header`);
    return;
  }
  const typeId = buf.readUInt8(at + 8);
  const flags = buf.readUInt8(at + 9);
  const entryCount = buf.readUInt32LE(at + 12);
  const entriesStart = at + buf.readUInt32LE(at + 16);
  const configAt = at + 20;
  const locale = readLocale(buf, configAt, at + headerSize);
  const end = at + size;
  const offsetsAt = at + headerSize;
  const offsetWidth = flags & FLAG_OFFSET16 ? 2 : 4;
  if (offsetsAt + entryCount * offsetWidth > end) {
    table.warnings.push(`type ${typeId} claims ${entryCount} entries that do not fit`);
    return;
  }
  const visit = (entryIndex: number, offset: number) => {
    const e = entriesStart + offset;
    if (e + 8 > end) return;
    const entrySize = buf.readUInt16LE(e);
    const entryFlags = buf.readUInt16LE(e + 2);
    const resId = ((packageId & 0xff) << 24) | (typeId << 16) | (entryIndex & 0xffff);
    let dataType: number;
    let data: number;
    if (entryFlags & ENTRY_FLAG_COMPACT) {
      // Compact entry (Android 14+): key in the first u16, type in the flags' high byte, data inline.
      dataType = entryFlags >> 8;
      data = buf.readUInt32LE(e + 4);
    } else if (entryFlags & ENTRY_FLAG_COMPLEX) {
      readBag(buf, e, end, ((packageId & 0xff) << 24) | (typeId << 16) | (entryIndex & 0xffff), locale, table);
      return;
    } else {
      const v = e + entrySize;
      if (v + 8 > end) return;
      dataType = buf.readUInt8(v + 3);
      data = buf.readUInt32LE(v + 4);
    }
    if (dataType !== 0x03 && dataType !== 0x01) return;
    const key = resId >>> 0;
    let list = table.values.get(key);
    if (!list) table.values.set(key, (list = []));
    list.push({ locale, dataType, data });
  };
  if (flags & FLAG_SPARSE) {
    for (let i = 0; i < entryCount; i++) {
      const idx = buf.readUInt16LE(offsetsAt + i * 4);
      const off = buf.readUInt16LE(offsetsAt + i * 4 + 2) * 4;
      visit(idx, off);
    }
    return;
  }
  for (let i = 0; i < entryCount; i++) {
    let off: number;
    if (offsetWidth === 2) {
      const o16 = buf.readUInt16LE(offsetsAt + i * 2);
      if (o16 === 0xffff) continue;
      off = o16 * 4;
    } else {
      off = buf.readUInt32LE(offsetsAt + i * 4);
      if (off === NO_ENTRY) continue;
    }
    visit(i, off);
  }
}

/** A bag's string items (ResTable_map_entry, then `count` ResTable_map name/value pairs): a string-array's entries. */
function readBag(buf: Buffer, e: number, end: number, resId: number, locale: string, table: ResourceTable): void {
  if (e + 16 > end) return;
  const headerSize = buf.readUInt16LE(e);
  const count = buf.readUInt32LE(e + 12);
  const first = e + headerSize;
  if (headerSize < 16 || first + count * 12 > end) {
    table.warnings.push(`bag 0x${(resId >>> 0).toString(16)} claims ${count} items that do not fit`);
    return;
  }
  const strings: number[] = [];
  for (let i = 0; i < count; i++) {
    const m = first + i * 12;
    if (buf[m + 7] === 0x03) strings.push(buf.readUInt32LE(m + 8));
  }
  if (strings.length === 0) return;
  const key = resId >>> 0;
  let list = table.bags.get(key);
  if (!list) table.bags.set(key, (list = []));
  list.push({ locale, strings });
}

/** ResTable_config: imsi (4 bytes) then language[2], country[2]; packed 3-letter codes are left as-is. */
function readLocale(buf: Buffer, configAt: number, limit: number): string {
  if (configAt + 12 > limit) return '';
  const [l0 = 0, l1 = 0] = buf.subarray(configAt + 8, configAt + 10);
  const [c0 = 0, c1 = 0] = buf.subarray(configAt + 10, configAt + 12);
  const l = l0 === 0 ? '' : l0 & 0x80 ? 'x-packed' : String.fromCharCode(l0, l1);
  const c = c0 === 0 ? '' : c0 & 0x80 ? '' : String.fromCharCode(c0, c1);
  return c ? `${l}-${c}` : l;
}

/**
 * Resolves a string resource: the default configuration first, then English, then any; references to
 * other resources are followed a bounded number of hops.
 */
export function resolveString(table: ResourceTable, resId: number): string | null {
  let id = resId >>> 0;
  for (let hop = 0; hop < MAX_REFERENCE_HOPS; hop++) {
    const values = table.values.get(id);
    const pick =
      values?.find((v) => v.locale === '') ??
      values?.find((v) => v.locale === 'en' || v.locale.startsWith('en-')) ??
      values?.[0];
    if (!pick) return null;
    if (pick.dataType === 0x03) return table.strings?.tryGet(pick.data) ?? null;
    id = pick.data >>> 0;
  }
  return null;
}
