import { inflateRawSync } from 'node:zlib';
import type { ByteSource } from '../io/byte-source.js';
import { LimitExceededError, MalformedInputError } from '../io/errors.js';
import type { Limits } from '../io/limits.js';

/**
 * A ZIP central-directory reader written for APKs, which attackers shape to confuse analysers:
 * prepended DEX (Janus, CVE-2017-13156), duplicate names (the 2013 "Master Key" bug), entries whose
 * local header disagrees with the central directory, fake encryption flags, overlapping entries and
 * zip bombs. Offsets follow APPNOTE.TXT 6.3.x; ZIP64 per sections 4.3.14-4.3.16 and 4.5.3.
 */

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const EOCD_MIN = 22;
const MAX_COMMENT = 0xffff;

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Offset of the local header, already corrected for any bytes prepended to the archive. */
  localHeaderOffset: number;
  /** Index in the central directory; with duplicate names, the later one is what Android's installer sees. */
  index: number;
}

export interface ZipAnomaly {
  code: string;
  message: string;
  entry?: string;
}

export interface ZipDirectory {
  entries: ZipEntry[];
  /** Last entry for each name, as Android's libziparchive resolves duplicates. */
  byName: Map<string, ZipEntry>;
  centralDirectoryOffset: number;
  centralDirectorySize: number;
  eocdOffset: number;
  /** Bytes before the first local header: a prepended payload (Janus) or a self-extractor stub. */
  prependedBytes: number;
  /** Bytes after the end of central directory record and its comment. */
  appendedBytes: number;
  isZip64: boolean;
  anomalies: ZipAnomaly[];
}

export function looksLikeZip(head: Buffer): boolean {
  return head.length >= 4 && head.readUInt32LE(0) === SIG_LOCAL;
}

function findEocd(src: ByteSource): number {
  const tailLen = Math.min(src.size, EOCD_MIN + MAX_COMMENT);
  if (tailLen < EOCD_MIN)
    throw new MalformedInputError('zip/too-short', `${src.size} bytes is too short for a zip archive`);
  const tailStart = src.size - tailLen;
  const tail = src.read(tailStart, tailLen);
  // Scan backwards; prefer a record whose comment length reaches exactly the end of the file,
  // but accept the last record found otherwise (trailing garbage is reported as appended bytes).
  let fallback = -1;
  for (let i = tailLen - EOCD_MIN; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== SIG_EOCD) continue;
    const commentLen = tail.readUInt16LE(i + 20);
    if (i + EOCD_MIN + commentLen === tailLen) return tailStart + i;
    if (fallback < 0 && i + EOCD_MIN + commentLen <= tailLen) fallback = tailStart + i;
  }
  if (fallback >= 0) return fallback;
  throw new MalformedInputError('zip/no-eocd', 'no end-of-central-directory record: not a zip archive, or truncated');
}

