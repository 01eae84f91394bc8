import type { ByteSource } from '../../io/byte-source.js';
import { LimitExceededError, MalformedInputError, entryAt } from '../../io/errors.js';
import { typeOfMode, walkTree, type FileSystem, type FsEntry, type FsProblem, type WalkBounds } from './filesystem.js';

/**
 * ext4 reader (the layout in the kernel's Documentation/filesystems/ext4): superblock, 32- and 64-bit
 * group descriptors, inodes with extent trees or ext2/3 indirect blocks, inline data (in i_block and
 * the `system.data` in-inode attribute), linear and hashed directories (an htree's interior blocks
 * read as empty linear blocks, so every leaf is listed by reading the directory's blocks in order), fast
 * and slow symbolic links. Read-only; the journal is ignored, as the images Android builds have none.
 */

const EXT4_MAGIC = 0xef53;
const INCOMPAT_64BIT = 0x80;
const EXTENTS_FL = 0x80000;
const INLINE_DATA_FL = 0x10000000;
const EXTENT_MAGIC = 0xf30a;
const MAX_EXTENT_DEPTH = 5;

export function isExt4(src: ByteSource): boolean {
  if (src.size < 2048) return false;
  return src.read(1024 + 56, 2).readUInt16LE(0) === EXT4_MAGIC;
}

interface Inode {
  mode: number;
  size: number;
  flags: number;
  block: Buffer; // i_block, 60 bytes
  raw: Buffer;
}

export class Ext4 implements FileSystem {
  readonly kind = 'ext4' as const;
  readonly label: string;
  readonly blockSize: number;
  private readonly inodesPerGroup: number;
  private readonly inodeSize: number;
  private readonly groupCount: number;
  private readonly descSize: number;
  private readonly firstDataBlock: number;
  private readonly totalBlocks: number;
  private readonly incompat: number;
  private readonly inodeTables: number[] = [];

  constructor(private readonly src: ByteSource) {
    if (src.size < 2048) throw new MalformedInputError('ext4/too-small', 'image smaller than an ext4 superblock');
    const sb = src.read(1024, 1024);
    if (sb.readUInt16LE(56) !== EXT4_MAGIC) throw new MalformedInputError('ext4/bad-magic', 'no ext4 superblock');
    const logBlock = sb.readUInt32LE(24);
    if (logBlock > 6)
      throw new MalformedInputError('ext4/bad-superblock', `block size 2^${10 + logBlock} is not plausible`);
    this.blockSize = 1024 << logBlock;
    this.incompat = sb.readUInt32LE(96);
    this.totalBlocks = sb.readUInt32LE(4) + (this.incompat & INCOMPAT_64BIT ? sb.readUInt32LE(0x150) * 2 ** 32 : 0);
    const blocksPerGroup = sb.readUInt32LE(32);
    this.inodesPerGroup = sb.readUInt32LE(40);
    const inodesCount = sb.readUInt32LE(0);
    this.inodeSize = sb.readUInt32LE(76) === 0 ? 128 : sb.readUInt16LE(88);
    this.firstDataBlock = sb.readUInt32LE(20);
    this.descSize = this.incompat & INCOMPAT_64BIT ? Math.max(32, sb.readUInt16LE(254)) : 32;
    const name = sb.subarray(120, 136);
    this.label = name.subarray(0, name.indexOf(0) < 0 ? 16 : name.indexOf(0)).toString('utf8');
    if (
      blocksPerGroup === 0 ||
      this.inodesPerGroup === 0 ||
      this.inodeSize < 128 ||
      this.inodeSize > this.blockSize ||
      (this.inodeSize & (this.inodeSize - 1)) !== 0
    ) {
      throw new MalformedInputError('ext4/bad-superblock', 'superblock geometry is impossible');
    }
    this.groupCount = Math.ceil((this.totalBlocks - this.firstDataBlock) / blocksPerGroup);
    if (
      this.groupCount <= 0 ||
      this.groupCount > 1_048_576 ||
      Math.ceil(inodesCount / this.inodesPerGroup) > this.groupCount + 1
    ) {
      throw new MalformedInputError(
        'ext4/bad-superblock',
        `superblock claims ${this.groupCount} groups and ${inodesCount} inodes`,
      );
    }
    const gdtStart = (this.firstDataBlock + 1) * this.blockSize;
    const gdtBytes = this.groupCount * this.descSize;
    if (gdtStart + gdtBytes > src.size)
      throw new MalformedInputError('ext4/truncated', 'group descriptors lie past the end of the image');
    const gdt = src.read(gdtStart, gdtBytes);
    for (let g = 0; g < this.groupCount; g++) {
      const d = g * this.descSize;
      const lo = gdt.readUInt32LE(d + 8);
      const hi = this.descSize >= 64 ? gdt.readUInt32LE(d + 0x28) : 0;
      this.inodeTables.push(lo + hi * 2 ** 32);
    }
  }

