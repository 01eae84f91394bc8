import { MalformedInputError } from '../io/errors.js';

/**
 * ELF header, section table and printable strings from data sections of native libraries
 * (System V gABI). Strings come with their file offset so findings can point at them.
 */

export interface ElfInfo {
  class: 32 | 64;
  endian: 'le' | 'be';
  machine: number;
  machineName: string;
  type: number;
  sections: Array<{ name: string; offset: number; size: number; type: number; addr?: number }>;
}

export interface ExtractedString {
  offset: number;
  text: string;
  section: string;
  /** Length in the file, when the text was decoded from another encoding than UTF-8 (GBK). */
  byteLength?: number;
  /** Set when the bytes were GBK/GB18030 rather than UTF-8. */
  encoding?: 'gb18030';
  /** The GBK reading of bytes that are valid as both UTF-8 and GBK (short strings often are). */
  gbkAlternative?: string;
}

const MACHINES: Record<number, string> = { 3: 'x86', 8: 'mips', 40: 'arm', 62: 'x86_64', 183: 'aarch64', 243: 'riscv' };
const STRING_SECTIONS = new Set([
  '.rodata',
  '.data',
  '.data.rel.ro',
  '.rodata.str1.1',
  '.rodata.str1.4',
  '.rodata.str1.8',
  '.dynstr',
  '.rdata',
]);
const SHT_NOBITS = 8;

export function isElf(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x7f && buf[1] === 0x45 && buf[2] === 0x4c && buf[3] === 0x46;
}

export function parseElf(buf: Buffer): ElfInfo {
  if (buf.length < 52 || !isElf(buf)) throw new MalformedInputError('elf/bad-magic', 'not an ELF file');
  const cls = buf[4] === 2 ? 64 : buf[4] === 1 ? 32 : 0;
  if (cls === 0) throw new MalformedInputError('elf/bad-class', `unknown ELF class ${buf[4]}`);
  const le = buf[5] !== 2;
  const u16 = (p: number) => (le ? buf.readUInt16LE(p) : buf.readUInt16BE(p));
  const u32 = (p: number) => (le ? buf.readUInt32LE(p) : buf.readUInt32BE(p));
  const addr = (p: number) => (cls === 64 ? Number(le ? buf.readBigUInt64LE(p) : buf.readBigUInt64BE(p)) : u32(p));
  if (cls === 64 && buf.length < 64) throw new MalformedInputError('elf/truncated-header', 'ELF64 header is truncated');
  const type = u16(16);
  const machine = u16(18);
  const shoff = addr(cls === 64 ? 0x28 : 0x20);
  const shentsize = u16(cls === 64 ? 0x3a : 0x2e);
  const shnum = u16(cls === 64 ? 0x3c : 0x30);
  const shstrndx = u16(cls === 64 ? 0x3e : 0x32);
  const info: ElfInfo = {
    class: cls,
    endian: le ? 'le' : 'be',
    machine,
    machineName: MACHINES[machine] ?? `machine-${machine}`,
    type,
    sections: [],
  };
  if (shoff === 0 || shnum === 0) return info;
  if (shentsize < (cls === 64 ? 64 : 40) || shoff + shnum * shentsize > buf.length) {
    throw new MalformedInputError(
      'elf/bad-section-table',
      `section table (${shnum} x ${shentsize} at ${shoff}) runs past the file`,
    );
  }
  const raw = [];
  for (let i = 0; i < shnum; i++) {
    const p = shoff + i * shentsize;
    raw.push({
      nameOff: u32(p),
      type: u32(p + 4),
      offset: addr(cls === 64 ? p + 0x18 : p + 0x10),
      size: addr(cls === 64 ? p + 0x20 : p + 0x14),
      addr: addr(cls === 64 ? p + 0x10 : p + 0x0c),
    });
  }
  const shstr = raw[shstrndx];
  for (const s of raw) {
    let name = '';
    if (shstr && shstr.offset + s.nameOff < buf.length) {
      const start = shstr.offset + s.nameOff;
      const end = buf.indexOf(0, start);
      name = buf.toString('latin1', start, end < 0 ? Math.min(buf.length, start + 64) : Math.min(end, start + 256));
    }
    info.sections.push({ name, offset: s.offset, size: s.size, type: s.type, addr: s.addr });
  }
  return info;
}

/**
 * Printable strings (UTF-8, at least `minBytes` long) from the data sections; when the section table is
 * missing or stripped, from the whole file, as `strings` would.
 */
