import { lz4BlockDecode } from '../decode/lz4.js';
import { lzmaAloneDecode } from '../decode/xz.js';
import { CandorError, LimitExceededError, MalformedInputError } from '../io/errors.js';
import { Cursor, StringBudget, textOf } from './cursor.js';

/**
 * Unity data as Android games ship it: UnityFS asset bundles (header, LZMA/LZ4/LZ4HC blocks-info and
 * data blocks, directory of nodes), serialized files (`*.assets`, `sharedassets*.assets.split*` joined,
 * files named by a hash under assets/bin/Data/, bundle nodes), and the strings inside their objects.
 * Layouts follow Unity's own documentation of the formats as AssetStudio and UnityPy read them:
 * serialized file versions 9-22 with blob type trees (10, 12+) or legacy ones (<10). A TextAsset's
 * m_Script is a whole file the game wrote (a keyword list is often one); other objects (MonoBehaviour
 * string arrays, ScriptableObjects) hold lists as runs of length-prefixed, 4-aligned strings.
 */

export interface UnityNode {
  path: string;
  data: Uint8Array;
}

export interface UnityText {
  /** Which object it came from: `TextAsset "name"` or `object 12345 (class 114)`, with the bundle node. */
  where: string;
  /** Byte offset within the node or file. */
  offset: number;
  /** A TextAsset's content, or one long string. */
  text?: string;
  /** A run of adjacent short strings (a serialized string array). */
  entries?: string[];
}

export interface UnityReadResult {
  texts: UnityText[];
  /** What failed along the way; the rest was still read. */
  problems: Array<{ code: string; message: string }>;
  truncated: boolean;
}

const TEXT_ASSET = 49;
const MAX_OBJECTS = 1_000_000;
const MAX_TYPES = 100_000;
const MAX_TYPE_TREE_NODES = 1_000_000;
const MAX_LEGACY_DEPTH = 64;

export function isUnityFs(buf: Uint8Array): boolean {
  return buf.length >= 8 && Buffer.from(buf.buffer, buf.byteOffset, 8).toString('latin1') === 'UnityFS\0';
}

/** Decompresses a UnityFS bundle's blocks and returns its nodes (serialized files, resources). */
export function readUnityFs(buf: Uint8Array, maxOutput: number): { engine: string; nodes: UnityNode[] } {
  if (!isUnityFs(buf)) throw new MalformedInputError('unity/bad-magic', 'not a UnityFS bundle');
  const c = new Cursor(buf, 'unity', 8);
  c.le = false;
  const format = c.u32();
  if (format < 6 || format > 8) throw new MalformedInputError('unity/unsupported-version', `UnityFS format ${format}`);
  c.cstring(256); // player version ("5.x.x")
  const engine = c.cstring(256);
  c.u64(); // total size
  const infoCompressed = c.u32();
  const infoSize = c.u32();
  const flags = c.u32();
  if (format >= 7) c.align(16);
  let info: Uint8Array;
  let dataStart: number;
  if (flags & 0x80) {
    if (infoCompressed > buf.length) throw new MalformedInputError('unity/truncated', 'blocks info past the file');
    info = decompress(buf.subarray(buf.length - infoCompressed), flags & 0x3f, infoSize, maxOutput);
    dataStart = c.pos;
  } else {
    info = decompress(c.bytes(infoCompressed), flags & 0x3f, infoSize, maxOutput);
    dataStart = c.pos;
  }
  // Unity 2019.4+ pads the data blocks to 16 bytes when this flag is set.
  if (flags & 0x200) dataStart = Math.ceil(dataStart / 16) * 16;
  const ic = new Cursor(info, 'unity');
  ic.le = false;
  ic.skip(16); // hash of the uncompressed data
  const blockCount = ic.u32();
  if (blockCount * 10 > ic.remaining)
    throw new MalformedInputError('unity/bad-count', `${blockCount} blocks in a ${info.length}-byte table`);
  const blocks: Array<{ size: number; compressed: number; flags: number }> = [];
  let total = 0;
  for (let i = 0; i < blockCount; i++) {
    const b = { size: ic.u32(), compressed: ic.u32(), flags: ic.u16() };
    total += b.size;
    blocks.push(b);
  }
  if (total > maxOutput)
    throw new LimitExceededError('limit/unity-bytes', `bundle data of ${total} bytes exceeds ${maxOutput}`);
  const data = new Uint8Array(total);
  let inAt = dataStart;
  let outAt = 0;
  for (const b of blocks) {
    if (inAt + b.compressed > buf.length)
      throw new MalformedInputError('unity/truncated', `data block at ${inAt} runs past the file`);
    const part = decompress(buf.subarray(inAt, inAt + b.compressed), b.flags & 0x3f, b.size, maxOutput);
    data.set(part.subarray(0, b.size), outAt);
    inAt += b.compressed;
    outAt += b.size;
  }
  const nodeCount = ic.u32();
  if (nodeCount * 21 > ic.remaining)
    throw new MalformedInputError('unity/bad-count', `${nodeCount} nodes in the directory`);
  const nodes: UnityNode[] = [];
  for (let i = 0; i < nodeCount; i++) {
    const offset = ic.u64();
    const size = ic.u64();
    ic.u32(); // flags
    const path = ic.cstring(1024);
    if (offset + size > data.length)
      throw new MalformedInputError('unity/bad-node', `node ${path} lies outside the bundle data`);
    nodes.push({ path, data: data.subarray(offset, offset + size) });
  }
  return { engine, nodes };
}