  private readInode(ino: number): Inode {
    const group = Math.floor((ino - 1) / this.inodesPerGroup);
    if (ino < 1 || group >= this.groupCount)
      throw new MalformedInputError('ext4/bad-inode', `inode ${ino} is outside the file system`);
    const index = (ino - 1) % this.inodesPerGroup;
    const table = entryAt(this.inodeTables, group, 'ext4/bad-inode', 'block group');
    const at = table * this.blockSize + index * this.inodeSize;
    if (at + this.inodeSize > this.src.size)
      throw new MalformedInputError('ext4/bad-inode', `inode ${ino} lies past the end of the image`);
    const raw = this.src.read(at, this.inodeSize);
    const size = raw.readUInt32LE(4) + raw.readUInt32LE(0x6c) * 2 ** 32;
    return {
      mode: raw.readUInt16LE(0),
      size,
      flags: raw.readUInt32LE(0x20),
      block: raw.subarray(0x28, 0x28 + 60),
      raw,
    };
  }

  /** Physical runs [logicalBlock, physicalBlock, count] of an inode's data, in logical order. */
  private blockMap(inode: Inode, path: string): Array<[number, number, number]> {
    const runs: Array<[number, number, number]> = [];
    const maxBlocks = Math.ceil(inode.size / this.blockSize);
    if (inode.flags & EXTENTS_FL) this.extentRuns(inode.block, 0, runs, new Set(), path);
    else this.indirectRuns(inode.block, maxBlocks, runs);
    return runs.sort((a, b) => a[0] - b[0]);
  }

  private extentRuns(
    node: Buffer,
    depth: number,
    runs: Array<[number, number, number]>,
    seen: Set<number>,
    path: string,
  ): void {
    if (node.readUInt16LE(0) !== EXTENT_MAGIC)
      throw new MalformedInputError('ext4/bad-extent', `extent header of ${path} has a bad magic`);
    const entries = node.readUInt16LE(2);
    const treeDepth = node.readUInt16LE(6);
    if (depth > MAX_EXTENT_DEPTH || treeDepth > MAX_EXTENT_DEPTH)
      throw new MalformedInputError('ext4/extent-depth', `extent tree of ${path} is deeper than ${MAX_EXTENT_DEPTH}`);
    if (12 + entries * 12 > node.length)
      throw new MalformedInputError('ext4/bad-extent', `extent node of ${path} claims ${entries} entries`);
    for (let i = 0; i < entries; i++) {
      const e = 12 + i * 12;
      if (treeDepth === 0) {
        const logical = node.readUInt32LE(e);
        let len = node.readUInt16LE(e + 4);
        const uninit = len > 32768;
        if (uninit) len -= 32768;
        const phys = node.readUInt16LE(e + 6) * 2 ** 32 + node.readUInt32LE(e + 8);
        // Uninitialised extents read as zeros: leave them out of the map.
        if (!uninit) runs.push([logical, phys, len]);
      } else {
        const child = node.readUInt32LE(e + 4) + node.readUInt16LE(e + 8) * 2 ** 32;
        if (seen.has(child))
          throw new MalformedInputError('ext4/extent-cycle', `extent tree of ${path} points back to block ${child}`);
        seen.add(child);
        this.extentRuns(this.block(child), depth + 1, runs, seen, path);
      }
    }
  }

