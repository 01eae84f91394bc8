import type { ByteSource } from '../io/byte-source.js';
import { captureFormat, headerlessStart } from '../formats/net/pcap.js';
import { looksLikeHar } from '../formats/net/har.js';
import { isElf } from '../formats/elf.js';
import { isBootImage } from '../formats/bootimg.js';
import { isErofs } from './fs/erofs.js';
import { isExt4 } from './fs/ext4.js';
import { isPayload } from './payload.js';
import { isSparse } from './sparse.js';
import { isSuper } from './super.js';
import { isTar } from './tar.js';

/**
 * The one place that tells what a byte source is from its content: the magic numbers of zip, gzip, AVB,
 * DEX and captures, and the order in which firmware layers are tried. Formats whose parser owns a
 * subtler test (sparse, boot, payload, super, ext4, EROFS, tar, ELF, pcap) are asked through it, so a
 * caller never compares magic bytes itself.
 */

/** Local file header signature ("PK\3\4"), APPNOTE 4.3.7. */
const ZIP_LOCAL_MAGIC = 0x04034b50;
/** AVB's vbmeta image header ("AVB0"), libavb's avb_vbmeta_image.h. */
const VBMETA_MAGIC = 'AVB0';
/** DEX files start with "dex\n" and a version. */
const DEX_MAGIC = 'dex\n';
/** Bytes enough for every head-based test below. */
const HEAD_BYTES = 16;

/** The first bytes of a source (fewer when it is shorter). */
export function headOf(src: ByteSource, bytes = HEAD_BYTES): Buffer {
  return src.read(0, Math.min(src.size, bytes));
}

export function hasZipMagic(head: Buffer): boolean {
  return head.length >= 4 && head.readUInt32LE(0) === ZIP_LOCAL_MAGIC;
}

/** RFC 1952 member header ID1 ID2. */
export function hasGzipMagic(head: Uint8Array): boolean {
  return head[0] === 0x1f && head[1] === 0x8b;
}

export function hasVbmetaMagic(head: Buffer): boolean {
  return head.toString('latin1', 0, 4) === VBMETA_MAGIC;
}

export function hasDexMagic(head: Buffer): boolean {
  return head.length >= 4 && head.toString('latin1', 0, 4) === DEX_MAGIC;
}

export function hasElfMagic(bytes: Uint8Array): boolean {
  return isElf(bytes);
}

/** A pcap or pcapng file; or a .pcap whose header was lost (a capture cut from a crashed device). */
export function isCapture(src: ByteSource, head: Buffer, path: string): boolean {
  return captureFormat(head) !== null || (/\.(pcap|cap)$/i.test(path) && headerlessStart(src) !== null);
}

/** A HAR file: JSON (after a BOM or whitespace) whose first object holds "log". */
export function isHar(src: ByteSource, head: Buffer): boolean {
  if (head[0] !== 0x7b && head[0] !== 0x20 && head[0] !== 0x0a && head[0] !== 0xef) return false;
  return looksLikeHar(src.read(0, Math.min(src.size, 512)).toString('utf8'));
}

/** The layers a firmware image can be made of, each with an opener in `acquire/openers.ts`. */
export type LayerKind = 'zip' | 'payload' | 'gzip' | 'sparse' | 'boot' | 'vbmeta' | 'super' | 'ext4' | 'erofs' | 'tar';

/**
 * Layer tests in the order they are tried: the head-based ones first (cheap, and decisive at offset 0),
 * then those that read a superblock or header further in.
 */
const LAYER_TESTS: ReadonlyArray<[LayerKind, (head: Buffer, src: ByteSource) => boolean]> = [
  ['zip', (head) => hasZipMagic(head)],
  ['payload', (head) => isPayload(head)],
  ['gzip', (head) => hasGzipMagic(head)],
  ['sparse', (head) => isSparse(head)],
  ['boot', (head) => isBootImage(head)],
  ['vbmeta', (head) => hasVbmetaMagic(head)],
  ['super', (_, src) => isSuper(src)],
  ['ext4', (_, src) => isExt4(src)],
  ['erofs', (_, src) => isErofs(src)],
  ['tar', (_, src) => isTar(src)],
];

/** Every layer kind the source passes the test of, lazily and in order (a test runs only when asked). */
export function* layerKinds(src: ByteSource): Generator<LayerKind> {
  const head = headOf(src);
  for (const [kind, test] of LAYER_TESTS) if (test(head, src)) yield kind;
}

/** The layer a firmware image is opened as: the first kind whose test it passes. */
export function sniffLayer(src: ByteSource): LayerKind | null {
  for (const kind of layerKinds(src)) return kind;
  return null;
}
