import type { ByteSource } from '../io/byte-source.js';
import { MalformedInputError } from '../io/errors.js';

/**
 * Boot, recovery and vendor_boot images (AOSP system/tools/mkbootimg/include/bootimg/bootimg.h), header
 * versions 0 to 4: the kernel command line (where `androidboot.selinux=permissive` or a disabled
 * verity would show), OS version and patch level, and where the kernel and ramdisk lie.
 */

export interface BootImage {
  kind: 'boot' | 'vendor_boot';
  headerVersion: number;
  pageSize: number;
  cmdline: string;
  /** bootconfig of vendor_boot v4, one `key = value` per line. */
  bootconfig?: string;
  osVersion: string | null;
  patchLevel: string | null;
  kernelSize: number;
  ramdiskSize: number;
  ramdiskOffset: number;
  ramdiskFormat: string | null;
  name: string;
}

export function isBootImage(head: Buffer): boolean {
  const m = head.toString('latin1', 0, 8);
  return m === 'ANDROID!' || m === 'VNDRBOOT';
}

export function parseBootImage(src: ByteSource): BootImage {
  const head = src.read(0, Math.min(src.size, 4096));
  if (head.length < 1632 || !isBootImage(head))
    throw new MalformedInputError('bootimg/bad-magic', 'not an Android boot image');
  if (head.toString('latin1', 0, 8) === 'VNDRBOOT') return vendorBoot(src, head);
  const version = head.readUInt32LE(40);
  if (version > 4)
    throw new MalformedInputError('bootimg/version', `boot image header version ${version} is not 0 to 4`);
  if (version >= 3) {
    const kernelSize = head.readUInt32LE(8);
    const ramdiskSize = head.readUInt32LE(12);
    const os = head.readUInt32LE(16);
    const page = 4096;
    const ramdiskOffset = page + align(kernelSize, page);
    return {
      kind: 'boot',
      headerVersion: version,
      pageSize: page,
      cmdline: cstr(head, 44, 1536),
      ...osFields(os),
      kernelSize,
      ramdiskSize,
      ramdiskOffset,
      ramdiskFormat: ramdiskFormat(src, ramdiskOffset, ramdiskSize),
      name: '',
    };
  }
  const kernelSize = head.readUInt32LE(8);
  const ramdiskSize = head.readUInt32LE(16);
  const page = head.readUInt32LE(36);
  if (page < 2048 || page > 65536 || (page & (page - 1)) !== 0)
    throw new MalformedInputError('bootimg/bad-page-size', `page size ${page}`);
  const os = head.readUInt32LE(44);
  const cmdline = (cstr(head, 64, 512) + cstr(head, 608, 1024)).trim();
  const ramdiskOffset = page + align(kernelSize, page);
  return {
    kind: 'boot',
    headerVersion: version,
    pageSize: page,
    cmdline,
    ...osFields(os),
    kernelSize,
    ramdiskSize,
    ramdiskOffset,
    ramdiskFormat: ramdiskFormat(src, ramdiskOffset, ramdiskSize),
    name: cstr(head, 48, 16),
  };
}

/**
 * What of a boot image its header places past the end of the image: a cut image loses its kernel,
 * ramdisk or the sections after them (second stage, DTB, signature, vendor tables), which the header
 * alone would not show. Section sizes follow the boot image header versions 0 to 4.
 */
