import { LimitExceededError } from '../io/errors.js';
import { DEFAULT_LIMITS } from '../io/limits.js';
import { boundedDecompress, type Codec } from './bounded.js';
import { decodeText } from '../formats/text.js';
import { CIPHERS, decryptRaw, unpad, type CipherName } from './ciphers.js';
import { LZ4_MAGIC, lz4FrameDecode } from './lz4.js';
import { isLzmaAlone, isXz, lzmaAloneDecode, xzDecode } from './xz.js';

/**
 * Searches a bounded graph of decodings for hidden text: encodings (Base64 in its variants, hex,
 * percent- and unicode-escapes), compression (gzip, zlib, raw deflate, brotli, bzip2, zstd, xz, lzma, LZ4 frames),
 * obfuscation (single-byte XOR, byte add and rotate, repeating-key XOR) and encryption with keys the app
 * carries (AES, DES, 3DES, Blowfish, RC4). Every path is bounded by depth, node count, bytes processed
 * and cipher attempts, so a hostile blob cannot make the search slow; wrong keys are rejected by padding
 * and plausibility checks, never reported.
 */

export interface KeyCandidate {
  bytes: Uint8Array;
  /** Where the key came from, for the report: `Lcom/x/Y;->m` or a resource path. */
  origin: string;
  /** Lower is closer to the code that decrypts: 0 same method as the Cipher use, 1 same class, 2 elsewhere. */
  rank: number;
}

export interface DecodeContext {
  keys: KeyCandidate[];
  ivs: KeyCandidate[];
  /** Ciphers named by transformation strings in the app (`AES/CBC/PKCS5Padding`), tried first. */
  preferred: CipherName[];
}

export interface Recovered {
  text: string;
  textEncoding: string;
  chain: string[];
  keyOrigin?: string;
}

export interface SearchLimits {
  maxDepth: number;
  maxNodes: number;
  maxBytes: number;
  maxCipherAttempts: number;
  maxOutput: number;
}

/** The search limits of the limits tree (`decode.*`), with a per-search cipher budget for direct calls. */
const D = DEFAULT_LIMITS.decode;
export const DEFAULT_SEARCH_LIMITS: SearchLimits = {
  maxDepth: D.maxDepth,
  maxNodes: D.maxNodes,
  maxBytes: D.maxBytes,
  maxCipherAttempts: 600,
  maxOutput: D.maxOutput,
};

interface Node {
  bytes: Uint8Array;
  chain: string[];
  keyOrigin?: string;
}

const MIN_OBFUSCATED_BYTES = 48;
const B64 = /^[A-Za-z0-9+/]+={0,2}$/;
const B64URL = /^[A-Za-z0-9_-]+={0,2}$/;
const HEX = /^[0-9a-fA-F]+$/;

/** Decryptions tried so far; pass one object to several searches to give them a common budget. */
export interface CipherBudget {
  cipher: number;
}

/** A limit the search ran into: a decompressor stopped at its cap, or the search's own budget spent. */
export interface LimitHit {
  code: string;
  message: string;
}

export function searchDecodings(
  input: Uint8Array,
  ctx: DecodeContext | (() => DecodeContext),
  accept: (text: string) => boolean,
  limits: SearchLimits = DEFAULT_SEARCH_LIMITS,
  shared: CipherBudget = { cipher: 0 },
  hits: LimitHit[] = [],
): Recovered[] {
  const found: Recovered[] = [];
  const budget = { nodes: 0, bytes: 0 };
  const seen = new Set<string>();
  const stack: Node[] = [{ bytes: input, chain: [] }];
  while (stack.length > 0) {
    const node = stack.pop() as Node;
    if (++budget.nodes > limits.maxNodes) {
      hits.push({
        code: 'limit/decode-nodes',
        message: `decoding search stopped after ${limits.maxNodes} nodes (limit/decode-nodes)`,
      });
      break;
    }
    if ((budget.bytes += node.bytes.length) > limits.maxBytes) {
      hits.push({
        code: 'limit/decode-bytes',
        message: `decoding search stopped after ${limits.maxBytes} bytes processed (limit/decode-bytes)`,
      });
      break;
    }
    const fp = fingerprint(node.bytes);
    if (seen.has(fp)) continue;
    seen.add(fp);
    const decoded = node.bytes.length <= limits.maxOutput ? decodeText(node.bytes) : null;
    if (decoded && node.chain.length > 0 && accept(decoded.text)) {
      found.push({
        text: decoded.text,
        textEncoding: decoded.encoding,
        chain: node.chain,
        ...(node.keyOrigin ? { keyOrigin: node.keyOrigin } : {}),
      });
      continue;
    }
    if (node.chain.length >= limits.maxDepth) continue;
    const next = decoded ? textSteps(decoded.text) : binarySteps(node.bytes, ctx, limits, shared, hits);
    // Depth-first, most promising last so it is popped first.
    for (const n of next.reverse())
      stack.push({ bytes: n.bytes, chain: [...node.chain, ...n.steps], keyOrigin: n.keyOrigin ?? node.keyOrigin });
  }
  return found;
}