export function elfStrings(buf: Buffer, info: ElfInfo | null, minBytes = 4, maxStrings = 500_000): ExtractedString[] {
  const regions: Array<{ name: string; start: number; end: number }> = [];
  for (const s of info?.sections ?? []) {
    if (!STRING_SECTIONS.has(s.name) || s.type === SHT_NOBITS) continue;
    const start = Math.min(s.offset, buf.length);
    regions.push({ name: s.name, start, end: Math.min(buf.length, start + s.size) });
  }
  if (regions.length === 0) regions.push({ name: '(file)', start: 0, end: buf.length });
  const out: ExtractedString[] = [];
  for (const r of regions) {
    scanPrintable(buf, r.start, r.end, minBytes, (offset, text) => {
      if (out.length < maxStrings) out.push({ offset, text, section: r.name });
    });
  }
  return out;
}

/** Calls `emit` for each run of printable ASCII or well-formed multi-byte UTF-8. */
export function scanPrintable(
  buf: Uint8Array,
  start: number,
  end: number,
  minBytes: number,
  emit: (offset: number, text: string) => void,
): void {
  let runStart = -1;
  let i = start;
  const flush = (at: number) => {
    if (runStart >= 0 && at - runStart >= minBytes)
      emit(runStart, Buffer.from(buf.buffer, buf.byteOffset + runStart, at - runStart).toString('utf8'));
    runStart = -1;
  };
  while (i < end) {
    const b = buf[i] ?? 0;
    let len = 0;
    if ((b >= 0x20 && b < 0x7f) || b === 0x09) len = 1;
    else if (b >= 0xc2 && b <= 0xdf && i + 1 < end && isContinuation(buf[i + 1])) len = 2;
    else if (b >= 0xe0 && b <= 0xef && i + 2 < end && isContinuation(buf[i + 1]) && isContinuation(buf[i + 2])) len = 3;
    else if (
      b >= 0xf0 &&
      b <= 0xf4 &&
      i + 3 < end &&
      isContinuation(buf[i + 1]) &&
      isContinuation(buf[i + 2]) &&
      isContinuation(buf[i + 3])
    )
      len = 4;
    if (len === 0) {
      flush(i);
      i++;
      continue;
    }
    if (runStart < 0) runStart = i;
    i += len;
  }
  flush(end);
}

const GB18030 = new TextDecoder('gb18030');

/**
 * The NUL-terminated strings of the string sections, as a string table holds them: every entry down to
 * two ASCII bytes or one CJK character (keyword lists are full of two-letter and one-character entries),
 * in UTF-8 or, where the bytes are not UTF-8, in GBK (what Chinese toolchains put in .rodata). A string
 * must start after a NUL (or its section's start) and end at one, so fragments of code are not taken.
 */
export function elfListStrings(buf: Buffer, info: ElfInfo | null, maxStrings = 500_000): ExtractedString[] {
  const regions: Array<{ name: string; start: number; end: number }> = [];
  for (const s of info?.sections ?? []) {
    if (!STRING_SECTIONS.has(s.name) || s.type === SHT_NOBITS || s.name === '.dynstr') continue;
    const start = Math.min(s.offset, buf.length);
    regions.push({ name: s.name, start, end: Math.min(buf.length, start + s.size) });
  }
  if (regions.length === 0) regions.push({ name: '(file)', start: 0, end: buf.length });
  const out: ExtractedString[] = [];
  for (const r of regions) {
    let p = r.start;
    while (p < r.end && out.length < maxStrings) {
      const nul = buf.indexOf(0, p);
      const e = nul < 0 || nul > r.end ? r.end : nul;
      if (e > p && nul >= 0 && nul <= r.end) {
        const s = tableString(buf, p, e);
        if (s) out.push({ offset: p, section: r.name, ...s });
      }
      p = e + 1;
    }
  }
  return out;
}

function tableString(
  buf: Buffer,
  start: number,
  end: number,
): { text: string; byteLength?: number; encoding?: 'gb18030'; gbkAlternative?: string } | null {
  let ascii = true;
  let utf8 = true;
  let gbk = true;
  let i = start;
  while (i < end && (utf8 || gbk)) {
    const b = buf[i] ?? 0;
    if (b < 0x80) {
      if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return null;
      if (b === 0x7f) return null;
      i++;
      continue;
    }
    ascii = false;
    // UTF-8 multi-byte sequence?
    const n = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    let okUtf8 = n > 0 && i + n <= end;
    for (let k = 1; okUtf8 && k < n; k++) if (!isContinuation(buf[i + k])) okUtf8 = false;
    // GBK double-byte character?
    const okGbk = b >= 0x81 && b <= 0xfe && i + 1 < end && isGbkTrail(buf[i + 1]);
    if (!okUtf8) utf8 = false;
    if (!okGbk) gbk = false;
    i += okUtf8 && utf8 ? n : 2;
  }
  const len = end - start;
  if (ascii) return len >= 2 ? { text: buf.toString('latin1', start, end) } : null;
  if (utf8) {
    const text = buf.toString('utf8', start, end);
    const alt = isGbk(buf, start, end) ? GB18030.decode(buf.subarray(start, end)) : null;
    return text.length >= 1 ? { text, ...(alt && alt !== text ? { gbkAlternative: alt } : {}) } : null;
  }
  if (gbk && isGbk(buf, start, end))
    return { text: GB18030.decode(buf.subarray(start, end)), byteLength: len, encoding: 'gb18030' };
  return null;
}

