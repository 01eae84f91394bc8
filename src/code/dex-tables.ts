import type { DexFile } from '../formats/dex.js';

/**
 * The DEX tables the cross-reference index does not need but the code model does: call sites and method
 * handles (invoke-custom, i.e. lambdas and string concatenation of DEX 038+), and encoded values (static
 * field initialisers, bootstrap arguments). Read straight from the buffer, every offset checked.
 */

const MAP_CALL_SITE_IDS = 0x0007;
const MAP_METHOD_HANDLES = 0x0008;

export type EncodedValue =
  | { t: 'int'; v: number }
  | { t: 'string'; v: number }
  | { t: 'type'; v: number }
  | { t: 'method'; v: number }
  | { t: 'field'; v: number }
  | { t: 'method-handle'; v: number }
  | { t: 'method-type'; v: number }
  | { t: 'array'; v: EncodedValue[] }
  | { t: 'null' | 'other' };

export interface MethodHandle {
  kind: number;
  /** Field or method index, by kind (0-3 field accessors, 4-8 invokes). */
  member: number;
}

export interface DexTables {
  callSites: Array<{ off: number }>;
  methodHandles: MethodHandle[];
}

const cache = new WeakMap<DexFile, DexTables>();

export function dexTables(dex: DexFile): DexTables {
  const hit = cache.get(dex);
  if (hit) return hit;
  const buf = dex.buf;
  const out: DexTables = { callSites: [], methodHandles: [] };
  const mapOff = buf.readUInt32LE(0x34);
  if (mapOff > 0 && mapOff + 4 <= buf.length) {
    const n = Math.min(buf.readUInt32LE(mapOff), 64);
    for (let i = 0; i < n && mapOff + 4 + i * 12 + 12 <= buf.length; i++) {
      const p = mapOff + 4 + i * 12;
      const type = buf.readUInt16LE(p);
      const size = buf.readUInt32LE(p + 4);
      const off = buf.readUInt32LE(p + 8);
      if (type === MAP_CALL_SITE_IDS) {
        for (let k = 0; k < size && off + k * 4 + 4 <= buf.length; k++)
          out.callSites.push({ off: buf.readUInt32LE(off + k * 4) });
      } else if (type === MAP_METHOD_HANDLES) {
        for (let k = 0; k < size && off + k * 8 + 8 <= buf.length; k++) {
          out.methodHandles.push({ kind: buf.readUInt16LE(off + k * 8), member: buf.readUInt16LE(off + k * 8 + 4) });
        }
      }
    }
  }
  cache.set(dex, out);
  return out;
}

/** The encoded array at `off` (call site items, static values); null when it runs past the file. */
export function readEncodedArray(buf: Buffer, off: number, maxItems = 4096): EncodedValue[] | null {
  const r = { pos: off };
  try {
    return encodedArray(buf, r, maxItems, 0);
  } catch {
    return null;
  }
}

function uleb(buf: Buffer, r: { pos: number }): number {
  let result = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (r.pos >= buf.length) throw new RangeError('uleb128 past the end');
    const b = buf[r.pos++]!; // in range: checked on the line above
    result |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) return result >>> 0;
  }
  throw new RangeError('uleb128 too long');
}

function encodedArray(buf: Buffer, r: { pos: number }, maxItems: number, depth: number): EncodedValue[] {
  const n = uleb(buf, r);
  if (n > maxItems || depth > 4) throw new RangeError('encoded array too large or deep');
  const out: EncodedValue[] = [];
  for (let i = 0; i < n; i++) out.push(encodedValue(buf, r, maxItems, depth));
  return out;
}

function encodedValue(buf: Buffer, r: { pos: number }, maxItems: number, depth: number): EncodedValue {
  if (r.pos >= buf.length) throw new RangeError('encoded value past the end');
  const head = buf[r.pos++]!; // in range: checked on the line above
  const type = head & 0x1f;
  const arg = head >> 5;
  const readUnsigned = (size: number): number => {
    if (r.pos + size > buf.length) throw new RangeError('encoded value past the end');
    let v = 0;
    // In range: r.pos + size <= buf.length, checked above.
    for (let k = 0; k < size; k++) v += buf[r.pos + k]! * 2 ** (8 * k);
    r.pos += size;
    return v;
  };
  const size = arg + 1;
  switch (type) {
    case 0x00:
    case 0x02:
    case 0x04:
    case 0x06: {
      // byte, short, int, long: signed, little-endian, `size` bytes.
      const u = readUnsigned(size);
      const bits = size * 8;
      return { t: 'int', v: u >= 2 ** (bits - 1) ? u - 2 ** bits : u };
    }
    case 0x03:
      return { t: 'int', v: readUnsigned(size) };
    case 0x10:
    case 0x11:
      readUnsigned(size);
      return { t: 'other' };
    case 0x15:
      return { t: 'method-type', v: readUnsigned(size) };
    case 0x16:
      return { t: 'method-handle', v: readUnsigned(size) };
    case 0x17:
      return { t: 'string', v: readUnsigned(size) };
    case 0x18:
      return { t: 'type', v: readUnsigned(size) };
    case 0x19:
    case 0x1b:
      return { t: 'field', v: readUnsigned(size) };
    case 0x1a:
      return { t: 'method', v: readUnsigned(size) };
    case 0x1c:
      return { t: 'array', v: encodedArray(buf, r, maxItems, depth + 1) };
    case 0x1d: {
      uleb(buf, r);
      const n = uleb(buf, r);
      if (n > maxItems) throw new RangeError('annotation too large');
      for (let i = 0; i < n; i++) {
        uleb(buf, r);
        encodedValue(buf, r, maxItems, depth + 1);
      }
      return { t: 'other' };
    }
    case 0x1e:
      return { t: 'null' };
    case 0x1f:
      return { t: 'int', v: arg };
    default:
      throw new RangeError(`bad encoded value type ${type}`);
  }
}

/**
 * The method a lambda call site runs: the implementation handle of a LambdaMetafactory bootstrap
 * (its fifth item), as a method index; null for other bootstraps (string concatenation, records).
 */
export function lambdaTarget(dex: DexFile, callSite: number): number | null {
  const t = dexTables(dex);
  const site = t.callSites[callSite];
  if (!site) return null;
  const items = readEncodedArray(dex.buf, site.off, 64);
  if (!items || items.length < 5) return null;
  const impl = items[4];
  if (impl?.t !== 'method-handle') return null;
  const h = t.methodHandles[impl.v];
  return h && h.kind >= 4 ? h.member : null;
}

/** Static values of a class's static fields, in declaration order (null when absent or unreadable). */
export function staticValues(dex: DexFile, classDefIdx: number): EncodedValue[] | null {
  const off = dex.classDefs[classDefIdx]?.staticValuesOff ?? 0;
  if (off === 0 || off >= dex.buf.length) return null;
  return readEncodedArray(dex.buf, off);
}