  private indirectRuns(iblock: Buffer, maxBlocks: number, runs: Array<[number, number, number]>): void {
    let logical = 0;
    const per = this.blockSize / 4;
    const push = (phys: number) => {
      if (phys !== 0) {
        const last = runs[runs.length - 1];
        if (last && last[0] + last[2] === logical && last[1] + last[2] === phys) last[2]++;
        else runs.push([logical, phys, 1]);
      }
      logical++;
    };
    const walkIndirect = (blk: number, level: number) => {
      if (logical >= maxBlocks) return;
      if (blk === 0) {
        logical += per ** (level + 1);
        return;
      }
      const b = this.block(blk);
      for (let i = 0; i < per && logical < maxBlocks; i++) {
        const p = b.readUInt32LE(i * 4);
        if (level === 0) push(p);
        else walkIndirect(p, level - 1);
      }
    };
    for (let i = 0; i < 12 && logical < maxBlocks; i++) push(iblock.readUInt32LE(i * 4));
    for (let level = 0; level < 3 && logical < maxBlocks; level++)
      walkIndirect(iblock.readUInt32LE((12 + level) * 4), level);
  }

  private block(n: number): Buffer {
    if (n >= this.totalBlocks || (n + 1) * this.blockSize > this.src.size)
      throw new MalformedInputError('ext4/bad-block', `block ${n} is outside the image`);
    return this.src.read(n * this.blockSize, this.blockSize);
  }

  private content(inode: Inode, path: string, maxBytes: number): Buffer {
    if (inode.size > maxBytes)
      throw new LimitExceededError(
        'limit/file-bytes',
        `${path} is ${inode.size} bytes, over the ${maxBytes}-byte limit`,
      );
    // A file cannot hold more bytes than the image: its size lies, and reading it would hand on zeros.
    if (inode.size > this.src.size)
      throw new MalformedInputError(
        'ext4/size-past-image',
        `${path} claims ${inode.size} bytes, more than the ${this.src.size}-byte image`,
      );
    if (inode.flags & INLINE_DATA_FL) return this.inlineData(inode, path);
    const out = Buffer.alloc(inode.size);
    for (const [logical, phys, count] of this.blockMap(inode, path)) {
      const start = logical * this.blockSize;
      if (start >= inode.size) continue;
      const bytes = Math.min(count * this.blockSize, inode.size - start);
      if (phys * this.blockSize + bytes > this.src.size || phys + count > this.totalBlocks)
        throw new MalformedInputError(
          'ext4/bad-block',
          `${path} points to blocks ${phys}..${phys + count} outside the image`,
        );
      this.src.read(phys * this.blockSize, bytes).copy(out, start);
    }
    return out;
  }

  /** Inline data: the first 60 bytes in i_block, the rest in the in-inode `system.data` attribute. */
  private inlineData(inode: Inode, path: string): Buffer {
    const head = inode.block.subarray(0, Math.min(60, inode.size));
    if (inode.size <= 60) return Buffer.from(head);
    const extra = this.inodeSize > 128 ? inode.raw.readUInt16LE(0x80) : 0;
    const base = 128 + extra;
    if (base + 4 > inode.raw.length || inode.raw.readUInt32LE(base) !== 0xea020000)
      throw new MalformedInputError('ext4/bad-inline', `${path} has inline data but no in-inode attributes`);
    let e = base + 4;
    while (e + 16 <= inode.raw.length && inode.raw.readUInt32LE(e) !== 0) {
      const nameLen = inode.raw.readUInt8(e);
      const index = inode.raw.readUInt8(e + 1);
      const valueOffs = inode.raw.readUInt16LE(e + 2);
      const valueSize = inode.raw.readUInt32LE(e + 8);
      const name = inode.raw.toString('latin1', e + 16, e + 16 + nameLen);
      if (index === 7 && name === 'data') {
        const v = base + 4 + valueOffs;
        if (v + valueSize > inode.raw.length)
          throw new MalformedInputError('ext4/bad-inline', `${path}'s inline attribute runs past the inode`);
        return Buffer.concat([head, inode.raw.subarray(v, v + valueSize)]).subarray(0, inode.size);
      }
      e += (16 + nameLen + 3) & ~3;
    }
    throw new MalformedInputError('ext4/bad-inline', `${path} is longer than its inline data`);
  }

