import type { ByteSource } from '../io/byte-source.js';
import { CandorError, LimitExceededError, MalformedInputError } from '../io/errors.js';
import { xzDecode } from '../decode/xz.js';
import { boundedDecompress } from '../decode/bounded.js';
import { DEFAULT_LIMITS, type Limits } from '../io/limits.js';
import { MappedSource, type Piece } from './mapped-source.js';
import { Msg } from './protobuf.js';

/**
 * A/B OTA `payload.bin` (update_engine's update_metadata.proto): the `CrAU` header, the protobuf
 * DeltaArchiveManifest, and each partition exposed as a virtual image whose blocks come from its
 * operations. Full-OTA operations (REPLACE, REPLACE_BZ, REPLACE_XZ, REPLACE_ZSTD, ZERO, DISCARD) are
 * decoded on demand when a block is read; a partition with any incremental operation is listed and
 * reported as unsupported, since it can only be rebuilt from the previous firmware.
 */

const MAGIC = 'CrAU';
const OP_NAMES: Record<number, string> = {
  0: 'REPLACE',
  1: 'REPLACE_BZ',
  2: 'MOVE',
  3: 'BSDIFF',
  4: 'SOURCE_COPY',
  5: 'SOURCE_BSDIFF',
  6: 'ZERO',
  7: 'DISCARD',
  8: 'REPLACE_XZ',
  9: 'PUFFDIFF',
  10: 'BROTLI_BSDIFF',
  11: 'ZUCCHINI',
  12: 'LZ4DIFF_BSDIFF',
  13: 'LZ4DIFF_PUFFDIFF',
  14: 'REPLACE_ZSTD',
};
const FULL_OPS = new Set([0, 1, 6, 7, 8, 14]);

export function isPayload(head: Buffer): boolean {
  return head.length >= 4 && head.toString('latin1', 0, 4) === MAGIC;
}

export interface PayloadPartition {
  name: string;
  size: number;
  operations: number;
  /** Operation types that are not full-OTA and so cannot be applied without the old partition. */
  unsupported: string[];
  /** The partition as an image, when every operation is a full one. */
  image: MappedSource | null;
  /** Why the partition could not be assembled (an operation outside the payload...). */
  problem?: string;
}

export interface Payload {
  version: number;
  blockSize: number;
  minorVersion: number;
  /** True for a full OTA (every partition can be rebuilt from the payload alone). */
  full: boolean;
  partitions: PayloadPartition[];
}