function decompress(input: Uint8Array, kind: number, size: number, maxOutput: number): Uint8Array {
  if (size > maxOutput)
    throw new LimitExceededError('limit/unity-bytes', `block of ${size} bytes exceeds ${maxOutput}`);
  if (kind === 0) {
    if (input.length < size) throw new MalformedInputError('unity/truncated', 'stored block shorter than declared');
    return input.subarray(0, size);
  }
  if (kind === 2 || kind === 3) {
    const out = new Uint8Array(size);
    const n = lz4BlockDecode(input, 0, input.length, out);
    if (n !== size) throw new MalformedInputError('unity/bad-block', `LZ4 block gave ${n} of ${size} bytes`);
    return out;
  }
  if (kind === 1) {
    // Unity stores the 5 LZMA property bytes and the raw stream; a .lzma header adds the known size.
    if (input.length < 5) throw new MalformedInputError('unity/truncated', 'LZMA block too short');
    const full = new Uint8Array(13 + input.length - 5);
    full.set(input.subarray(0, 5), 0);
    new DataView(full.buffer).setUint32(5, size >>> 0, true);
    new DataView(full.buffer).setUint32(9, Math.floor(size / 2 ** 32), true);
    full.set(input.subarray(5), 13);
    try {
      return lzmaAloneDecode(full, maxOutput);
    } catch (err) {
      if (err instanceof CandorError) throw err;
      throw new MalformedInputError('unity/bad-block', `LZMA block: ${(err as Error).message}`);
    }
  }
  throw new MalformedInputError('unity/unsupported-compression', `compression type ${kind}`);
}

interface SerializedObject {
  pathId: number;
  classId: number;
  start: number;
  size: number;
}

/**
 * Whether bytes start like a serialized file: version 9-22 and a header whose sizes and data offset fit
 * (there is no magic number; the header's consistency is the test).
 */
export function looksLikeSerializedFile(buf: Uint8Array): boolean {
  try {
    const h = serializedHeader(buf);
    return h.dataOffset <= buf.length && h.metadataSize > 0 && h.metadataSize < buf.length;
  } catch {
    return false;
  }
}

function serializedHeader(buf: Uint8Array): {
  version: number;
  dataOffset: number;
  metadataSize: number;
  fileSize: number;
  metaStart: number;
  le: boolean;
} {
  const c = new Cursor(buf, 'unity');
  c.le = false;
  let metadataSize = c.u32();
  let fileSize = c.u32();
  const version = c.u32();
  let dataOffset = c.u32();
  if (version < 9 || version > 22)
    throw new MalformedInputError('unity/unsupported-version', `serialized file version ${version}`);
  const le = c.u8() === 0;
  c.skip(3);
  if (version >= 22) {
    metadataSize = c.u32();
    fileSize = c.u64();
    dataOffset = c.u64();
    c.skip(8);
  }
  if (fileSize !== buf.length && fileSize < buf.length / 2)
    throw new MalformedInputError('unity/bad-header', `declared size ${fileSize} of a ${buf.length}-byte file`);
  if (dataOffset > buf.length)
    throw new MalformedInputError('unity/bad-header', `data offset ${dataOffset} past the file`);
  return { version, dataOffset, metadataSize, fileSize, metaStart: c.pos, le };
}