interface Step {
  bytes: Uint8Array;
  steps: string[];
  keyOrigin?: string;
}

function fingerprint(b: Uint8Array): string {
  const n = b.length;
  const head = Buffer.from(b.subarray(0, 32)).toString('base64');
  const tail = Buffer.from(b.subarray(Math.max(0, n - 32))).toString('base64');
  return `${n}:${head}:${tail}`;
}

function textSteps(text: string): Step[] {
  const out: Step[] = [];
  const compact = text.replace(/[\r\n]+/g, '').trim();
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  // One Base64 value per line (MIUI's sensi_words.txt): decode each line on its own.
  if (lines.length >= 3 && lines.every((l) => l.length >= 4 && (B64.test(l) || B64URL.test(l)))) {
    const parts = lines.map((l) => Buffer.from(l, B64.test(l) ? 'base64' : 'base64url'));
    const texts = parts.map((p) => decodeText(p));
    if (texts.every((t) => t !== null)) {
      const enc = (texts[0] as { encoding: string }).encoding;
      out.push({
        bytes: Buffer.from(texts.map((t) => (t as { text: string }).text.replace(/[\r\n]+$/, '')).join('\n')),
        steps: enc === 'utf-8' || enc === 'ascii' ? ['base64-lines'] : ['base64-lines', enc],
      });
    }
  }
  if (compact.length >= 12 && compact.length % 4 !== 1) {
    if (B64.test(compact)) out.push({ bytes: Buffer.from(compact, 'base64'), steps: ['base64'] });
    else if (B64URL.test(compact)) out.push({ bytes: Buffer.from(compact, 'base64url'), steps: ['base64url'] });
  }
  if (compact.length >= 16 && compact.length % 2 === 0 && HEX.test(compact))
    out.push({ bytes: Buffer.from(compact, 'hex'), steps: ['hex'] });
  if ((text.match(/%[0-9A-Fa-f]{2}/g)?.length ?? 0) >= 3) out.push({ bytes: percentDecode(text), steps: ['percent'] });
  if ((text.match(/\\u[0-9a-fA-F]{4}/g)?.length ?? 0) >= 3) {
    out.push({
      bytes: Buffer.from(text.replace(/\\u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))),
      steps: ['unicode-escape'],
    });
  }
  return out;
}

function percentDecode(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (text[i] === '+') bytes.push(0x20);
    else bytes.push(...Buffer.from(text.charAt(i)));
  }
  return Buffer.from(bytes);
}

/**
 * One decompression attempt. Malformed data just means "not this codec"; a cap hit is recorded (random
 * bytes fail as deflate or brotli long before the cap, so a guessed stream that reaches it is a bomb too).
 */
function tryDecompress(name: string, f: () => Uint8Array, hits: LimitHit[]): Step[] {
  try {
    const out = f();
    return out.length > 0 ? [{ bytes: out, steps: [name] }] : [];
  } catch (err) {
    if (err instanceof LimitExceededError) hits.push({ code: err.code, message: `${name}: ${err.message}` });
    return [];
  }
}