export function readZipDirectory(src: ByteSource, limits: Limits): ZipDirectory {
  const anomalies: ZipAnomaly[] = [];
  const eocdOffset = findEocd(src);
  const eocd = src.read(eocdOffset, EOCD_MIN);
  let totalEntries = eocd.readUInt16LE(10);
  let cdSize = eocd.readUInt32LE(12);
  let cdOffset = eocd.readUInt32LE(16);
  const commentLen = eocd.readUInt16LE(20);
  let isZip64 = false;
  let recordStart = eocdOffset; // where the central directory must end

  if (eocdOffset >= 20) {
    const loc = src.read(eocdOffset - 20, 20);
    if (loc.readUInt32LE(0) === SIG_EOCD64_LOCATOR) {
      const eocd64Off = Number(loc.readBigUInt64LE(8));
      if (eocd64Off + 56 <= src.size && src.read(eocd64Off, 4).readUInt32LE(0) === SIG_EOCD64) {
        const e64 = src.read(eocd64Off, 56);
        isZip64 = true;
        totalEntries = safeNumber(e64.readBigUInt64LE(32), 'entry count');
        cdSize = safeNumber(e64.readBigUInt64LE(40), 'central directory size');
        cdOffset = safeNumber(e64.readBigUInt64LE(48), 'central directory offset');
        recordStart = eocd64Off;
      } else {
        anomalies.push({ code: 'zip/bad-zip64-locator', message: 'ZIP64 locator points to no ZIP64 record' });
      }
    }
  }
  if (totalEntries > limits.zip.maxEntries) {
    throw new LimitExceededError(
      'limit/zip-entries',
      `archive declares ${totalEntries} entries, limit zip.maxEntries is ${limits.zip.maxEntries}`,
    );
  }
  // Android's reader trusts the declared offset when a central directory header is there. Otherwise the
  // directory is taken to end where the end records begin: a difference from the declared offset means
  // bytes were prepended (or removed) after the archive was built.
  let actualCdOffset = cdOffset;
  const declaredValid =
    cdOffset + cdSize <= recordStart &&
    (cdSize === 0 || (cdOffset + 4 <= src.size && src.read(cdOffset, 4).readUInt32LE(0) === SIG_CENTRAL));
  if (!declaredValid) {
    actualCdOffset = recordStart - cdSize;
    if (actualCdOffset < 0)
      throw new MalformedInputError('zip/bad-cd-size', `central directory size ${cdSize} exceeds the archive`);
  } else if (cdOffset + cdSize < recordStart) {
    anomalies.push({
      code: 'zip/gap-before-eocd',
      message: `${recordStart - cdOffset - cdSize} bytes lie between the central directory and its end record`,
    });
  }
  const shift = actualCdOffset - cdOffset;
  if (shift !== 0) {
    anomalies.push({
      code: shift > 0 ? 'zip/prepended-data' : 'zip/cd-offset-mismatch',
      message: `central directory found at ${actualCdOffset}, declared at ${cdOffset}`,
    });
  }
  const cd = src.read(actualCdOffset, cdSize);
  const entries: ZipEntry[] = [];
  const byName = new Map<string, ZipEntry>();
  let p = 0;
  for (let i = 0; i < totalEntries; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== SIG_CENTRAL) {
      anomalies.push({
        code: 'zip/truncated-cd',
        message: `central directory ends after ${i} of ${totalEntries} entries`,
      });
      break;
    }
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    const crc32 = cd.readUInt32LE(p + 16);
    let compressedSize = cd.readUInt32LE(p + 20);
    let uncompressedSize = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const entryCommentLen = cd.readUInt16LE(p + 32);
    let lho = cd.readUInt32LE(p + 42);
    const recEnd = p + 46 + nameLen + extraLen + entryCommentLen;
    if (recEnd > cd.length) {
      anomalies.push({ code: 'zip/truncated-cd', message: `central directory record ${i} runs past the directory` });
      break;
    }
    const nameBytes = cd.subarray(p + 46, p + 46 + nameLen);
    // Bit 11 says UTF-8; Android decodes names as UTF-8 regardless, so do the same.
    const name = nameBytes.toString('utf8');
    const extra = cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen);
    if (uncompressedSize === 0xffffffff || compressedSize === 0xffffffff || lho === 0xffffffff) {
      const z = readZip64Extra(
        extra,
        uncompressedSize === 0xffffffff,
        compressedSize === 0xffffffff,
        lho === 0xffffffff,
      );
      if (z.uncompressed !== undefined) uncompressedSize = z.uncompressed;
      if (z.compressed !== undefined) compressedSize = z.compressed;
      if (z.offset !== undefined) lho = z.offset;
    }
    const entry: ZipEntry = {
      name,
      method,
      flags,
      crc32,
      compressedSize,
      uncompressedSize,
      localHeaderOffset: lho + shift,
      index: i,
    };
    if (byName.has(name))
      anomalies.push({ code: 'zip/duplicate-entry', message: `entry name appears more than once`, entry: name });
    if (isUnsafeName(name))
      anomalies.push({ code: 'zip/unsafe-entry-name', message: 'entry name escapes the archive root', entry: name });
    if (flags & 1)
      anomalies.push({
        code: 'zip/encryption-flag',
        message: 'entry flagged as encrypted (Android ignores this flag)',
        entry: name,
      });
    entries.push(entry);
    byName.set(name, entry);
    p = recEnd;
  }
  checkOverlaps(entries, actualCdOffset, anomalies);
  const firstLocal = entries.reduce((m, e) => Math.min(m, e.localHeaderOffset), actualCdOffset);
  const endOfRecords = eocdOffset + EOCD_MIN + commentLen;
  const appendedBytes = Math.max(0, src.size - endOfRecords);
  if (appendedBytes > 0)
    anomalies.push({ code: 'zip/appended-data', message: `${appendedBytes} bytes follow the end of the archive` });
  if (firstLocal > 0 && shift === 0)
    anomalies.push({ code: 'zip/prepended-data', message: `${firstLocal} bytes precede the first entry` });
  return {
    entries,
    byName,
    centralDirectoryOffset: actualCdOffset,
    centralDirectorySize: cdSize,
    eocdOffset,
    prependedBytes: firstLocal,
    appendedBytes,
    isZip64,
    anomalies,
  };
}