/** The object table of a serialized file. */
export function readSerializedObjects(buf: Uint8Array): {
  version: number;
  engine: string;
  objects: SerializedObject[];
} {
  const h = serializedHeader(buf);
  const v = h.version;
  const c = new Cursor(buf, 'unity', h.metaStart);
  c.le = h.le;
  const engine = c.cstring(256);
  c.u32(); // target platform
  const typeTrees = v >= 13 ? c.u8() !== 0 : true;
  const typeCount = c.u32();
  if (typeCount > MAX_TYPES) throw new MalformedInputError('unity/bad-count', `${typeCount} types`);
  const classIds: number[] = [];
  for (let i = 0; i < typeCount; i++) {
    const classId = c.u32() | 0;
    let scriptIndex = -1;
    if (v >= 16) c.u8();
    if (v >= 17) scriptIndex = (c.u16() << 16) >> 16;
    if (v >= 13) {
      if ((v < 16 && classId < 0) || (v >= 16 && scriptIndex >= 0) || classId === 114) c.skip(16);
      c.skip(16);
    }
    if (typeTrees) {
      if (v >= 12 || v === 10) {
        const nodes = c.u32();
        const strings = c.u32();
        if (nodes > MAX_TYPE_TREE_NODES) throw new MalformedInputError('unity/bad-count', `${nodes} type-tree nodes`);
        c.skip(nodes * (v >= 19 ? 32 : 24) + strings);
        if (v >= 21) c.skip(c.u32() * 4);
      } else skipLegacyTree(c, v, 0);
    }
    classIds.push(classId);
  }
  let bigIds = false;
  if (v >= 7 && v < 14) bigIds = c.u32() !== 0;
  const count = c.u32();
  if (count > MAX_OBJECTS || count * 12 > c.remaining)
    throw new MalformedInputError('unity/bad-count', `${count} objects in the table`);
  const objects: SerializedObject[] = [];
  for (let i = 0; i < count; i++) {
    if (v >= 14) c.align(4);
    const pathId = v >= 14 || bigIds ? c.u64() : c.u32();
    const start = (v >= 22 ? c.u64() : c.u32()) + h.dataOffset;
    const size = c.u32();
    const typeId = c.u32() | 0;
    const classId = v < 16 ? c.u16() : (classIds[typeId] ?? -1);
    if (v < 11) c.u16();
    if (v >= 11 && v < 17) c.u16();
    if (v === 15 || v === 16) c.u8();
    if (start + size > buf.length)
      throw new MalformedInputError('unity/bad-object', `object ${pathId} lies outside the file`);
    objects.push({ pathId, classId, start, size });
  }
  return { version: v, engine, objects };
}

function skipLegacyTree(c: Cursor, v: number, depth: number): void {
  if (depth > MAX_LEGACY_DEPTH) throw new MalformedInputError('unity/too-deep', 'type tree nested too deep');
  c.cstring(1024);
  c.cstring(1024);
  c.skip(v === 2 ? 8 : 4); // size (+ variable count)
  if (v !== 3) c.skip(4); // index
  c.skip(8); // isArray, version
  if (v !== 3) c.skip(4); // meta flags
  const children = c.u32();
  if (children > c.remaining) throw new MalformedInputError('unity/bad-count', `${children} type-tree children`);
  for (let i = 0; i < children; i++) skipLegacyTree(c, v, depth + 1);
}