export function openPayload(
  src: ByteSource,
  limits: Pick<Limits['firmware'], 'maxManifestBytes' | 'maxOperationBytes'> = DEFAULT_LIMITS.firmware,
): Payload {
  if (src.size < 24) throw new MalformedInputError('payload/truncated', 'payload shorter than its header');
  const h = src.read(0, 24);
  if (!isPayload(h)) throw new MalformedInputError('payload/bad-magic', 'not an update_engine payload');
  const version = Number(h.readBigUInt64BE(4));
  if (version !== 1 && version !== 2)
    throw new MalformedInputError('payload/version', `payload version ${version} is not 1 or 2`);
  const manifestSize = Number(h.readBigUInt64BE(12));
  const sigSize = version === 2 ? h.readUInt32BE(20) : 0;
  const headerSize = version === 2 ? 24 : 20;
  if (manifestSize > limits.maxManifestBytes)
    throw new LimitExceededError(
      'limit/manifest-bytes',
      `manifest claims ${manifestSize} bytes, limit firmware.maxManifestBytes is ${limits.maxManifestBytes}`,
    );
  if (headerSize + manifestSize + sigSize > src.size)
    throw new MalformedInputError('payload/truncated', 'manifest runs past the end of the payload');
  const manifest = Msg.parse(src.read(headerSize, manifestSize));
  const dataStart = headerSize + manifestSize + sigSize;
  const blockSize = manifest.num(3, 4096);
  if (blockSize < 512 || blockSize > 1 << 20 || (blockSize & (blockSize - 1)) !== 0)
    throw new MalformedInputError('payload/bad-block-size', `block size ${blockSize}`);
  const partitions: PayloadPartition[] = [];
  for (const p of manifest.msgs(13)) {
    const name = p.str(1) ?? '(unnamed)';
    const info = p.msg(7);
    const ops = p.msgs(8);
    const unsupported = [
      ...new Set(
        ops
          .map((o) => o.num(1))
          .filter((t) => !FULL_OPS.has(t))
          .map((t) => OP_NAMES[t] ?? `type ${t}`),
      ),
    ];
    let size = info ? info.num(1) : 0;
    const pieces: Piece[] = [];
    let problem: string | undefined;
    if (unsupported.length === 0) {
      try {
        ops.forEach((op, i) => {
          const type = op.num(1);
          const dataOffset = op.num(2);
          const dataLength = op.num(3);
          const extents = op.msgs(6).map((e) => ({ start: e.num(1) * blockSize, length: e.num(2) * blockSize }));
          const span = extents.reduce((n, e) => Math.max(n, e.start + e.length), 0);
          if (!info) size = Math.max(size, span);
          if (type === 6 || type === 7) return; // ZERO and DISCARD leave zeros
          if (dataStart + dataOffset + dataLength > src.size)
            throw new MalformedInputError(
              'payload/data-outside',
              `${name} operation ${i} reads data past the end of the payload`,
            );
          // An operation writes exactly its extents: decompression stops there (or at firmware.maxOperationBytes).
          const wanted = extents.reduce((n, e) => n + e.length, 0);
          const cap = Math.min(limits.maxOperationBytes, Math.max(wanted, blockSize));
          const produce = () =>
            decodeOperation(type, src.read(dataStart + dataOffset, dataLength), `${name} operation ${i}`, cap);
          let inOutput = 0;
          for (const e of extents) {
            if (type === 0)
              pieces.push({
                at: e.start,
                length: e.length,
                kind: 'source',
                source: src,
                offset: dataStart + dataOffset + inOutput,
              });
            else
              pieces.push({
                at: e.start,
                length: e.length,
                kind: 'lazy',
                key: `${name}/${i}`,
                offset: inOutput,
                produce,
              });
            inOutput += e.length;
          }
          if (type === 0 && inOutput > dataLength)
            throw new MalformedInputError(
              'payload/short-operation',
              `${name} operation ${i} writes ${inOutput} bytes from ${dataLength}`,
            );
        });
        if (pieces.some((x) => x.at + x.length > size))
          throw new MalformedInputError(
            'payload/extent-outside',
            `an operation of ${name} writes past the partition's ${size} bytes`,
          );
      } catch (err) {
        // One bad partition does not hide the others.
        if (!(err instanceof MalformedInputError)) throw err;
        problem = err.message;
      }
    }
    const image = unsupported.length || problem ? null : new MappedSource(size, pieces);
    partitions.push({ name, size, operations: ops.length, unsupported, image, ...(problem ? { problem } : {}) });
  }
  return {
    version,
    blockSize,
    minorVersion: manifest.num(12),
    full: partitions.every((p) => p.unsupported.length === 0),
    partitions,
  };
}

function decodeOperation(type: number, data: Buffer, what: string, cap: number): Buffer {
  try {
    switch (type) {
      case 1:
        return boundedDecompress('bzip2', data, cap, 'limit/operation-bytes');
      case 8:
        return Buffer.from(xzDecode(data, cap, 'limit/operation-bytes'));
      case 14:
        return boundedDecompress('zstd', data, cap, 'limit/operation-bytes');
      default:
        throw new MalformedInputError('payload/bad-operation', `${what}: operation type ${type} carries no data`);
    }
  } catch (err) {
    if (err instanceof CandorError) throw err;
    throw new MalformedInputError('payload/bad-data', `${what}: ${(err as Error).message}`);
  }
}
