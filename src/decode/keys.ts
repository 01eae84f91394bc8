import { createHash, pbkdf2Sync } from 'node:crypto';
import { edgeRow, type DexFile } from '../formats/dex.js';
import type { CipherName } from './ciphers.js';
import type { DecodeContext, KeyCandidate } from './search.js';

/**
 * Key and IV candidates from an app's own code, ranked by proximity to its use of the Java crypto API:
 * constants and byte arrays of methods that build a `SecretKeySpec`, an `IvParameterSpec` or call
 * `Cipher.getInstance` come first, then those of the same classes, then other key-sized strings.
 * Transformation strings (`AES/CBC/PKCS5Padding`) name the ciphers to try first.
 */

const CRYPTO_TYPES = new Set([
  'Ljavax/crypto/spec/SecretKeySpec;',
  'Ljavax/crypto/spec/IvParameterSpec;',
  'Ljavax/crypto/Cipher;',
  'Ljavax/crypto/spec/DESKeySpec;',
  'Ljavax/crypto/spec/DESedeKeySpec;',
]);
const TRANSFORMATION = /^(AES|DES|DESede|TripleDES|Blowfish|RC4|ARCFOUR)(\/(ECB|CBC|CTR|NONE)(\/[\w]+)?)?$/i;
const MAX_KEYS = 120;

export function transformationCiphers(t: string): CipherName[] {
  const m = TRANSFORMATION.exec(t);
  if (!m) return [];
  const algo = (m[1] ?? '').toUpperCase();
  const mode = (m[3] ?? 'ECB').toLowerCase();
  if (algo === 'AES')
    return mode === 'ctr'
      ? ['aes-128-ctr', 'aes-192-ctr', 'aes-256-ctr']
      : mode === 'cbc'
        ? ['aes-128-cbc', 'aes-192-cbc', 'aes-256-cbc']
        : ['aes-128-ecb', 'aes-192-ecb', 'aes-256-ecb'];
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

export interface DerivationOptions {
  /** The app's package name: apps hash it into a key (MD5, SHA-1, SHA-256, truncated). */
  packageName?: string | null;
  /** PBKDF2 iterations all derivations may spend (limits.maxKeyDerivationIterations). */
  maxIterations?: number;
}

export function dexKeyContext(dexes: DexFile[], derive: DerivationOptions = {}): DecodeContext {
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
      for (const t of edgeRow(x.types, b).targets) if (cryptoTypeIdx.has(t)) cryptoBodies.add(b);
      for (const target of edgeRow(x.methods, b).targets) {
        const m = dex.methodRef(target);
        if (m && cryptoTypeIdx.has(m.classIdx)) cryptoBodies.add(b);
      }
    }
    const classOf = (b: number) => x.bodies[b]?.classDefIdx ?? -1;
    const cryptoClasses = new Set([...cryptoBodies].map(classOf));
    const bodyLabel = (b: number) => {
      const body = x.bodies[b];
      if (!body) return `<code body ${b}>`;
      const { className, method } = dex.methodOwnerAndName(body.methodIdx);
      return `${className}->${method}`;
    };
    const stringsOf = (b: number, rank: number) => {
      for (const target of edgeRow(x.strings, b).targets) {
        const s = dex.string(target);
        if (!s) continue;
        for (const c of transformationCiphers(s)) preferred.add(c);
        if (s.length >= 4 && s.length <= 88 && !TRANSFORMATION.test(s))
          for (const form of keyForms(s)) add(form, bodyLabel(b), rank);
      }
    };
    for (const b of cryptoBodies) stringsOf(b, 0);
    for (const a of x.arrays) {
      if (a.elementWidth !== 1 || a.count < 4 || a.count > 64) continue;
      const rank = cryptoBodies.has(a.body) ? 0 : cryptoClasses.has(classOf(a.body)) ? 1 : 2;
      add(dex.buf.subarray(a.offset, a.offset + a.count), `${bodyLabel(a.body)} (byte array)`, rank);
    }
    for (let b = 0; b < x.bodies.length; b++)
      if (!cryptoBodies.has(b) && cryptoClasses.has(classOf(b))) stringsOf(b, 1);
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
  // Derived keys come after the constants they derive from; they are never IVs.
  const bases: DigestBase[] = [];
  if (derive.packageName) bases.push({ text: derive.packageName, origin: 'package name' });
  for (const k of keys) if (k.rank === 0 && bases.length < MAX_DIGEST_BASES) pushTextBase(bases, k);
  const derived = [...digestKeys(bases), ...pbkdf2Keys(dexes, derive.maxIterations ?? 0)];
  for (const d of derived) {
    const hex = Buffer.from(d.bytes).toString('hex');
    if (!seen.has(hex)) {
      seen.add(hex);
      keys.push(d);
    }
  }
  return { keys, ivs, preferred: [...preferred] };
}

export interface DigestBase {
  text: string;
  origin: string;
}

const MAX_DIGEST_BASES = 12;
const MAX_DERIVED = 96;

function pushTextBase(bases: DigestBase[], k: KeyCandidate): void {
  const text = Buffer.from(k.bytes).toString('utf8');
  if (/^[\x20-\x7e]{4,88}$/.test(text) && !bases.some((b) => b.text === text))
    bases.push({ text, origin: `"${text}" in ${k.origin}` });
}

