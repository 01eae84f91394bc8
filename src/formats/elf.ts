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
  sections: Array<{ name: string; offset: number; size: number; type: number }>;
}

export interface ExtractedString {
  offset: number;
  text: string;
  section: string;
}

const MACHINES: Record<number, string> = { 3: 'x86', 8: 'mips', 40: 'arm', 62: 'x86_64', 183: 'aarch64', 243: 'riscv' };
const STRING_SECTIONS = new Set(['.rodata', '.data', '.data.rel.ro', '.rodata.str1.1', '.rodata.str1.4', '.rodata.str1.8', '.dynstr', '.rdata']);
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
  const info: ElfInfo = { class: cls, endian: le ? 'le' : 'be', machine, machineName: MACHINES[machine] ?? `machine-${machine}`, type, sections: [] };
  if (shoff === 0 || shnum === 0) return info;
  if (shentsize < (cls === 64 ? 64 : 40) || shoff + shnum * shentsize > buf.length) {
    throw new MalformedInputError('elf/bad-section-table', `section table (${shnum} x ${shentsize} at ${shoff}) runs past the file`);
  }
  const raw = [];
  for (let i = 0; i < shnum; i++) {
    const p = shoff + i * shentsize;
    raw.push({
      nameOff: u32(p),
      type: u32(p + 4),
      offset: addr(cls === 64 ? p + 0x18 : p + 0x10),
      size: addr(cls === 64 ? p + 0x20 : p + 0x14),
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
    info.sections.push({ name, offset: s.offset, size: s.size, type: s.type });
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
export function scanPrintable(buf: Uint8Array, start: number, end: number, minBytes: number, emit: (offset: number, text: string) => void): void {
  let runStart = -1;
  let i = start;
  const flush = (at: number) => {
    if (runStart >= 0 && at - runStart >= minBytes) emit(runStart, Buffer.from(buf.buffer, buf.byteOffset + runStart, at - runStart).toString('utf8'));
    runStart = -1;
  };
  while (i < end) {
    const b = buf[i];
    let len = 0;
    if ((b >= 0x20 && b < 0x7f) || b === 0x09) len = 1;
    else if (b >= 0xc2 && b <= 0xdf && i + 1 < end && (buf[i + 1] & 0xc0) === 0x80) len = 2;
    else if (b >= 0xe0 && b <= 0xef && i + 2 < end && (buf[i + 1] & 0xc0) === 0x80 && (buf[i + 2] & 0xc0) === 0x80) len = 3;
    else if (b >= 0xf0 && b <= 0xf4 && i + 3 < end && (buf[i + 1] & 0xc0) === 0x80 && (buf[i + 2] & 0xc0) === 0x80 && (buf[i + 3] & 0xc0) === 0x80) len = 4;
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
