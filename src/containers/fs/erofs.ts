import type { ByteSource } from '../../io/byte-source.js';
import { LimitExceededError, MalformedInputError } from '../../io/errors.js';
import { typeOfMode, walkTree, type FileSystem, type FsEntry, type FsProblem, type WalkBounds } from './filesystem.js';
import { lz4BlockDecode } from '../../decode/lz4.js';
import { microLzmaDecode } from '../../decode/xz.js';

/**
 * EROFS reader (the kernel's Documentation/filesystems/erofs and `erofs_fs.h`): compact (32-byte) and
 * extended (64-byte) inodes; flat, flat-inline and chunk-based layouts; compressed files with legacy
 * (8-byte) and compacted (2- and 4-byte) cluster indexes, big and tail-packed physical clusters,
 * interlaced plain clusters, LZ4 with or without zero padding, and MicroLZMA. Deflate and other
 * algorithms and packed fragments are reported as unsupported for the file rather than guessed at.
 */

const EROFS_MAGIC = 0xe0f5e1e2;
const INCOMPAT_ZERO_PADDING = 0x1;
const INCOMPAT_COMPR_CFGS = 0x2; // also "big pcluster": both are bit 1
const LAYOUT_FLAT_PLAIN = 0;
const LAYOUT_COMPRESSED_FULL = 1;
const LAYOUT_FLAT_INLINE = 2;
const LAYOUT_COMPRESSED_COMPACT = 3;
const LAYOUT_CHUNK_BASED = 4;
const ADVISE_COMPACTED_2B = 0x1;
const ADVISE_BIG_PCLUSTER_1 = 0x2;
const ADVISE_BIG_PCLUSTER_2 = 0x4;
const ADVISE_INLINE_PCLUSTER = 0x8;
const ADVISE_INTERLACED_PCLUSTER = 0x10;
const ADVISE_FRAGMENT_PCLUSTER = 0x20;
const TYPE_PLAIN = 0; // HEAD1 = 1: LZ4 (or the first algorithm) cluster head
const TYPE_NONHEAD = 2;
const TYPE_HEAD2 = 3;
const D0_CBLKCNT = 1 << 11;
const ALGORITHM_NAMES = ['lz4', 'lzma', 'deflate', 'zstd'];

export function isErofs(src: ByteSource): boolean {
  return src.size >= 1024 + 128 && src.read(1024, 4).readUInt32LE(0) === EROFS_MAGIC;
}

interface Inode {
  nid: number;
  addr: number;
  layout: number;
  mode: number;
  size: number;
  rawBlkaddr: number;
  /** Bytes of inode plus inline extended attributes: where inline data or cluster indexes start. */
  headerEnd: number;
}

interface LclusterIndex {
  type: number;
  clusterofs: number;
  delta0: number;
  pblk: number;
  /** Compressed blocks of a big physical cluster, when this non-head lcluster records it. */
  cblkcnt: number | null;
}

export class Erofs implements FileSystem {
  readonly kind = 'erofs' as const;
  readonly label: string;
  readonly blockSize: number;
  private readonly blkszbits: number;
  private readonly metaBase: number;
  private readonly rootNid: number;
  private readonly incompat: number;
  /** Blocks the superblock claims; an image shorter than that is cut, and only what it still holds is read. */
  private readonly claimedBlocks: number;

  constructor(private readonly src: ByteSource) {
    if (!isErofs(src)) throw new MalformedInputError('erofs/bad-magic', 'no EROFS superblock');
    const sb = src.read(1024, 128);
    this.blkszbits = sb.readUInt8(12);
    if (this.blkszbits < 9 || this.blkszbits > 16)
      throw new MalformedInputError('erofs/bad-superblock', `block size 2^${this.blkszbits} is not plausible`);
    this.blockSize = 1 << this.blkszbits;
    this.rootNid = sb.readUInt16LE(14);
    this.metaBase = sb.readUInt32LE(40) * this.blockSize;
    this.incompat = sb.readUInt32LE(80);
    const name = sb.subarray(64, 80);
    this.label = name.subarray(0, name.indexOf(0) < 0 ? 16 : name.indexOf(0)).toString('utf8');
    this.claimedBlocks = sb.readUInt32LE(36);
  }