  readFile(entry: FsEntry, maxBytes: number): Buffer {
    return this.content(this.readInode(entry.node), entry.path, maxBytes);
  }

  walk(visit: (entry: FsEntry) => void, problem: (p: FsProblem) => void, bounds?: WalkBounds): void {
    // A cut image still lists what its readable part holds, and says it is cut (as EROFS does).
    if (this.totalBlocks * this.blockSize > this.src.size) {
      problem({
        code: 'ext4/truncated',
        message:
          `superblock claims ${this.totalBlocks} blocks of ${this.blockSize} bytes, ` +
          `the image holds ${Math.floor(this.src.size / this.blockSize)}`,
        path: '/',
      });
    }
    walkTree<Inode>(
      {
        kind: 'ext4',
        root: 2,
        node: (ino) => this.readInode(ino),
        mode: (n) => n.mode,
        size: (n) => n.size,
        children: (dir, path) => this.dirEntries(dir, path).map((e) => ({ id: e.ino, name: e.name })),
        linkTarget: (n, path) => this.symlinkTarget(n, path),
      },
      visit,
      problem,
      bounds,
    );
  }

  private symlinkTarget(inode: Inode, path: string): string {
    // A fast symlink keeps its target in i_block when it has no data blocks.
    if (inode.size < 60 && !(inode.flags & (EXTENTS_FL | INLINE_DATA_FL)))
      return inode.block.toString('utf8', 0, inode.size);
    return this.content(inode, path, 4096).toString('utf8');
  }

  private dirEntries(dir: Inode, path: string): Array<{ ino: number; name: string }> {
    if (typeOfMode(dir.mode) !== 'dir')
      throw new MalformedInputError('ext4/not-a-directory', `${path} is not a directory`);
    if (dir.size > 256 * 1024 * 1024)
      throw new LimitExceededError('limit/directory-bytes', `directory ${path} claims ${dir.size} bytes`);
    const out: Array<{ ino: number; name: string }> = [];
    if (dir.flags & INLINE_DATA_FL) {
      // Inline directories start with the parent's inode number, then ordinary entries.
      const data = this.inlineData(dir, path);
      out.push({ ino: data.readUInt32LE(0), name: '..' });
      parseDirBlock(data.subarray(4), out);
      return out;
    }
    const data = this.content(dir, path, 256 * 1024 * 1024);
    for (let off = 0; off < data.length; off += this.blockSize)
      parseDirBlock(data.subarray(off, off + this.blockSize), out);
    return out;
  }
}

function parseDirBlock(b: Buffer, out: Array<{ ino: number; name: string }>): void {
  let p = 0;
  while (p + 8 <= b.length) {
    const ino = b.readUInt32LE(p);
    const recLen = b.readUInt16LE(p + 4);
    const nameLen = b.readUInt8(p + 6);
    if (recLen < 8 || p + recLen > b.length) break; // a corrupt entry ends this block, not the walk
    if (ino !== 0 && nameLen > 0 && 8 + nameLen <= recLen)
      out.push({ ino, name: b.toString('utf8', p + 8, p + 8 + nameLen) });
    p += recLen;
  }
}
