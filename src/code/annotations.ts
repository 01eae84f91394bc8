import type { DexFile } from '../formats/dex.js';
import { DEFAULT_LIMITS } from '../io/limits.js';

/**
 * Method, parameter and field annotations of a DEX file (the `annotations_directory_item` of each class_def):
 * the annotation type and its elements whose values are strings or arrays of strings — what Retrofit's
 * `@GET("v1/words/{lang}")`, `@Query("ver")` and `@Path("lang")` carry. Read on demand, per DEX, once.
 * Every offset and count is checked against the file; a damaged directory ends that class's annotations,
 * never the scan, and is counted. Sets are read once per offset, and the reads of one DEX are bounded: a
 * hostile file can point every method of every class at the same large set, which would otherwise be read
 * again for each.
 */

export interface Annotation {
  /** Type descriptor, `Lretrofit2/http/GET;`. */
  type: string;
  /** Elements with string or string-array values (`value` → `["v1/words"]`). */
  values: Record<string, string[]>;
}

export interface MethodAnnotations {
  method: Annotation[];
  /** Per parameter (not counting `this`), its annotations. */
  params: Annotation[][];
}

/** Limits against hostile counts: no real class annotates more methods, no annotation has more elements. */
const MAX_ITEMS = 4096;
const MAX_ELEMENTS = 64;
const MAX_DEPTH = 3;

/** What reading a DEX's annotations met: damaged class directories, and whether the read bound stopped it. */
export interface AnnotationProblems {
  damagedClasses: number;
  cut: boolean;
}

interface DexAnnotations {
  byMethod: Map<number, MethodAnnotations>;
  problems: AnnotationProblems;
}

/** One DEX's reading state: sets already read (by offset) and the reads left. */
interface Reader {
  dex: DexFile;
  sets: Map<number, Annotation[]>;
  reads: number;
}

const cache = new WeakMap<DexFile, DexAnnotations>();

/** Annotations by method index of the DEX. Only classes that annotate methods or parameters appear. */
export function methodAnnotations(
  dex: DexFile,
  maxReads = DEFAULT_LIMITS.code.maxAnnotationReads,
): Map<number, MethodAnnotations> {
  return readAnnotations(dex, maxReads).byMethod;
}

/** Field annotations read so far, by class_def, with the reads left for them in this DEX. */
interface FieldState {
  reader: Reader;
  byClass: Map<number, Map<number, Annotation[]>>;
}

const fieldStates = new WeakMap<DexFile, FieldState>();

/**
 * Annotations of the fields class_def `classDefIdx` defines, by field index (Gson's
 * `@SerializedName("words")`, a field's generic `Signature`); read when first asked for, within a
 * bound of their own. A damaged directory or a spent bound gives no annotations.
 */
export function classFieldAnnotations(
  dex: DexFile,
  classDefIdx: number,
  maxReads = DEFAULT_LIMITS.code.maxAnnotationReads,
): Map<number, Annotation[]> {
  let state = fieldStates.get(dex);
  if (!state) fieldStates.set(dex, (state = { reader: { dex, sets: new Map(), reads: maxReads }, byClass: new Map() }));
  const hit = state.byClass.get(classDefIdx);
  if (hit) return hit;
  const out = new Map<number, Annotation[]>();
  state.byClass.set(classDefIdx, out);
  const buf = dex.buf;
  if (buf.length < 0x70 || classDefIdx < 0 || classDefIdx >= dex.classDefs.length) return out;
  const at = buf.readUInt32LE(0x64) + classDefIdx * 32 + 20;
  const dir = at + 4 <= buf.length ? buf.readUInt32LE(at) : 0;
  if (dir === 0) return out;
  try {
    const fields = u32(buf, dir + 4);
    if (fields > MAX_ITEMS) throw new RangeError('too many annotations');
    for (let i = 0, p = dir + 16; i < fields; i++, p += 8) {
      spend(state.reader);
      const set = readSet(state.reader, u32(buf, p + 4));
      if (set.length) out.set(u32(buf, p), set);
    }
  } catch (e) {
    if (!(e instanceof ReadsSpent) && !(e instanceof RangeError)) throw e;
    out.clear();
  }
  return out;
}

/** What went wrong reading the DEX's annotations (read once, with `methodAnnotations`). */
export function annotationProblems(
  dex: DexFile,
  maxReads = DEFAULT_LIMITS.code.maxAnnotationReads,
): AnnotationProblems {
  return readAnnotations(dex, maxReads).problems;
}

function readAnnotations(dex: DexFile, maxReads: number): DexAnnotations {
  const hit = cache.get(dex);
  if (hit) return hit;
  const out: DexAnnotations = { byMethod: new Map(), problems: { damagedClasses: 0, cut: false } };
  cache.set(dex, out);
  const buf = dex.buf;
  if (buf.length < 0x70) return out;
  const count = buf.readUInt32LE(0x60);
  const off = buf.readUInt32LE(0x64);
  if (count !== dex.classDefs.length || off + count * 32 > buf.length) return out;
  const reader: Reader = { dex, sets: new Map(), reads: maxReads };
  for (let c = 0; c < count && !out.problems.cut; c++) {
    const dir = buf.readUInt32LE(off + c * 32 + 20);
    if (dir === 0) continue;
    try {
      readDirectory(reader, dir, out.byMethod);
    } catch (e) {
      if (e instanceof ReadsSpent) out.problems.cut = true;
      else if (e instanceof RangeError) out.problems.damagedClasses++;
      else throw e;
    }
  }
  return out;
}