  private inode(nid: number): Inode {
    const addr = this.metaBase + nid * 32;
    if (addr + 32 > this.src.size)
      throw new MalformedInputError('erofs/bad-inode', `inode ${nid} lies past the end of the image`);
    const h = this.src.read(addr, 32);
    const format = h.readUInt16LE(0);
    const extended = (format & 1) === 1;
    const layout = (format >> 1) & 7;
    const xattrCount = h.readUInt16LE(2);
    const mode = h.readUInt16LE(4);
    let size: number;
    let rawBlkaddr: number;
    if (extended) {
      if (addr + 64 > this.src.size)
        throw new MalformedInputError('erofs/bad-inode', `inode ${nid} lies past the end of the image`);
      const x = this.src.read(addr, 64);
      size = Number(x.readBigUInt64LE(8));
      rawBlkaddr = x.readUInt32LE(16);
    } else {
      size = h.readUInt32LE(8);
      rawBlkaddr = h.readUInt32LE(16);
    }
    if (!Number.isSafeInteger(size))
      throw new MalformedInputError('erofs/bad-inode', `inode ${nid} claims an impossible size`);
    const xattrBytes = xattrCount ? 12 + (xattrCount - 1) * 4 : 0;
    return { nid, addr, layout, mode, size, rawBlkaddr, headerEnd: addr + (extended ? 64 : 32) + xattrBytes };
  }

  private blocks(blkaddr: number, count: number, what: string): Buffer {
    const at = blkaddr * this.blockSize;
    if (at + count * this.blockSize > this.src.size)
      throw new MalformedInputError(
        'erofs/bad-block',
        `${what} points to blocks ${blkaddr}..${blkaddr + count} outside the image`,
      );
    return this.src.read(at, count * this.blockSize);
  }

  private content(ino: Inode, path: string, maxBytes: number): Buffer {
    if (ino.size > maxBytes)
      throw new LimitExceededError('limit/file-bytes', `${path} is ${ino.size} bytes, over the ${maxBytes}-byte limit`);
    const size = ino.size;
    switch (ino.layout) {
      case LAYOUT_FLAT_PLAIN: {
        if (size === 0) return Buffer.alloc(0);
        if (ino.rawBlkaddr * this.blockSize + size > this.src.size)
          throw new MalformedInputError('erofs/bad-block', `${path} runs past the end of the image`);
        return Buffer.from(this.src.read(ino.rawBlkaddr * this.blockSize, size));
      }
      case LAYOUT_FLAT_INLINE: {
        const full = Math.floor(size / this.blockSize) * this.blockSize;
        const tail = size - full;
        const out = Buffer.alloc(size);
        if (full) this.blocks(ino.rawBlkaddr, full / this.blockSize, path).copy(out, 0);
        if (tail) {
          if (ino.headerEnd + tail > this.src.size)
            throw new MalformedInputError('erofs/bad-inline', `${path}'s inline tail runs past the image`);
          this.src.read(ino.headerEnd, tail).copy(out, full);
        }
        return out;
      }
      case LAYOUT_CHUNK_BASED:
        return this.chunked(ino, path);
      case LAYOUT_COMPRESSED_FULL:
      case LAYOUT_COMPRESSED_COMPACT:
        return this.compressed(ino, path);
      default:
        throw new MalformedInputError('erofs/bad-layout', `${path} has unknown data layout ${ino.layout}`);
    }
  }

  private chunked(ino: Inode, path: string): Buffer {
    const format = ino.rawBlkaddr;
    const chunkBits = this.blkszbits + (format & 0x1f);
    const indexed = (format & 0x20) !== 0;
    const chunkSize = 2 ** chunkBits;
    const chunks = Math.ceil(ino.size / chunkSize);
    const entry = indexed ? 8 : 4;
    const base = indexed ? align(ino.headerEnd, 8) : ino.headerEnd;
    if (base + chunks * entry > this.src.size)
      throw new MalformedInputError('erofs/bad-chunks', `${path}'s chunk table runs past the image`);
    const table = this.src.read(base, chunks * entry);
    const out = Buffer.alloc(ino.size);
    for (let c = 0; c < chunks; c++) {
      const blk = indexed ? table.readUInt32LE(c * 8 + 4) : table.readUInt32LE(c * 4);
      if (indexed && table.readUInt16LE(c * 8 + 2) !== 0)
        throw new MalformedInputError('erofs/unsupported-device', `${path} keeps chunks on an extra device`);
      if (blk === 0xffffffff) continue; // hole
      const n = Math.min(chunkSize, ino.size - c * chunkSize);
      this.blocks(blk, Math.ceil(n / this.blockSize), path).copy(out, c * chunkSize, 0, n);
    }
    return out;
  }

