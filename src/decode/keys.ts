import type { DexFile } from '../formats/dex.js';
import type { CipherName } from './ciphers.js';
import type { DecodeContext, KeyCandidate } from './search.js';

/**
 * Key and IV candidates from an app's own code, ranked by proximity to its use of the Java crypto API:
 * constants and byte arrays of methods that build a `SecretKeySpec`, an `IvParameterSpec` or call
 * `Cipher.getInstance` come first, then those of the same classes, then other key-sized strings.
 * Transformation strings (`AES/CBC/PKCS5Padding`) name the ciphers to try first.
 */

const CRYPTO_TYPES = new Set(['Ljavax/crypto/spec/SecretKeySpec;', 'Ljavax/crypto/spec/IvParameterSpec;', 'Ljavax/crypto/Cipher;', 'Ljavax/crypto/spec/DESKeySpec;', 'Ljavax/crypto/spec/DESedeKeySpec;']);
const TRANSFORMATION = /^(AES|DES|DESede|TripleDES|Blowfish|RC4|ARCFOUR)(\/(ECB|CBC|CTR|NONE)(\/[\w]+)?)?$/i;
const MAX_KEYS = 120;

export function transformationCiphers(t: string): CipherName[] {
  const m = TRANSFORMATION.exec(t);
  if (!m) return [];
  const algo = m[1].toUpperCase();
  const mode = (m[3] ?? 'ECB').toLowerCase();
  if (algo === 'AES') return mode === 'ctr' ? ['aes-128-ctr', 'aes-192-ctr', 'aes-256-ctr'] : mode === 'cbc' ? ['aes-128-cbc', 'aes-192-cbc', 'aes-256-cbc'] : ['aes-128-ecb', 'aes-192-ecb', 'aes-256-ecb'];
  if (algo === 'DES') return [mode === 'cbc' ? 'des-cbc' : 'des-ecb'];
  if (algo === 'DESEDE' || algo === 'TRIPLEDES') return [mode === 'cbc' ? 'des-ede3-cbc' : 'des-ede3-ecb'];
  if (algo === 'BLOWFISH') return [mode === 'cbc' ? 'bf-cbc' : 'bf-ecb'];
  return ['rc4'];
}

/** The byte forms a key string can stand for: its UTF-8 bytes, and its hex or Base64 decoding. */
function keyForms(s: string): Uint8Array[] {
  const out: Uint8Array[] = [Buffer.from(s, 'utf8')];
  if (/^[0-9a-fA-F]+$/.test(s) && s.length % 2 === 0 && s.length >= 16) out.push(Buffer.from(s, 'hex'));
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(s) && s.length % 4 === 0 && s.length >= 12) out.push(Buffer.from(s, 'base64'));
  return out.filter((b) => b.length >= 4 && b.length <= 64);
}