class ReadsSpent extends Error {}

/** Counts one read against the DEX's bound. */
function spend(r: Reader, n = 1): void {
  r.reads -= n;
  if (r.reads < 0) throw new ReadsSpent('annotation reads spent');
}

function u32(buf: Buffer, at: number): number {
  if (at < 0 || at + 4 > buf.length) throw new RangeError('annotation offset past the end');
  return buf.readUInt32LE(at);
}

function readDirectory(reader: Reader, dir: number, out: Map<number, MethodAnnotations>): void {
  const buf = reader.dex.buf;
  const fields = u32(buf, dir + 4);
  const methods = u32(buf, dir + 8);
  const params = u32(buf, dir + 12);
  if (fields > MAX_ITEMS || methods > MAX_ITEMS || params > MAX_ITEMS) throw new RangeError('too many annotations');
  const entry = (m: number): MethodAnnotations => {
    let e = out.get(m);
    if (!e) out.set(m, (e = { method: [], params: [] }));
    return e;
  };
  // Field annotations are read per class when asked for (classFieldAnnotations): most are never needed.
  let p = dir + 16 + fields * 8;
  for (let i = 0; i < methods; i++, p += 8) {
    spend(reader);
    const set = readSet(reader, u32(buf, p + 4));
    if (set.length) entry(u32(buf, p)).method.push(...set);
  }
  for (let i = 0; i < params; i++, p += 8) {
    const list = u32(buf, p + 4);
    const size = u32(buf, list);
    if (size > 255) throw new RangeError('too many parameters');
    const e = entry(u32(buf, p));
    spend(reader, size + 1);
    for (let k = 0; k < size; k++) {
      const setOff = u32(buf, list + 4 + k * 4);
      e.params[k] = setOff ? readSet(reader, setOff) : [];
    }
  }
}

function readSet(reader: Reader, off: number): Annotation[] {
  const known = reader.sets.get(off);
  if (known) return known;
  const { dex } = reader;
  const buf = dex.buf;
  const size = u32(buf, off);
  if (size > MAX_ELEMENTS) throw new RangeError('annotation set too large');
  const out: Annotation[] = [];
  for (let i = 0; i < size; i++) {
    const item = u32(buf, off + 4 + i * 4);
    // annotation_item: visibility byte, then an encoded_annotation.
    const r = { pos: item + 1, reader };
    const a = encodedAnnotation(dex, r, 0);
    if (a) out.push(a);
  }
  reader.sets.set(off, out);
  return out;
}

/** A read position in an encoded annotation, with the reads left of its DEX. */
interface Cursor {
  pos: number;
  reader: Reader;
}

function uleb(buf: Buffer, r: { pos: number }): number {
  let result = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (r.pos >= buf.length) throw new RangeError('uleb128 past the end');
    const b = buf[r.pos++] ?? 0;
    result |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) return result >>> 0;
  }
  throw new RangeError('uleb128 too long');
}

function encodedAnnotation(dex: DexFile, r: Cursor, depth: number): Annotation | null {
  const type = dex.typeDescriptor(uleb(dex.buf, r));
  const n = uleb(dex.buf, r);
  if (n > MAX_ELEMENTS) throw new RangeError('annotation has too many elements');
  const values: Record<string, string[]> = {};
  spend(r.reader, n + 1);
  for (let i = 0; i < n; i++) {
    const name = dex.string(uleb(dex.buf, r));
    const strings = encodedStrings(dex, r, depth);
    if (name !== null && strings) values[name] = strings;
  }
  return type ? { type, values } : null;
}

/** The strings an encoded value holds (a string, or an array of them); null for other values, skipped. */
function encodedStrings(dex: DexFile, r: Cursor, depth: number): string[] | null {
  const buf = dex.buf;
  if (depth > MAX_DEPTH) throw new RangeError('annotation nested too deep');
  if (r.pos >= buf.length) throw new RangeError('encoded value past the end');
  const head = buf[r.pos++] ?? 0;
  const type = head & 0x1f;
  const size = (head >> 5) + 1;
  switch (type) {
    case 0x1c: {
      const n = uleb(buf, r);
      if (n > MAX_ITEMS) throw new RangeError('encoded array too large');
      spend(r.reader, n);
      const out: string[] = [];
      let strings = true;
      for (let i = 0; i < n; i++) {
        const s = encodedStrings(dex, r, depth + 1);
        if (s) out.push(...s);
        else strings = false;
      }
      return strings ? out : null;
    }
    case 0x1d:
      encodedAnnotation(dex, r, depth + 1);
      return null;
    case 0x1e:
    case 0x1f:
      return null;
    default: {
      if (r.pos + size > buf.length) throw new RangeError('encoded value past the end');
      let v = 0;
      for (let k = 0; k < size; k++) v += (buf[r.pos + k] ?? 0) * 2 ** (8 * k);
      r.pos += size;
      if (type !== 0x17) return null;
      const s = dex.string(v);
      return s === null ? null : [s];
    }
  }
}