export function bootTruncation(src: ByteSource, b: BootImage): string[] {
  const size = src.size;
  const h = src.read(0, Math.min(size, 4096));
  const page = b.pageSize;
  const u32 = (at: number) => (at + 4 <= h.length ? h.readUInt32LE(at) : 0);
  const sections: Array<[string, number]> = [];
  if (b.kind === 'boot') {
    sections.push(['header', page], ['kernel', b.kernelSize], ['ramdisk', b.ramdiskSize]);
    if (b.headerVersion >= 3) {
      if (b.headerVersion === 4) sections.push(['boot signature', u32(1580)]);
    } else {
      sections.push(['second stage', u32(24)]);
      if (b.headerVersion >= 1) sections.push(['recovery DTBO', u32(1632)]);
      if (b.headerVersion >= 2) sections.push(['DTB', u32(1648)]);
    }
  } else {
    sections.push(['header', u32(2096)], ['vendor ramdisk', b.ramdiskSize], ['DTB', u32(2100)]);
    if (b.headerVersion >= 4) sections.push(['vendor ramdisk table', u32(2112)], ['bootconfig', u32(2124)]);
  }
  const out: string[] = [];
  let at = 0;
  for (const [name, length] of sections) {
    if (length > 0 && at + length > size)
      out.push(`${name} (${length} bytes at ${at}) runs past the ${size}-byte image`);
    at += align(length, page);
  }
  // Boot partitions and the images written for them are whole pages (a footer, when present, ends the
  // partition): any other size is an image cut short, even when only padding was lost.
  if (out.length === 0 && size % page !== 0)
    out.push(`${size}-byte image is not a whole number of ${page}-byte pages: cut short`);
  return out;
}

function vendorBoot(src: ByteSource, head: Buffer): BootImage {
  if (head.length < 2112) throw new MalformedInputError('bootimg/truncated', 'vendor_boot header is cut short');
  const version = head.readUInt32LE(8);
  const page = head.readUInt32LE(12);
  if (page < 2048 || page > 65536 || (page & (page - 1)) !== 0)
    throw new MalformedInputError('bootimg/bad-page-size', `page size ${page}`);
  const ramdiskSize = head.readUInt32LE(24);
  const headerSize = head.readUInt32LE(2096);
  const ramdiskOffset = align(headerSize, page);
  const out: BootImage = {
    kind: 'vendor_boot',
    headerVersion: version,
    pageSize: page,
    cmdline: cstr(head, 28, 2048),
    osVersion: null,
    patchLevel: null,
    kernelSize: 0,
    ramdiskSize,
    ramdiskOffset,
    ramdiskFormat: ramdiskFormat(src, ramdiskOffset, ramdiskSize),
    name: cstr(head, 2080, 16),
  };
  if (version >= 4 && head.length >= 2128) {
    const dtbSize = head.readUInt32LE(2100);
    const tableSize = head.readUInt32LE(2112);
    const bootconfigSize = head.readUInt32LE(2124);
    const at = ramdiskOffset + align(ramdiskSize, page) + align(dtbSize, page) + align(tableSize, page);
    if (bootconfigSize > 0 && bootconfigSize < 1 << 20 && at + bootconfigSize <= src.size)
      out.bootconfig = src.read(at, bootconfigSize).toString('utf8').replace(/\0+$/, '');
  }
  return out;
}

function ramdiskFormat(src: ByteSource, at: number, size: number): string | null {
  if (size < 6 || at + 6 > src.size) return null;
  const m = src.read(at, 6);
  if (m[0] === 0x1f && m[1] === 0x8b) return 'gzip';
  if (m.readUInt32LE(0) === 0x184d2204 || m.readUInt32LE(0) === 0x184c2102) return 'lz4';
  if (m.toString('latin1', 0, 6) === '070701') return 'cpio';
  if (m[0] === 0xfd && m.toString('latin1', 1, 5) === '7zXZ') return 'xz';
  return 'unknown';
}

/** os_version packs A.B.C (7 bits each) and the patch level (year-2000: 7 bits, month: 4 bits). */
function osFields(v: number): { osVersion: string | null; patchLevel: string | null } {
  if (v === 0) return { osVersion: null, patchLevel: null };
  const ver = v >>> 11;
  const lvl = v & 0x7ff;
  const osVersion = `${(ver >> 14) & 0x7f}.${(ver >> 7) & 0x7f}.${ver & 0x7f}`;
  const patchLevel = lvl ? `${2000 + (lvl >> 4)}-${String(lvl & 0xf).padStart(2, '0')}` : null;
  return { osVersion, patchLevel };
}

function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

function cstr(b: Buffer, at: number, len: number): string {
  const s = b.subarray(at, Math.min(b.length, at + len));
  const nul = s.indexOf(0);
  return s.toString('utf8', 0, nul < 0 ? s.length : nul);
}