  private compressed(ino: Inode, path: string): Buffer {
    const headerAt = align(ino.headerEnd, 8);
    let advise = 0;
    let algorithms = 0;
    let lclusterbits = this.blkszbits;
    if (ino.layout === LAYOUT_COMPRESSED_COMPACT || this.incompat & INCOMPAT_COMPR_CFGS) {
      const h = this.src.read(headerAt, 8);
      advise = h.readUInt16LE(4);
      algorithms = h.readUInt8(6);
      lclusterbits = this.blkszbits + (h.readUInt8(7) & 7);
    }
    if (advise & ADVISE_FRAGMENT_PCLUSTER) {
      throw new MalformedInputError(
        'erofs/unsupported-layout',
        `${path} keeps its tail in the packed-fragments inode, which this reader does not decode yet`,
      );
    }
    const inlineSize = advise & ADVISE_INLINE_PCLUSTER ? this.src.read(headerAt, 8).readUInt16LE(2) : 0;
    const total = Math.ceil(ino.size / 2 ** lclusterbits);
    // Legacy indexes follow the map header and 8 bytes of padding; compacted ones follow the header.
    const indexBase = headerAt + 8 + (ino.layout === LAYOUT_COMPRESSED_FULL ? 8 : 0);
    const reader = new IndexReader(this.src, ino, indexBase, total, lclusterbits, advise);
    // Extents start at every head or plain lcluster; each runs to the next one.
    const heads: Array<{ start: number; index: LclusterIndex; lcn: number }> = [];
    for (let lcn = 0; lcn < total; lcn++) {
      const idx = reader.index(lcn);
      if (idx.type !== TYPE_NONHEAD) heads.push({ start: lcn * 2 ** lclusterbits + idx.clusterofs, index: idx, lcn });
    }
    // A head past the end of the file can follow the last real one; drop it so the tail is the last head.
    while (heads.length > 1 && (heads.at(-1)?.start ?? 0) >= ino.size) heads.pop();
    const out = Buffer.alloc(ino.size);
    for (const [h, { start, index, lcn }] of heads.entries()) {
      if (start >= ino.size) continue;
      const end = Math.min(ino.size, heads[h + 1]?.start ?? ino.size);
      if (end <= start) continue;
      const big = index.type === TYPE_HEAD2 ? advise & ADVISE_BIG_PCLUSTER_2 : advise & ADVISE_BIG_PCLUSTER_1;
      let cblocks = 1;
      if (big && lcn + 1 < total) {
        const next = reader.index(lcn + 1);
        if (next.type === TYPE_NONHEAD && next.cblkcnt !== null) cblocks = next.cblkcnt;
      }
      if (cblocks < 1 || cblocks > 1024)
        throw new MalformedInputError('erofs/bad-cluster', `${path} has a physical cluster of ${cblocks} blocks`);
      // A tail-packed file keeps its last cluster inline, right after the index pack of its last lcluster.
      const tailInline = inlineSize > 0 && h === heads.length - 1;
      const input = tailInline
        ? this.src.read(reader.packEnd(total - 1), inlineSize)
        : this.blocks(index.pblk, cblocks, path);
      if (index.type === TYPE_PLAIN) {
        // Uncompressed cluster; "interlaced" ones are stored rotated by the extent's offset in a block.
        const rot = advise & ADVISE_INTERLACED_PCLUSTER ? start & (this.blockSize - 1) : 0;
        const rotated = rot ? Buffer.concat([input.subarray(rot), input.subarray(0, rot)]) : input;
        if (end - start > rotated.length)
          throw new MalformedInputError('erofs/bad-cluster', `${path}'s plain cluster is shorter than its extent`);
        rotated.copy(out, start, 0, end - start);
        continue;
      }
      const algorithm = index.type === TYPE_HEAD2 ? algorithms >> 4 : algorithms & 15;
      if (algorithm !== 0 && algorithm !== 1) {
        throw new MalformedInputError(
          'erofs/unsupported-algorithm',
          `${path} is compressed with ${ALGORITHM_NAMES[algorithm] ?? `algorithm ${algorithm}`}, ` +
            'which this reader does not decode',
        );
      }
      let from = 0;
      // Compressed data is aligned to the end of its cluster (always for LZMA): skip the leading zeros.
      if (this.incompat & INCOMPAT_ZERO_PADDING || algorithm === 1)
        while (from < input.length && input[from] === 0) from++;
      if (algorithm === 1) {
        const decoded = microLzmaDecode(input.subarray(from), end - start, end - start);
        if (decoded.length !== end - start)
          throw new MalformedInputError(
            'erofs/short-cluster',
            `${path}: an LZMA cluster decoded to ${decoded.length} bytes, its extent needs ${end - start}`,
          );
        out.set(decoded, start);
        continue;
      }
      const n = lz4BlockDecode(input, from, input.length, out, start, end);
      if (n !== end - start)
        throw new MalformedInputError(
          'erofs/short-cluster',
          `${path}: a cluster decoded to ${n} bytes, its extent needs ${end - start}`,
        );
    }
    return out;
  }