function safeNumber(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER))
    throw new MalformedInputError('zip/bad-zip64', `ZIP64 ${what} is impossibly large`);
  return Number(v);
}

function readZip64Extra(extra: Buffer, needU: boolean, needC: boolean, needO: boolean) {
  const out: { uncompressed?: number; compressed?: number; offset?: number } = {};
  let p = 0;
  while (p + 4 <= extra.length) {
    const id = extra.readUInt16LE(p);
    const len = extra.readUInt16LE(p + 2);
    if (id === 0x0001) {
      let q = p + 4;
      const end = Math.min(p + 4 + len, extra.length);
      // Fields appear only for the values that overflowed, in this fixed order (APPNOTE 4.5.3).
      if (needU && q + 8 <= end) {
        out.uncompressed = safeNumber(extra.readBigUInt64LE(q), 'size');
        q += 8;
      }
      if (needC && q + 8 <= end) {
        out.compressed = safeNumber(extra.readBigUInt64LE(q), 'size');
        q += 8;
      }
      if (needO && q + 8 <= end) out.offset = safeNumber(extra.readBigUInt64LE(q), 'offset');
      return out;
    }
    p += 4 + len;
  }
  return out;
}

export function isUnsafeName(name: string): boolean {
  if (name.startsWith('/') || name.startsWith('\\') || /^[a-zA-Z]:/.test(name)) return true;
  return name.split(/[\\/]/).some((part) => part === '..');
}

function checkOverlaps(entries: ZipEntry[], cdOffset: number, anomalies: ZipAnomaly[]): void {
  const sorted = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  for (const [i, e] of sorted.entries()) {
    // The local header's own name/extra lengths are unknown without reading it; 30 + name is a lower bound.
    const minEnd = e.localHeaderOffset + 30 + Buffer.byteLength(e.name) + e.compressedSize;
    const following = sorted[i + 1];
    const next = following ? following.localHeaderOffset : cdOffset;
    if (e.localHeaderOffset < 0 || minEnd > next) {
      anomalies.push({
        code: 'zip/overlapping-entries',
        message: following
          ? `entry data overlaps ${JSON.stringify(following.name)}`
          : 'entry data overlaps the central directory',
        entry: e.name,
      });
    }
  }
}

/**
 * Tracks bytes inflated from one archive tree, so nested archives share one budget. Failed inflations are
 * charged too (what they produced before failing), and a data range that failed once is not inflated again:
 * a thousand entries pointing at one bomb cost one inflation, not a thousand.
 */
export class InflateBudget {
  used = 0;
  readonly failed = new Map<string, Error>();
  readonly limits: BudgetLimits;
  /** The whole limits tree (an APK tree: the user's zip limits), or explicit caps (a firmware's zips). */
  constructor(limits: Limits | BudgetLimits) {
    this.limits = 'zip' in limits ? limits.zip : limits;
  }
}

export type BudgetLimits = Pick<Limits['zip'], 'maxEntryBytes' | 'maxTotalInflatedBytes' | 'maxCompressionRatio'>;

/**
 * Where an entry's data starts: after its local header, whose name and extra lengths may differ from the
 * directory's.
 */
