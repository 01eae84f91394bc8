import type { ByteSource } from '../io/byte-source.js';
import { MalformedInputError } from '../io/errors.js';
import { DEFAULT_LIMITS } from '../io/limits.js';

/**
 * POSIX ustar and GNU tar members (factory images and Samsung `.tar.md5` bundles), read as slices of
 * the archive. PAX and GNU long names are honoured; the trailing MD5 line Samsung appends is ignored.
 */

export interface TarMember {
  name: string;
  type: 'file' | 'dir' | 'other';
  offset: number;
  size: number;
}

export function isTar(src: ByteSource): boolean {
  if (src.size < 512) return false;
  const h = src.read(0, 512);
  return h.toString('latin1', 257, 262) === 'ustar' && checksumOk(h);
}

export function readTar(src: ByteSource, maxMembers = DEFAULT_LIMITS.firmware.maxTarMembers): TarMember[] {
  const out: TarMember[] = [];
  let pos = 0;
  let longName: string | null = null;
  while (pos + 512 <= src.size && out.length < maxMembers) {
    const h = src.read(pos, 512);
    if (h.every((b) => b === 0)) break;
    if (!checksumOk(h)) throw new MalformedInputError('tar/bad-checksum', `tar header at ${pos} has a bad checksum`);
    const size = octal(h, 124, 12);
    const typeflag = String.fromCharCode(h[156] || 0x30);
    const prefix = h.toString('latin1', 257, 262) === 'ustar' ? cstr(h, 345, 155) : '';
    let name = longName ?? (prefix ? `${prefix}/${cstr(h, 0, 100)}` : cstr(h, 0, 100));
    longName = null;
    const data = pos + 512;
    if (data + size > src.size)
      throw new MalformedInputError('tar/truncated', `member ${name.slice(0, 100)} runs past the end of the archive`);
    if (typeflag === 'L') longName = src.read(data, Math.min(size, 4096)).toString('utf8').replace(/\0.*$/s, '');
    else if (typeflag === 'x') {
      const pax = src.read(data, Math.min(size, 65536)).toString('utf8');
      const m = /\d+ path=([^\n]*)\n/.exec(pax);
      if (m?.[1] !== undefined) longName = m[1];
    } else {
      name = name.replace(/^\.\//, '');
      out.push({
        name,
        type: typeflag === '0' || typeflag === '7' ? 'file' : typeflag === '5' ? 'dir' : 'other',
        offset: data,
        size,
      });
    }
    pos = data + Math.ceil(size / 512) * 512;
  }
  return out;
}

function checksumOk(h: Buffer): boolean {
  if (h.length < 512) return false;
  let sum = 0;
  // The checksum field itself counts as eight spaces.
  for (const [i, b] of h.subarray(0, 512).entries()) sum += i >= 148 && i < 156 ? 32 : b;
  return sum === octal(h, 148, 8);
}

function octal(h: Buffer, at: number, len: number): number {
  // GNU base-256 for sizes over 8 GB.
  if (h.readUInt8(at) & 0x80) {
    let v = 0;
    for (const b of h.subarray(at + 1, at + len)) v = v * 256 + b;
    return v;
  }
  const s = h
    .toString('latin1', at, at + len)
    .replace(/[\0 ]+$/g, '')
    .trim();
  return s ? parseInt(s, 8) : 0;
}

function cstr(b: Buffer, at: number, len: number): string {
  const s = b.subarray(at, at + len);
  const nul = s.indexOf(0);
  return s.toString('utf8', 0, nul < 0 ? len : nul);
}