  readFile(entry: FsEntry, maxBytes: number): Buffer {
    return this.content(this.inode(entry.node), entry.path, maxBytes);
  }

  walk(visit: (entry: FsEntry) => void, problem: (p: FsProblem) => void, bounds?: WalkBounds): void {
    // A cut image still lists what its readable part holds, and says it is cut (as ext4 does): reads
    // past the end fail one file or directory at a time.
    if (this.claimedBlocks * this.blockSize > this.src.size)
      problem({
        code: 'erofs/truncated',
        message:
          `superblock claims ${this.claimedBlocks} blocks, ` +
          `the image holds ${Math.floor(this.src.size / this.blockSize)}`,
        path: '/',
      });
    walkTree<Inode>(
      {
        kind: 'erofs',
        root: this.rootNid,
        node: (nid) => this.inode(nid),
        mode: (n) => n.mode,
        size: (n) => n.size,
        children: (dir, path) => this.dirEntries(dir, path).map((e) => ({ id: e.nid, name: e.name })),
        linkTarget: (n, path) => this.content(n, path, 4096).toString('utf8'),
      },
      visit,
      problem,
      bounds,
    );
  }

  private dirEntries(dir: Inode, path: string): Array<{ nid: number; name: string }> {
    if (typeOfMode(dir.mode) !== 'dir')
      throw new MalformedInputError('erofs/not-a-directory', `${path} is not a directory`);
    const data = this.content(dir, path, 256 * 1024 * 1024);
    const out: Array<{ nid: number; name: string }> = [];
    for (let off = 0; off < data.length; off += this.blockSize) {
      const block = data.subarray(off, Math.min(data.length, off + this.blockSize));
      if (block.length < 12) break;
      const first = block.readUInt16LE(8);
      const n = Math.floor(first / 12);
      if (n === 0 || first > block.length)
        throw new MalformedInputError('erofs/bad-directory', `${path} has a corrupt directory block`);
      for (let i = 0; i < n; i++) {
        const nid = Number(block.readBigUInt64LE(i * 12));
        const nameOff = block.readUInt16LE(i * 12 + 8);
        let nameEnd = i + 1 < n ? block.readUInt16LE((i + 1) * 12 + 8) : block.length;
        if (nameOff > block.length || nameEnd > block.length || nameEnd < nameOff)
          throw new MalformedInputError(
            'erofs/bad-directory',
            `${path} has a directory entry whose name lies outside its block`,
          );
        if (i + 1 === n) {
          const nul = block.indexOf(0, nameOff);
          if (nul >= 0 && nul < nameEnd) nameEnd = nul;
        }
        out.push({ nid, name: block.toString('utf8', nameOff, nameEnd) });
      }
    }
    return out;
  }
}

/** Decodes the per-lcluster index of a compressed inode, in either of its on-disk forms. */
class IndexReader {
  private readonly compacted4bInitial: number;
  private readonly compacted2b: number;
  private readonly lomask: number;

  constructor(
    private readonly src: ByteSource,
    private readonly ino: Inode,
    private readonly ebase: number,
    private readonly total: number,
    private readonly lclusterbits: number,
    private readonly advise: number,
  ) {
    this.lomask = 2 ** lclusterbits - 1;
    let initial = (32 - (ebase % 32)) / 4;
    if (initial === 8) initial = 0;
    this.compacted4bInitial = initial;
    this.compacted2b = advise & ADVISE_COMPACTED_2B && initial < total ? Math.floor((total - initial) / 16) * 16 : 0;
    if (this.compacted2b && lclusterbits !== 12)
      throw new MalformedInputError('erofs/bad-index', '2-byte cluster indexes need 4 KiB clusters');
  }

  index(lcn: number): LclusterIndex {
    if (this.ino.layout === LAYOUT_COMPRESSED_FULL) return this.legacy(lcn);
    const { shift, pos } = this.position(lcn);
    return this.unpack(shift, pos);
  }

  /** Where the index pack holding `lcn` ends (tail-packed data starts there). */
  packEnd(lcn: number): number {
    if (this.ino.layout === LAYOUT_COMPRESSED_FULL) return this.ebase + (lcn + 1) * 8;
    const { shift, pos } = this.position(lcn);
    const packBytes = (shift === 2 ? 2 : 16) << shift;
    return pos - (pos % packBytes) + packBytes;
  }

