import { MalformedInputError } from '../io/errors.js';
import { Cursor, StringBudget } from './cursor.js';

/**
 * String heaps of .NET assemblies (ECMA-335 II.24): the PE file's CLI header leads to the metadata root,
 * whose `#US` heap holds every string literal of the code (`ldstr`), in the order the compiler emitted
 * them, and whose `#Strings` heap holds identifiers. Unity games compile their C# into
 * `assets/bin/Data/Managed/Assembly-CSharp.dll`, so a `string[]` keyword table is a run of `#US` entries.
 */

export interface HeapString {
  /** Offset of the entry within its heap (what `monodis --userstrings` prints). */
  index: number;
  text: string;
}

export interface DotnetStrings {
  runtime: string;
  userStrings: HeapString[];
  strings: HeapString[];
  truncated: boolean;
}

const CLI_DIRECTORY = 14;
const MAX_SECTIONS = 96;
const MAX_STREAMS = 16;

export function isPe(buf: Uint8Array): boolean {
  return buf.length >= 0x40 && buf[0] === 0x4d && buf[1] === 0x5a;
}

export function readDotnetStrings(buf: Uint8Array, maxStrings: number): DotnetStrings {
  if (!isPe(buf)) throw new MalformedInputError('dotnet/bad-magic', 'not a PE file');
  const c = new Cursor(buf, 'dotnet', 0x3c);
  const pe = c.u32();
  c.pos = pe;
  if (c.u32() !== 0x00004550) throw new MalformedInputError('dotnet/bad-magic', 'no PE signature');
  c.skip(2);
  const sectionCount = c.u16();
  c.skip(12);
  const optionalSize = c.u16();
  c.skip(2);
  const optional = c.pos;
  const magic = c.u16();
  if (magic !== 0x10b && magic !== 0x20b)
    throw new MalformedInputError('dotnet/bad-header', `optional header magic 0x${magic.toString(16)}`);
  const dirs = optional + (magic === 0x20b ? 112 : 96);
  if (dirs + (CLI_DIRECTORY + 1) * 8 > optional + optionalSize)
    throw new MalformedInputError('dotnet/not-managed', 'no CLI header directory: a native PE, not a .NET assembly');
  c.pos = dirs + CLI_DIRECTORY * 8;
  const cliRva = c.u32();
  if (cliRva === 0)
    throw new MalformedInputError('dotnet/not-managed', 'no CLI header: a native PE, not a .NET assembly');
  if (sectionCount > MAX_SECTIONS) throw new MalformedInputError('dotnet/bad-header', `${sectionCount} sections`);
  const sections: Array<{ va: number; vsize: number; raw: number; rawSize: number }> = [];
  c.pos = optional + optionalSize;
  for (let i = 0; i < sectionCount; i++) {
    c.skip(8);
    const vsize = c.u32();
    const va = c.u32();
    const rawSize = c.u32();
    const raw = c.u32();
    c.skip(16);
    sections.push({ va, vsize, raw, rawSize });
  }
  const offsetOf = (rva: number): number => {
    for (const s of sections) {
      if (rva >= s.va && rva < s.va + Math.max(s.vsize, s.rawSize)) return s.raw + (rva - s.va);
    }
    throw new MalformedInputError('dotnet/bad-rva', `RVA 0x${rva.toString(16)} is in no section`);
  };
  c.pos = offsetOf(cliRva) + 8;
  const metaRva = c.u32();
  const metaSize = c.u32();
  const root = offsetOf(metaRva);
  const m = new Cursor(buf, 'dotnet', root, Math.min(buf.length, root + metaSize));
  if (m.u32() !== 0x424a5342)
    throw new MalformedInputError('dotnet/bad-metadata', 'metadata root has no BSJB signature');
  m.skip(8);
  const versionLength = m.u32();
  const runtime = Buffer.from(m.bytes(versionLength)).toString('latin1').replace(/\0.*$/s, '');
  m.skip(2);
  const streamCount = m.u16();
  if (streamCount > MAX_STREAMS)
    throw new MalformedInputError('dotnet/bad-metadata', `${streamCount} metadata streams`);
  const budget = new StringBudget(maxStrings, 'dotnet');
  const out: DotnetStrings = { runtime, userStrings: [], strings: [], truncated: false };
  for (let i = 0; i < streamCount; i++) {
    const offset = m.u32();
    const size = m.u32();
    const nameStart = m.pos;
    const name = m.cstring(32);
    m.pos = nameStart + Math.ceil((m.pos - nameStart) / 4) * 4;
    const start = root + offset;
    if (start + size > buf.length)
      throw new MalformedInputError('dotnet/bad-stream', `stream ${name} runs past the file`);
    const heap = buf.subarray(start, start + size);
    if (name === '#US') out.userStrings = userStrings(heap, budget);
    else if (name === '#Strings') out.strings = identifierStrings(heap, budget);
  }
  out.truncated = budget.truncated;
  return out;
}

/** `#US`: compressed length, UTF-16LE code units, one trailing flag byte (II.24.2.4). */
function userStrings(heap: Uint8Array, budget: StringBudget): HeapString[] {
  const out: HeapString[] = [];
  // Big-endian reads through a view: the length prefix is a big-endian number with its high bits as a tag.
  const view = new DataView(heap.buffer, heap.byteOffset, heap.byteLength);
  let p = 1;
  while (p < heap.length) {
    const index = p;
    const b = view.getUint8(p);
    let len: number;
    if ((b & 0x80) === 0) {
      len = b;
      p += 1;
    } else if ((b & 0xc0) === 0x80 && p + 1 < heap.length) {
      len = view.getUint16(p) & 0x3fff;
      p += 2;
    } else if ((b & 0xe0) === 0xc0 && p + 3 < heap.length) {
      len = view.getUint32(p) & 0x1fffffff;
      p += 4;
    } else break; // padding at the end of the heap, or damage
    if (p + len > heap.length)
      throw new MalformedInputError('dotnet/bad-user-string', `user string at ${index} runs past the heap`);
    if (len === 0) continue; // alignment padding is zero-length blobs
    const chars = len & ~1;
    if (!budget.take()) break;
    out.push({ index, text: Buffer.from(heap.buffer, heap.byteOffset + p, chars).toString('utf16le') });
    p += len;
  }
  return out;
}

/** `#Strings`: NUL-terminated UTF-8 identifiers. */
function identifierStrings(heap: Uint8Array, budget: StringBudget): HeapString[] {
  const out: HeapString[] = [];
  let p = 1;
  while (p < heap.length) {
    let e = p;
    while (e < heap.length && heap[e] !== 0) e++;
    if (e > p) {
      if (!budget.take()) break;
      out.push({ index: p, text: Buffer.from(heap.buffer, heap.byteOffset + p, e - p).toString('utf8') });
    }
    p = e + 1;
  }
  return out;
}