export function entryDataStart(src: ByteSource, entry: ZipEntry): number {
  const lh = src.read(entry.localHeaderOffset, 30);
  if (lh.readUInt32LE(0) !== SIG_LOCAL) {
    throw new MalformedInputError(
      'zip/bad-local-header',
      `no local header at ${entry.localHeaderOffset} for ${entry.name}`,
    );
  }
  return entry.localHeaderOffset + 30 + lh.readUInt16LE(26) + lh.readUInt16LE(28);
}

export function readEntry(src: ByteSource, entry: ZipEntry, budget: InflateBudget): Buffer {
  const { limits } = budget;
  const start = entryDataStart(src, entry);
  const raw = src.read(start, entry.compressedSize);
  if (entry.method === 0) {
    charge(budget, raw.length, entry.name);
    return raw;
  }
  if (entry.method !== 8) {
    throw new MalformedInputError(
      'zip/unsupported-method',
      `entry ${entry.name} uses compression method ${entry.method}`,
    );
  }
  const declaredRatio = entry.compressedSize === 0 ? Infinity : entry.uncompressedSize / entry.compressedSize;
  if (entry.uncompressedSize > 0 && declaredRatio > limits.maxCompressionRatio) {
    throw new LimitExceededError(
      'limit/compression-ratio',
      `${entry.name} declares a ${Math.round(declaredRatio)}:1 ratio ` +
        `(limit zip.maxCompressionRatio ${limits.maxCompressionRatio}:1)`,
    );
  }
  const rangeKey = `${start}:${raw.length}`;
  const earlier = budget.failed.get(rangeKey);
  if (earlier) {
    const Kind = earlier instanceof LimitExceededError ? LimitExceededError : MalformedInputError;
    throw new Kind(
      (earlier as LimitExceededError).code,
      `${entry.name} shares its data with an entry that failed, not inflated again: ${earlier.message}`,
    );
  }
  if (budget.used >= limits.maxTotalInflatedBytes) throw totalExceeded(budget, entry.name);
  // Sizes in the directory can lie, so the inflater itself is capped by the real compressed size too.
  const cap = Math.min(
    limits.maxEntryBytes,
    limits.maxTotalInflatedBytes - budget.used,
    Math.max(1024, raw.length * limits.maxCompressionRatio),
  );
  let out: Buffer;
  try {
    out = inflateRawSync(raw, { maxOutputLength: Math.max(1, cap) });
  } catch (err) {
    const code = (err as { code?: string }).code;
    let failure: Error;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      // The inflater produced `cap` bytes before it stopped.
      budget.used += cap;
      failure = new LimitExceededError(
        'limit/inflated-bytes',
        `${entry.name} inflates past its ${cap}-byte cap (${capName(limits, cap, raw.length)})`,
      );
    } else {
      // How much a broken stream produced before failing is not known; its compressed size is a floor.
      budget.used += raw.length;
      failure = new MalformedInputError('zip/bad-deflate', `${entry.name}: ${(err as Error).message}`);
    }
    budget.failed.set(rangeKey, failure);
    throw failure;
  }
  charge(budget, out.length, entry.name);
  return out;
}

function capName(limits: InflateBudget['limits'], cap: number, compressed: number): string {
  if (cap === limits.maxEntryBytes) return `limit zip.maxEntryBytes ${limits.maxEntryBytes}`;
  if (cap === Math.max(1024, compressed * limits.maxCompressionRatio))
    return `limit zip.maxCompressionRatio ${limits.maxCompressionRatio}:1`;
  return `what remains of zip.maxTotalInflatedBytes ${limits.maxTotalInflatedBytes}`;
}

function totalExceeded(budget: InflateBudget, name: string): LimitExceededError {
  return new LimitExceededError(
    'limit/total-inflated-bytes',
    `archive tree exceeds ${budget.limits.maxTotalInflatedBytes} inflated bytes ` +
      `(limit zip.maxTotalInflatedBytes) at ${name}`,
  );
}

function charge(budget: InflateBudget, n: number, name: string): void {
  budget.used += n;
  if (budget.used > budget.limits.maxTotalInflatedBytes) throw totalExceeded(budget, name);
}