/** A UTF-8 continuation byte (10xxxxxx); a byte past the end is none. */
function isContinuation(b: number | undefined): boolean {
  return b !== undefined && (b & 0xc0) === 0x80;
}

/** The second byte of a GBK double-byte character; a byte past the end is none. */
function isGbkTrail(b: number | undefined): boolean {
  return b !== undefined && b >= 0x40 && b <= 0xfe && b !== 0x7f;
}

function isGbk(buf: Buffer, start: number, end: number): boolean {
  for (let k = start; k < end;) {
    const b = buf[k] ?? 0;
    if (b < 0x80) k++;
    else if (b >= 0x81 && b <= 0xfe && k + 1 < end && isGbkTrail(buf[k + 1])) k += 2;
    else return false;
  }
  return true;
}

/** R_*_RELATIVE for x86 and x86-64 (8), ARM (23), AArch64 (1027), MIPS has none of this form. */
const RELATIVE_TYPES: Record<number, number> = { 3: 8, 62: 8, 40: 23, 183: 1027 };
const SHT_RELA = 4;
const SHT_REL = 9;

/**
 * Strings reached through pointer tables: a `const char *words[]` in a position-independent library is a
 * run of RELATIVE relocations in .data.rel.ro whose values are string addresses. Following them
 * recovers the table in source order, including entries the linker merged into the tail of a longer
 * string (no NUL before them, so a string-table scan cannot see them). Each string's offset is its slot's
 * file offset, so one table is one run of adjacent entries.
 */
export function elfPointerStrings(buf: Buffer, info: ElfInfo, maxStrings = 500_000): ExtractedString[] {
  const relative = RELATIVE_TYPES[info.machine];
  if (relative === undefined) return [];
  const le = info.endian === 'le';
  const is64 = info.class === 64;
  const word = is64 ? 8 : 4;
  const read = (p: number) =>
    is64
      ? Number(le ? buf.readBigUInt64LE(p) : buf.readBigUInt64BE(p))
      : le
        ? buf.readUInt32LE(p)
        : buf.readUInt32BE(p);
  const mapped = info.sections.filter((s) => s.addr && s.type !== SHT_NOBITS && s.offset + s.size <= buf.length);
  const toOffset = (addr: number) => {
    for (const s of mapped)
      if (addr >= s.addr! && addr < s.addr! + s.size) return { off: s.offset + (addr - s.addr!), section: s };
    return null;
  };
  const slots: Array<{ slot: number; target: number }> = [];
  for (const rs of info.sections) {
    if (rs.type !== SHT_RELA && rs.type !== SHT_REL) continue;
    const entSize = rs.type === SHT_RELA ? word * 3 : word * 2;
    const end = Math.min(buf.length, rs.offset + rs.size);
    for (let p = rs.offset; p + entSize <= end && slots.length < maxStrings * 4; p += entSize) {
      const rOffset = read(p);
      const rInfo = read(p + word);
      const type = is64 ? rInfo % 2 ** 32 : rInfo & 0xff;
      if (type !== relative) continue;
      const slot = toOffset(rOffset);
      if (!slot || !/^\.data/.test(slot.section.name)) continue;
      const target = rs.type === SHT_RELA ? read(p + 2 * word) : slot.off + word <= buf.length ? read(slot.off) : -1;
      slots.push({ slot: slot.off, target });
    }
  }
  slots.sort((a, b) => a.slot - b.slot);
  const out: ExtractedString[] = [];
  for (const { slot, target } of slots) {
    if (out.length >= maxStrings) break;
    const t = target >= 0 ? toOffset(target) : null;
    if (!t || !STRING_SECTIONS.has(t.section.name)) continue;
    const stop = Math.min(buf.length, t.section.offset + t.section.size);
    const nul = buf.indexOf(0, t.off);
    if (nul < 0 || nul > stop || nul === t.off) continue;
    const s = tableString(buf, t.off, nul);
    if (s) out.push({ ...s, offset: slot, section: '(pointer table)', byteLength: word - 1 });
  }
  return out;
}