/**
 * Keys apps compute from a string: MD5, SHA-1 or SHA-256 of the package name or of a constant, used raw
 * (truncated to 16, 24 or 32 bytes) or as the first 16 or 32 characters of the lower-case hex digest.
 */
export function digestKeys(bases: DigestBase[]): KeyCandidate[] {
  const out: KeyCandidate[] = [];
  for (const b of bases.slice(0, MAX_DIGEST_BASES)) {
    for (const alg of ['md5', 'sha1', 'sha256'] as const) {
      const d = createHash(alg).update(b.text, 'utf8').digest();
      const name = alg === 'md5' ? 'MD5' : alg === 'sha1' ? 'SHA-1' : 'SHA-256';
      const forms: Array<[Uint8Array, string]> = [[d.subarray(0, 16), `${name}(${b.origin})[0:16]`]];
      if (d.length >= 24) forms.push([d.subarray(0, 24), `${name}(${b.origin})[0:24]`]);
      if (d.length >= 32) forms.push([d.subarray(0, 32), `${name}(${b.origin})`]);
      const hex = d.toString('hex');
      forms.push([Buffer.from(hex.slice(0, 16)), `hex ${name}(${b.origin})[0:16]`]);
      forms.push([Buffer.from(hex.slice(0, 32)), `hex ${name}(${b.origin})[0:32]`]);
      for (const [bytes, origin] of forms) if (out.length < MAX_DERIVED) out.push({ bytes, origin, rank: 0 });
    }
  }
  return out;
}

const PBE_TYPES = new Set(['Ljavax/crypto/spec/PBEKeySpec;', 'Ljavax/crypto/SecretKeyFactory;']);
const PBKDF2_NAME = /^PBKDF2WithHmac(SHA1|SHA224|SHA256|SHA384|SHA512)$/i;
const MAX_PBKDF2 = 24;
const DEFAULT_ITERATIONS = [1000, 10000, 65536];

/**
 * PBKDF2 keys from the constants of the methods that build a `PBEKeySpec`: each string as the password,
 * each other string or byte array of the method as the salt, each large integer literal of the method as
 * the iteration count (common counts when there is none); 32 bytes derived, whose 16- and 24-byte prefixes
 * are the shorter keys (PBKDF2's first block is the same whatever length is asked for).
 */
export function pbkdf2Keys(dexes: DexFile[], maxIterations: number): KeyCandidate[] {
  const out: KeyCandidate[] = [];
  let spent = 0;
  let derivations = 0;
  for (const dex of dexes) {
    const x = dex.xrefs();
    const pbeTypes = new Set<number>();
    for (let t = 0; t < dex.typeCount; t++) if (PBE_TYPES.has(dex.typeDescriptor(t) ?? '')) pbeTypes.add(t);
    if (!pbeTypes.size) continue;
    for (const [b, body] of x.bodies.entries()) {
      const pbe =
        edgeRow(x.types, b).targets.some((t) => pbeTypes.has(t)) ||
        edgeRow(x.methods, b).targets.some((t) => pbeTypes.has(dex.methodRef(t)?.classIdx ?? -1));
      if (!pbe) continue;
      let digest = 'sha1';
      const strings: string[] = [];
      for (const target of edgeRow(x.strings, b).targets) {
        const s = dex.string(target);
        if (!s) continue;
        const m = PBKDF2_NAME.exec(s);
        if (m?.[1]) digest = m[1].toLowerCase();
        else if (s.length >= 1 && s.length <= 128 && !TRANSFORMATION.test(s) && !strings.includes(s)) strings.push(s);
      }
      const salts: Uint8Array[] = strings.map((s) => Buffer.from(s, 'utf8'));
      for (const a of x.arrays)
        if (a.body === b && a.elementWidth === 1 && a.count >= 4 && a.count <= 64)
          salts.push(dex.buf.subarray(a.offset, a.offset + a.count));
      const counts = x.numbers
        .filter((n) => n.body === b && n.value >= 600 && n.value <= 1_000_000)
        .map((n) => n.value);
      const iterations = counts.length ? [...new Set(counts)] : DEFAULT_ITERATIONS;
      const { className, method } = dex.methodOwnerAndName(body.methodIdx);
      for (const password of strings) {
        for (const salt of salts) {
          if (Buffer.from(password).equals(Buffer.from(salt)) && salts.length > 1) continue;
          for (const it of iterations) {
            if (derivations >= MAX_PBKDF2 || spent + it > maxIterations) return out;
            spent += it;
            derivations++;
            const key = pbkdf2Sync(password, salt, it, 32, digest);
            const saltHex = Buffer.from(salt).toString('hex').slice(0, 32);
            const derivation = `PBKDF2-${digest.toUpperCase()}("${password}", salt ${saltHex}, ${it})`;
            const origin = `${derivation} in ${className}->${method}`;
            out.push(
              { bytes: key.subarray(0, 16), origin, rank: 0 },
              { bytes: key.subarray(0, 24), origin, rank: 0 },
              { bytes: key, origin, rank: 0 },
            );
          }
        }
      }
    }
  }
  return out;
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
    for (const [b, body] of x.bodies.entries()) {
      const { targets } = edgeRow(x.strings, b);
      if (!targets.some((t) => wanted.has(t))) continue;
      const { className, method } = dex.methodOwnerAndName(body.methodIdx);
      for (const target of targets) {
        const s = dex.string(target);
        if (!s || s.length < 2 || s.length > 88 || wanted.has(target)) continue;
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