function binarySteps(
  b: Uint8Array,
  ctx: DecodeContext | (() => DecodeContext),
  limits: SearchLimits,
  budget: { cipher: number },
  hits: LimitHit[],
): Step[] {
  const out: Step[] = [];
  const cap = limits.maxOutput;
  const codec = (c: Codec) => () => boundedDecompress(c, b, cap);
  if (b.length >= 18 && b[0] === 0x1f && b[1] === 0x8b) out.push(...tryDecompress('gzip', codec('gzip'), hits));
  else if (b.length >= 6 && ((b[0] ?? 0) & 0x0f) === 8 && zlibHeaderCheck(b))
    out.push(...tryDecompress('zlib', codec('zlib'), hits));
  else if (b.length >= 10 && b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68)
    out.push(...tryDecompress('bzip2', codec('bzip2'), hits));
  else if (b.length >= 8 && b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd)
    out.push(...tryDecompress('zstd', codec('zstd'), hits));
  else if (b.length >= 7 && new DataView(b.buffer, b.byteOffset).getUint32(0, true) === LZ4_MAGIC)
    out.push(...tryDecompress('lz4', () => lz4FrameDecode(b, cap), hits));
  else if (isXz(b)) out.push(...tryDecompress('xz', () => xzDecode(b, cap), hits));
  else if (isLzmaAlone(b)) out.push(...tryDecompress('lzma', () => lzmaAloneDecode(b, cap), hits));
  if (out.length > 0) return out;
  if (b.length >= 8) {
    out.push(...tryDecompress('deflate', codec('deflate'), hits));
    out.push(...tryDecompress('brotli', codec('brotli'), hits));
  }
  // Lists are longer than this; smaller binary blobs (hashes, ids, keys) are not worth transforming.
  if (b.length < MIN_OBFUSCATED_BYTES) return out;
  out.push(...byteTransforms(b));
  // Key candidates are gathered only when some blob gets this far.
  out.push(...cipherSteps(b, typeof ctx === 'function' ? ctx() : ctx, limits, budget));
  return out;
}

/**
 * Share of bytes that form text: printable ASCII and whitespace, or whole UTF-8 sequences (a lead byte
 * followed by the right number of continuation bytes). Byte ranges alone cannot rank XOR keys for
 * Chinese text: dozens of keys keep every byte of UTF-8 CJK in 0x80–0xF4, but only one keeps the
 * sequences whole.
 */
function textiness(b: Uint8Array, table: Uint8Array, sample = 240): number {
  const n = Math.min(b.length, sample);
  let ok = 0;
  let i = 0;
  while (i < n) {
    // i < n <= b.length and `table` has 256 entries: both reads are in range.
    const x = table[b[i]!]!;
    if ((x >= 0x20 && x < 0x7f) || x === 0x0a || x === 0x0d || x === 0x09) {
      ok++;
      i++;
      continue;
    }
    const extra = x >= 0xc2 && x <= 0xdf ? 1 : x >= 0xe0 && x <= 0xef ? 2 : x >= 0xf0 && x <= 0xf4 ? 3 : -1;
    let whole = extra > 0 && i + extra < b.length;
    for (let j = 1; whole && j <= extra; j++) {
      const c = table[b[i + j]!]!;
      if (c < 0x80 || c > 0xbf) whole = false;
    }
    if (whole) {
      ok += extra + 1;
      i += extra + 1;
    } else {
      i++;
    }
  }
  return Math.min(1, ok / (n || 1));
}

/** Single-byte XOR (all 255 keys), byte add/subtract and bit rotation, ranked by how text-like the output is. */
function byteTransforms(b: Uint8Array): Step[] {
  if (b.length < 16) return [];
  // Score a slice from the start and one from the middle: lists often begin with ASCII (domains, numbers)
  // that many keys keep printable, and only their CJK part tells the keys apart.
  const mid = b.length > 960 ? b.subarray(b.length >> 1) : b.subarray(0, 0);
  // Only scores of 0.97 and more are kept below, so the start alone rules a transform out below 0.94.
  const score = (t: Uint8Array) => {
    const start = textiness(b, t);
    return start < 0.94 || !mid.length ? start : (start + textiness(mid, t)) / 2;
  };
  // Among keys that keep text text, the one that restores line breaks restores the list. Each transform
  // maps bytes one to one, so a histogram of the first 4 KB counts the bytes it turns into a line break
  // (517 transforms of 4 KB each made this the fuzzer's slowest decoding step).
  const histogram = new Uint32Array(256);
  for (let i = 0; i < Math.min(b.length, 4096); i++) histogram[b[i]!]!++;
  const breaks = (t: Uint8Array) => {
    let k = 0;
    for (let x = 0; x < 256; x++) if (t[x] === 0x0a) k += histogram[x]!;
    return k;
  };
  const candidates: Array<{ score: number; breaks: number; name: string; f: (x: number) => number }> = [];
  const add = (name: string, f: (x: number) => number) => {
    const table = new Uint8Array(256);
    for (let x = 0; x < 256; x++) table[x] = f(x);
    const sc = score(table);
    candidates.push({ score: sc, breaks: sc >= 0.97 ? breaks(table) : 0, name, f });
  };
  for (let k = 1; k < 256; k++) {
    add(`xor-0x${k.toString(16).padStart(2, '0')}`, (x) => x ^ k);
    add(`sub-0x${k.toString(16).padStart(2, '0')}`, (x) => (x - k) & 0xff);
  }
  for (let r = 1; r < 8; r++) add(`rol-${r}`, (x) => ((x << r) | (x >> (8 - r))) & 0xff);
  candidates.sort((a, b2) => b2.score - a.score || b2.breaks - a.breaks);
  const out: Step[] = [];
  // Several keys keep ASCII and UTF-8 structure intact (they differ in case bits only): keep a few and
  // let the list check pick the one whose terms read.
  for (const c of candidates.slice(0, 8)) {
    if (c.score < 0.97) break;
    const bytes = Uint8Array.from(b, c.f);
    if (decodeText(bytes)) out.push({ bytes, steps: [c.name] });
  }
  return out;
}