  private position(lcn: number): { shift: number; pos: number } {
    if (lcn >= this.total)
      throw new MalformedInputError('erofs/bad-index', `lcluster ${lcn} is past the file's ${this.total}`);
    let pos = this.ebase;
    let shift = 2;
    let n = lcn;
    if (n >= this.compacted4bInitial) {
      pos += this.compacted4bInitial * 4;
      n -= this.compacted4bInitial;
      if (n < this.compacted2b) shift = 1;
      else {
        pos += this.compacted2b * 2;
        n -= this.compacted2b;
      }
    }
    pos += n * (1 << shift);
    return { shift, pos };
  }

  private legacy(lcn: number): LclusterIndex {
    const at = this.ebase + lcn * 8;
    if (at + 8 > this.src.size)
      throw new MalformedInputError('erofs/bad-index', 'cluster index past the end of the image');
    const b = this.src.read(at, 8);
    const type = b.readUInt16LE(0) & 3;
    const clusterofs = b.readUInt16LE(2);
    if (type === TYPE_NONHEAD) {
      const d0 = b.readUInt16LE(4);
      if (d0 & D0_CBLKCNT) return { type, clusterofs, delta0: 1, pblk: 0, cblkcnt: d0 & ~D0_CBLKCNT };
      return { type, clusterofs, delta0: d0, pblk: 0, cblkcnt: null };
    }
    return { type, clusterofs, delta0: 0, pblk: b.readUInt32LE(4), cblkcnt: null };
  }

  private unpack(shift: number, pos: number): LclusterIndex {
    const vcnt = shift === 2 ? 2 : 16;
    const packBytes = vcnt << shift;
    const encodebits = ((packBytes - 4) * 8) / vcnt;
    const base = pos - (pos % packBytes);
    if (base + packBytes > this.src.size)
      throw new MalformedInputError('erofs/bad-index', 'cluster index past the end of the image');
    const pack = this.src.read(base, packBytes);
    let i = (pos - base) >> shift;
    const big = (this.advise & (ADVISE_BIG_PCLUSTER_1 | ADVISE_BIG_PCLUSTER_2)) !== 0;
    const decode = (k: number): { lo: number; type: number } => {
      const bit = encodebits * k;
      const word = readBits(pack, bit, this.lclusterbits + 2);
      return { lo: word & this.lomask, type: (word >> this.lclusterbits) & 3 };
    };
    let { lo, type } = decode(i);
    if (type === TYPE_NONHEAD) {
      if (lo & D0_CBLKCNT && big)
        return { type, clusterofs: 2 ** this.lclusterbits, delta0: 1, pblk: 0, cblkcnt: lo & ~D0_CBLKCNT };
      if (i + 1 !== vcnt) return { type, clusterofs: 2 ** this.lclusterbits, delta0: lo, pblk: 0, cblkcnt: null };
      // The last lcluster of a pack stores delta[1]; delta[0] comes from its neighbour.
      const prev = decode(i - 1);
      let d = prev.type !== TYPE_NONHEAD ? 0 : prev.lo;
      if (prev.type === TYPE_NONHEAD && prev.lo & D0_CBLKCNT && big) d = 1;
      return { type, clusterofs: 2 ** this.lclusterbits, delta0: d + 1, pblk: 0, cblkcnt: null };
    }
    const clusterofs = lo;
    const headType = type;
    let nblk = big ? 0 : 1;
    while (i > 0) {
      --i;
      ({ lo, type } = decode(i));
      if (type === TYPE_NONHEAD) {
        if (big) {
          if (lo & D0_CBLKCNT) {
            --i;
            nblk += lo & ~D0_CBLKCNT;
            continue;
          }
          if (lo <= 1) throw new MalformedInputError('erofs/bad-index', 'inconsistent big-cluster index');
          i -= lo - 2;
          continue;
        }
        i -= lo;
      }
      if (i >= 0) ++nblk;
    }
    return { type: headType, clusterofs, delta0: 0, pblk: pack.readUInt32LE(packBytes - 4) + nblk, cblkcnt: null };
  }
}

function readBits(buf: Buffer, bit: number, width: number): number {
  const byte = bit >> 3;
  let v = 0;
  for (const [k, b] of buf.subarray(byte, byte + 4).entries()) v |= b << (8 * k);
  return ((v >>> 0) >>> (bit & 7)) & (2 ** width - 1);
}

function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}