export function dexKeyContext(dexes: DexFile[]): DecodeContext {
  const keys: KeyCandidate[] = [];
  const seen = new Set<string>();
  const preferred = new Set<CipherName>();
  const add = (bytes: Uint8Array, origin: string, rank: number) => {
    const k = Buffer.from(bytes).toString('hex');
    if (seen.has(k) || keys.length >= MAX_KEYS) return;
    seen.add(k);
    keys.push({ bytes, origin, rank });
  };
  for (const dex of dexes) {
    const x = dex.xrefs();
    const cryptoTypeIdx = new Set<number>();
    for (let t = 0; t < dex.typeCount; t++) if (CRYPTO_TYPES.has(dex.typeDescriptor(t) ?? '')) cryptoTypeIdx.add(t);
    const cryptoBodies = new Set<number>();
    for (let b = 0; b < x.bodies.length; b++) {
      for (let e = x.types.start[b]; e < x.types.start[b + 1]; e++) if (cryptoTypeIdx.has(x.types.targets[e])) cryptoBodies.add(b);
      for (let e = x.methods.start[b]; e < x.methods.start[b + 1]; e++) {
        const m = dex.methodRef(x.methods.targets[e]);
        if (m && cryptoTypeIdx.has(m.classIdx)) cryptoBodies.add(b);
      }
    }
    const cryptoClasses = new Set([...cryptoBodies].map((b) => x.bodies[b].classDefIdx));
    const bodyLabel = (b: number) => {
      const { className, method } = dex.methodOwnerAndName(x.bodies[b].methodIdx);
      return `${className}->${method}`;
    };
    const stringsOf = (b: number, rank: number) => {
      for (let e = x.strings.start[b]; e < x.strings.start[b + 1]; e++) {
        const s = dex.string(x.strings.targets[e]);
        if (!s) continue;
        for (const c of transformationCiphers(s)) preferred.add(c);
        if (s.length >= 4 && s.length <= 88 && !TRANSFORMATION.test(s)) for (const form of keyForms(s)) add(form, bodyLabel(b), rank);
      }
    };
    for (const b of cryptoBodies) stringsOf(b, 0);
    for (const a of x.arrays) {
      if (a.elementWidth !== 1 || a.count < 4 || a.count > 64) continue;
      const rank = cryptoBodies.has(a.body) ? 0 : cryptoClasses.has(x.bodies[a.body].classDefIdx) ? 1 : 2;
      add(dex.buf.subarray(a.offset, a.offset + a.count), `${bodyLabel(a.body)} (byte array)`, rank);
    }
    for (let b = 0; b < x.bodies.length; b++) if (!cryptoBodies.has(b) && cryptoClasses.has(x.bodies[b].classDefIdx)) stringsOf(b, 1);
    // Transformation strings anywhere in the app name the ciphers in use.
    for (let i = 0; i < dex.stringCount; i++) {
      const r = dex.stringBytes(i);
      if (!r || r[1] - r[0] > 32 || r[1] - r[0] < 3) continue;
      const s = dex.string(i);
      if (s) for (const c of transformationCiphers(s)) preferred.add(c);
    }
  }
  // IVs are key-sized constants too; the search tries each candidate of the right length as an IV.
  const ivs = keys.filter((k) => k.bytes.length === 16 || k.bytes.length === 8);
  return { keys, ivs, preferred: [...preferred] };
}

/**
 * Constants of the code that opens a given asset (the methods whose code loads its file name), as key
 * candidates for that asset: an app that decrypts `words.dat` usually names the file and the key in the
 * same method.
 */
export function keysNearName(dexes: DexFile[], fileName: string): KeyCandidate[] {
  if (fileName.length < 3) return [];
  const out: KeyCandidate[] = [];
  const seen = new Set<string>();
  for (const dex of dexes) {
    const wanted = new Set<number>();
    for (let i = 0; i < dex.stringCount; i++) {
      const r = dex.stringBytes(i);
      if (!r || r[1] - r[0] < fileName.length || r[1] - r[0] > 256) continue;
      const s = dex.string(i);
      if (s && (s === fileName || s.endsWith(`/${fileName}`))) wanted.add(i);
    }
    if (wanted.size === 0) continue;
    const x = dex.xrefs();
    for (let b = 0; b < x.bodies.length; b++) {
      let uses = false;
      for (let e = x.strings.start[b]; e < x.strings.start[b + 1] && !uses; e++) uses = wanted.has(x.strings.targets[e]);
      if (!uses) continue;
      const { className, method } = dex.methodOwnerAndName(x.bodies[b].methodIdx);
      for (let e = x.strings.start[b]; e < x.strings.start[b + 1]; e++) {
        const s = dex.string(x.strings.targets[e]);
        if (!s || s.length < 2 || s.length > 88 || wanted.has(x.strings.targets[e])) continue;
        for (const form of [Buffer.from(s, 'utf8'), ...keyForms(s).slice(1)]) {
          const k = Buffer.from(form).toString('hex');
          if (seen.has(k)) continue;
          seen.add(k);
          out.push({ bytes: form, origin: `${className}->${method}`, rank: 0 });
        }
      }
    }
  }
  return out;
}