/** Decryption with the app's own keys: closest keys and the ciphers the app names first. */
function cipherSteps(b: Uint8Array, ctx: DecodeContext, limits: SearchLimits, budget: { cipher: number }): Step[] {
  if (ctx.keys.length === 0 || b.length < 8) return [];
  const out: Step[] = [];
  const order = [...CIPHERS].sort(
    (x, y) => Number(ctx.preferred.includes(y.name)) - Number(ctx.preferred.includes(x.name)),
  );
  // Only keys from code near a crypto call or near the file are tried: brute force over every constant in an
  // app would be slow and would invite false positives.
  const keys = ctx.keys.filter((k) => k.rank <= 1).sort((x, y) => x.rank - y.rank);
  for (const key of keys) {
    // Repeating-key XOR with the key bytes.
    if (key.bytes.length >= 2 && key.bytes.length <= 64) {
      const k = key.bytes;
      const x = Uint8Array.from(b, (v, i) => v ^ (k[i % k.length] ?? 0)); // i % k.length is a key index
      if (decodeText(x)) out.push({ bytes: x, steps: ['xor-key'], keyOrigin: key.origin });
    }
    for (const spec of order) {
      if (!spec.keyLengths.includes(key.bytes.length)) continue;
      const ivs: Array<{ iv: Uint8Array | null; data: Uint8Array; origin?: string }> = [];
      if (!spec.needsIv) ivs.push({ iv: null, data: b });
      else {
        const ivLen = spec.name.startsWith('aes') ? 16 : 8;
        ivs.push({ iv: new Uint8Array(ivLen), data: b });
        for (const iv of ctx.ivs) if (iv.bytes.length === ivLen) ivs.push({ iv: iv.bytes, data: b, origin: iv.origin });
        if (key.bytes.length === ivLen) ivs.push({ iv: key.bytes, data: b, origin: 'key reused as IV' });
        if (b.length > ivLen * 2)
          ivs.push({ iv: b.subarray(0, ivLen), data: b.subarray(ivLen), origin: 'IV prepended to the data' });
      }
      for (const { iv, data, origin } of ivs) {
        if (++budget.cipher > limits.maxCipherAttempts) return out;
        const raw = decryptRaw(spec.name, key.bytes, iv, data);
        if (!raw) continue;
        const plain = spec.padded ? unpad(raw, spec.blockSize) : raw;
        if (!plain || plain.length === 0) continue;
        if (decodeText(plain) || hasCompressionMagic(plain)) {
          out.push({
            bytes: plain,
            steps: [spec.name],
            keyOrigin: origin ? `${key.origin} (IV: ${origin})` : key.origin,
          });
        }
      }
    }
  }
  return out;
}

/** The zlib header's check bits: CMF and FLG read as a big-endian number are a multiple of 31 (RFC 1950). */
function zlibHeaderCheck(b: Uint8Array): boolean {
  const [cmf, flg] = b;
  return cmf !== undefined && flg !== undefined && ((cmf << 8) | flg) % 31 === 0;
}

function hasCompressionMagic(b: Uint8Array): boolean {
  return (
    (b[0] === 0x1f && b[1] === 0x8b) ||
    (b[0] === 0x78 && zlibHeaderCheck(b)) ||
    (b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68)
  );
}