/** Reads a file or bundle node: serialized file objects when it parses as one, else a scan for strings. */
export function unityTexts(
  buf: Uint8Array,
  opts: { maxStrings: number; maxOutput: number; label?: string },
): UnityReadResult {
  const budget = new StringBudget(opts.maxStrings, 'unity');
  const result: UnityReadResult = { texts: [], problems: [], truncated: false };
  const note = (err: unknown) => {
    if (err instanceof CandorError) result.problems.push({ code: err.code, message: err.message });
    else throw err;
  };
  const nodes: UnityNode[] = [];
  if (isUnityFs(buf)) {
    try {
      nodes.push(...readUnityFs(buf, opts.maxOutput).nodes);
    } catch (err) {
      note(err);
    }
  } else nodes.push({ path: opts.label ?? '', data: buf });
  for (const node of nodes) {
    let objects: SerializedObject[] | null = null;
    if (looksLikeSerializedFile(node.data)) {
      try {
        objects = readSerializedObjects(node.data).objects;
      } catch (err) {
        note(err);
      }
    }
    const prefix = node.path ? `${node.path}: ` : '';
    if (objects) {
      for (const o of objects) {
        if (o.classId === TEXT_ASSET) {
          const t = textAsset(node.data, o);
          if (t && budget.take())
            result.texts.push({ where: `${prefix}TextAsset "${t.name}"`, offset: o.start, text: t.text });
        } else {
          for (const run of stringRuns(node.data, o.start, o.start + o.size, budget)) {
            result.texts.push({ ...run, where: `${prefix}object ${o.pathId} (class ${o.classId})` });
          }
        }
      }
    } else {
      for (const run of stringRuns(node.data, 0, node.data.length, budget))
        result.texts.push({ ...run, where: `${prefix}strings at ${run.offset}` });
    }
  }
  result.truncated = budget.truncated;
  return result;
}

function textAsset(buf: Uint8Array, o: SerializedObject): { name: string; text: string } | null {
  try {
    const c = new Cursor(buf, 'unity', o.start, o.start + o.size);
    const nameLen = c.u32();
    const name = textOf(c.bytes(nameLen));
    c.align(4, o.start);
    const len = c.u32();
    return { name, text: textOf(stripBom(c.bytes(len))) };
  } catch {
    return null;
  }
}

function stripBom(b: Uint8Array): Uint8Array {
  return b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? b.subarray(3) : b;
}

const MIN_RUN = 3;
const MIN_LONG_STRING = 64;

/**
 * Runs of Unity-serialized strings (int32 length, bytes, padding to 4) laid end to end, as a string[] or
 * a TextAsset body sits in object data. A run of three or more short strings is a list of entries; one
 * long valid string (a TextAsset in a split piece whose header is elsewhere) is a text.
 */
export function stringRuns(buf: Uint8Array, start: number, end: number, budget: StringBudget): UnityText[] {
  const out: UnityText[] = [];
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const at = (p: number): { s: string; next: number } | null => {
    if (p + 4 > end) return null;
    const len = dv.getUint32(p, true);
    if (len === 0 || len > end - p - 4) return null;
    const bytes = buf.subarray(p + 4, p + 4 + len);
    const s = validText(bytes);
    if (s === null) return null;
    return { s, next: p + 4 + len + ((4 - (len % 4)) % 4) };
  };
  let p = start;
  while (p + 4 <= end && !budget.truncated) {
    const first = at(p);
    if (!first) {
      p += 4;
      continue;
    }
    const run: Array<{ s: string; at: number }> = [];
    let q = p;
    let r: { s: string; next: number } | null = first;
    while (r && budget.take()) {
      run.push({ s: r.s, at: q });
      q = r.next;
      r = at(q);
    }
    if (run.length >= MIN_RUN) out.push({ where: '', offset: p, entries: run.map((x) => x.s) });
    else
      for (const x of run)
        if (x.s.length >= MIN_LONG_STRING && /[\n,|;、，]/.test(x.s)) out.push({ where: '', offset: x.at, text: x.s });
    p = Math.max(q, p + 4);
  }
  return out;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Valid UTF-8 without control characters other than tab, CR and LF: text, not numbers that happen to decode. */
function validText(bytes: Uint8Array): string | null {
  let s: string;
  try {
    s = STRICT_UTF8.decode(bytes);
  } catch {
    return null;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]/.test(s)) return null;
  return s.replace(/^\uFEFF/, '');
}
