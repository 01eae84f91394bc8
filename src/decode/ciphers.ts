import { createDecipheriv } from 'node:crypto';
import { Blowfish } from 'egoroof-blowfish';

/**
 * Block and stream ciphers that apps use to hide lists, for decryption with keys the app itself carries.
 * AES and 3DES come from OpenSSL through node:crypto. Single DES is 3DES-EDE with three equal keys (the
 * EDE construction collapses to one DES operation), because OpenSSL 3 moved DES, Blowfish and RC4 to its
 * legacy provider, which Node does not load; Blowfish comes from `egoroof-blowfish`, RC4 is a few lines.
 */

export type CipherName =
  | 'aes-128-ecb'
  | 'aes-192-ecb'
  | 'aes-256-ecb'
  | 'aes-128-cbc'
  | 'aes-192-cbc'
  | 'aes-256-cbc'
  | 'aes-128-ctr'
  | 'aes-192-ctr'
  | 'aes-256-ctr'
  | 'des-ecb'
  | 'des-cbc'
  | 'des-ede3-ecb'
  | 'des-ede3-cbc'
  | 'bf-ecb'
  | 'bf-cbc'
  | 'rc4';

export interface CipherSpec {
  name: CipherName;
  keyLengths: number[];
  blockSize: number;
  needsIv: boolean;
  padded: boolean;
}

export const CIPHERS: CipherSpec[] = [
  ...(['ecb', 'cbc', 'ctr'] as const).flatMap((mode) =>
    ([128, 192, 256] as const).map((bits) => ({
      name: `aes-${bits}-${mode}` as CipherName,
      keyLengths: [bits / 8],
      blockSize: mode === 'ctr' ? 1 : 16,
      needsIv: mode !== 'ecb',
      padded: mode !== 'ctr',
    })),
  ),
  { name: 'des-ecb', keyLengths: [8], blockSize: 8, needsIv: false, padded: true },
  { name: 'des-cbc', keyLengths: [8], blockSize: 8, needsIv: true, padded: true },
  { name: 'des-ede3-ecb', keyLengths: [24, 16], blockSize: 8, needsIv: false, padded: true },
  { name: 'des-ede3-cbc', keyLengths: [24, 16], blockSize: 8, needsIv: true, padded: true },
  { name: 'bf-ecb', keyLengths: [4, 8, 16, 24, 32, 56], blockSize: 8, needsIv: false, padded: true },
  { name: 'bf-cbc', keyLengths: [4, 8, 16, 24, 32, 56], blockSize: 8, needsIv: true, padded: true },
  { name: 'rc4', keyLengths: [5, 8, 16, 32], blockSize: 1, needsIv: false, padded: false },
];

/** Decrypts without removing padding; returns null when the parameters do not fit the cipher. */
export function decryptRaw(
  name: CipherName,
  key: Uint8Array,
  iv: Uint8Array | null,
  data: Uint8Array,
): Uint8Array | null {
  const spec = CIPHERS.find((c) => c.name === name);
  if (!spec) return null;
  if (spec.blockSize > 1 && data.length % spec.blockSize !== 0) return null;
  if (spec.needsIv && (!iv || iv.length !== (spec.name.startsWith('aes') ? 16 : 8))) return null;
  try {
    if (name === 'rc4') return key.length > 0 ? rc4(key, data) : null;
    if (name === 'bf-ecb' || name === 'bf-cbc') {
      if (key.length < 4 || key.length > 56) return null;
      const bf = blowfish(key, name === 'bf-cbc');
      if (iv) bf.setIv(iv);
      return bf.decode(data, Blowfish.TYPE.UINT8_ARRAY);
    }
    let algo: string = name;
    let k = key;
    if (name === 'des-ecb' || name === 'des-cbc') {
      if (key.length !== 8) return null;
      algo = name === 'des-ecb' ? 'des-ede3-ecb' : 'des-ede3-cbc';
      k = Buffer.concat([key, key, key]);
    } else if (name.startsWith('des-ede3') && key.length === 16) {
      k = Buffer.concat([key, key.subarray(0, 8)]); // two-key 3DES
    }
    const d = createDecipheriv(algo, k, spec.needsIv ? iv : null);
    d.setAutoPadding(false);
    return Buffer.concat([d.update(data), d.final()]);
  } catch {
    return null;
  }
}

/** Removes PKCS#5/7 padding; null when the padding is invalid (the usual sign of a wrong key). */
export function unpad(data: Uint8Array, blockSize: number): Uint8Array | null {
  if (data.length === 0 || data.length % blockSize !== 0) return null;
  const n = data.at(-1);
  if (n === undefined || n === 0 || n > blockSize) return null;
  for (let i = data.length - n; i < data.length; i++) if (data[i] !== n) return null;
  return data.subarray(0, data.length - n);
}

/** RC4 with a non-empty key (an empty key has no key schedule). */
export function rc4(key: Uint8Array, data: Uint8Array): Uint8Array {
  if (key.length === 0) throw new RangeError('rc4: empty key');
  // The state is read through a view: every index is masked to 0..255, and a view read is a number.
  const s = new DataView(new ArrayBuffer(256));
  const k = new DataView(key.buffer, key.byteOffset, key.byteLength);
  for (let i = 0; i < 256; i++) s.setUint8(i, i);
  for (let i = 0, j = 0; i < 256; i++) {
    const si = s.getUint8(i);
    j = (j + si + k.getUint8(i % key.length)) & 0xff;
    s.setUint8(i, s.getUint8(j));
    s.setUint8(j, si);
  }
  const out = new Uint8Array(data.length);
  let i = 0;
  let j = 0;
  for (const [n, byte] of data.entries()) {
    i = (i + 1) & 0xff;
    const si = s.getUint8(i);
    j = (j + si) & 0xff;
    const sj = s.getUint8(j);
    s.setUint8(i, sj);
    s.setUint8(j, si);
    out[n] = byte ^ s.getUint8((si + sj) & 0xff);
  }
  return out;
}

// Blowfish's key schedule costs 521 block encryptions: keep the last few keys' schedules.
const bfCache = new Map<string, Blowfish>();
function blowfish(key: Uint8Array, cbc: boolean): Blowfish {
  const id = `${cbc ? 'c' : 'e'}:${Buffer.from(key).toString('hex')}`;
  let bf = bfCache.get(id);
  if (!bf) {
    if (bfCache.size >= 64) bfCache.delete(bfCache.keys().next().value as string);
    bf = new Blowfish(key, cbc ? Blowfish.MODE.CBC : Blowfish.MODE.ECB, Blowfish.PADDING.NULL);
    bfCache.set(id, bf);
  }
  return bf;
}
