import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BufferSource, FileSource } from '../../src/io/byte-source.js';
import { Erofs } from '../../src/containers/fs/erofs.js';
import { Ext4 } from '../../src/containers/fs/ext4.js';
import type { FsEntry, FsProblem } from '../../src/containers/fs/filesystem.js';
import { MalformedInputError } from '../../src/io/errors.js';
import { openSparse } from '../../src/containers/sparse.js';
import { parseTransferList } from '../../src/containers/block-ota.js';
import { scan } from '../../src/scan/scan.js';
import type { Report } from '../../src/model.js';
import { corpusFile, pythonZip, run, tempDir } from '../helpers.js';
import { blockOta, mkfsErofs, mkfsExt4, payloadBin, superImage, writeTree } from '../fixtures/firmware-builder.js';
import { first } from '../defined.js';

/**
 * Hostile and broken firmware: each problem ends as a diagnostic, bounded in memory and time, and the
 * rest of the firmware is still audited.
 */

function tree(): string {
  return writeTree(tempDir('candor-bad-tree-'), {
    'app/Jamendo/Jamendo.apk': { copy: corpusFile('com.teleca.jamendo_35.apk') },
    'etc/words.txt': 'hello\nworld\n',
    'deep/a/b/file.txt': 'x',
  });
}

const codes = (r: Report) => r.diagnostics.map((d) => d.code);
const packages = (r: Report) => r.apps.map((a) => a.package).sort();

async function scanOne(file: string): Promise<Report> {
  return scan({ inputs: [file], cwd: '/', jobs: 1 });
}

describe('firmware bad input', () => {
  it('a corrupt ext4 superblock in one partition leaves the other partitions audited', async () => {
    const dir = tempDir('candor-bad-');
    const good = readFileSync(mkfsErofs(tree(), join(dir, 'system.img')));
    const bad = readFileSync(mkfsExt4(tree(), join(dir, 'vendor.img'), [], '8M'));
    bad.writeUInt32LE(40, 1024 + 24); // s_log_block_size: 2^50-byte blocks
    writeFileSync(
      join(dir, 'payload.bin'),
      payloadBin([
        { name: 'system', image: good },
        { name: 'vendor', image: bad },
      ]),
    );
    const r = await scanOne(join(dir, 'payload.bin'));
    expect(codes(r)).toContain('ext4/bad-superblock');
    expect(packages(r)).toEqual(['com.teleca.jamendo']);
  });

  it('a directory linked into its own subtree is a cycle, reported once; every file is still listed', () => {
    const dir = tempDir('candor-bad-');
    const img = mkfsExt4(tree(), join(dir, 'fs.img'), [], '8M');
    run('debugfs', ['-w', '-R', 'ln /deep /deep/a/b/loop', img]);
    const fs = new Ext4(new FileSource(img));
    const paths: string[] = [];
    const problems: string[] = [];
    fs.walk(
      (e) => paths.push(e.path),
      (p) => problems.push(p.code),
    );
    expect(problems).toEqual(['fs/directory-cycle']);
    expect(paths).toEqual(
      expect.arrayContaining(['/app/Jamendo/Jamendo.apk', '/etc/words.txt', '/deep/a/b/file.txt', '/deep/a/b/loop']),
    );
  });

  it('an extent tree that points back at itself is refused, not followed forever', () => {
    const dir = tempDir('candor-bad-');
    const img = mkfsExt4(tree(), join(dir, 'fs.img'), [], '8M');
    const ino = Number(/Inode: (\d+)/.exec(run('debugfs', ['-R', 'stat /etc/words.txt', img]))?.[1]);
    const blockSize = new Ext4(new FileSource(img)).blockSize;
    const self = 2000; // a free block: an index node whose only child is itself
    const node = Buffer.alloc(blockSize);
    node.writeUInt16LE(0xf30a, 0);
    node.writeUInt16LE(1, 2);
    node.writeUInt16LE((blockSize - 12) / 12, 4);
    node.writeUInt16LE(1, 6);
    node.writeUInt32LE(self, 16);
    const bytes = readFileSync(img);
    node.copy(bytes, self * blockSize);
    writeFileSync(img, bytes);
    // i_block becomes a depth-1 root pointing at that node.
    const words = [0x0001f30a, 0x00010004, 0, 0, self, 0];
    for (const [i, w] of words.entries())
      run('debugfs', ['-w', '-R', `sif <${ino}> block[${i}] 0x${w.toString(16)}`, img]);
    const fs = new Ext4(new FileSource(img));
    let err: unknown = null;
    fs.walk(
      (e) => {
        if (e.path === '/etc/words.txt') {
          try {
            fs.readFile(e, 1 << 20);
          } catch (x) {
            err = x;
          }
        }
      },
      () => {},
    );
    expect((err as { code?: string })?.code).toBe('ext4/extent-cycle');
  });

  it('an inode claiming 32 GB is a limit diagnostic; the other apps are audited', async () => {
    const dir = tempDir('candor-bad-');
    const t = tree();
    writeTree(t, { 'app/Second/Second.apk': { copy: corpusFile('org.dyndns.fules.ck_20.apk') } });
    const img = mkfsExt4(t, join(dir, 'system.img'), [], '16M');
    run('debugfs', ['-w', '-R', 'sif /app/Second/Second.apk size 0x800000000', img]);
    const r = await scanOne(img);
    expect(r.diagnostics.find((d) => d.code === 'limit/file-bytes')?.path).toContain('Second.apk');
    expect(packages(r)).toEqual(['com.teleca.jamendo']);
  });

  it('sparse chunks that overrun the image, and a cut-off sparse file', () => {
    const h = Buffer.alloc(28 + 12 + 4096);
    h.writeUInt32LE(0xed26ff3a, 0);
    h.writeUInt16LE(1, 4);
    h.writeUInt16LE(28, 8);
    h.writeUInt16LE(12, 10);
    h.writeUInt32LE(4096, 12);
    h.writeUInt32LE(2, 16); // 2 blocks in the image
    h.writeUInt32LE(1, 20);
    h.writeUInt16LE(0xcac1, 28);
    h.writeUInt32LE(5, 32); // but the chunk covers 5
    h.writeUInt32LE(12 + 5 * 4096, 36);
    expect(() => openSparse(new BufferSource(h))).toThrow(/past the image/);
    const dir = tempDir('candor-bad-');
    const raw = mkfsExt4(tree(), join(dir, 'raw.img'), [], '8M');
    run('img2simg', [raw, join(dir, 'sparse.img')]);
    const full = readFileSync(join(dir, 'sparse.img'));
    const { warnings } = openSparse(new BufferSource(full.subarray(0, Math.floor(full.length / 2))));
    expect(warnings.join()).toMatch(/cut short|ends after/);
  });

  it('a payload operation that points outside the payload spoils only its partition', async () => {
    const dir = tempDir('candor-bad-');
    const system = readFileSync(mkfsErofs(tree(), join(dir, 'system.img')));
    // The vendor partition's second operation reads 1 TiB into the payload.
    writeFileSync(
      join(dir, 'payload.bin'),
      payloadBin(
        [
          { name: 'system', image: system },
          { name: 'vendor', image: system },
        ],
        { corruptOffset: 'vendor', chunkBlocks: 8 },
      ),
    );
    const r = await scanOne(join(dir, 'payload.bin'));
    expect(r.diagnostics.find((d) => d.code === 'payload/bad-partition')?.message).toMatch(
      /vendor operation 1 reads data past the end/,
    );
    expect(packages(r)).toEqual(['com.teleca.jamendo']);
  });

  it('a transfer list that writes past new.dat, or holds a malformed range, is reported', async () => {
    const dir = tempDir('candor-bad-');
    const image = readFileSync(mkfsExt4(tree(), join(dir, 'system.img'), [], '8M'));
    const { list, newDat } = blockOta(image, 4);
    const longer = list.replace(/^new (\d+),(\d+),(\d+)/m, (_m, n, a, b) => `new ${n},${a},${Number(b) + 5000}`);
    writeFileSync(join(dir, 'system.transfer.list'), longer);
    writeFileSync(join(dir, 'system.new.dat'), newDat);
    pythonZip(join(dir, 'ota.zip'), [
      { name: 'system.transfer.list', file: join(dir, 'system.transfer.list') },
      { name: 'system.new.dat', file: join(dir, 'system.new.dat') },
      { name: 'system.patch.dat', data: '' },
    ]);
    const r = await scanOne(join(dir, 'ota.zip'));
    expect(codes(r)).toEqual(expect.arrayContaining(['block-ota/incomplete', 'block-ota/patch-unsupported']));
    expect(() => parseTransferList('4\n10\n0\n0\nnew 3,0,5\n')).toThrow(/malformed range/);
    expect(() => parseTransferList('4\n10\n0\n0\nnew 2,9,3\n')).toThrow(/empty or too large/);
    expect(() => parseTransferList('9\n')).toThrow(/not 1 to 4/);
  });

  it('a 100 GB claimed partition costs nothing until read, and ends as a diagnostic', async () => {
    const dir = tempDir('candor-bad-');
    const system = readFileSync(mkfsErofs(tree(), join(dir, 'system.img')));
    const noise = Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 2654435761) >>> 24));
    writeFileSync(
      join(dir, 'payload.bin'),
      payloadBin([
        { name: 'system', image: system },
        { name: 'oem', image: noise, claimSize: 100 * 2 ** 30 },
      ]),
    );
    const before = process.memoryUsage().rss;
    const r = await scanOne(join(dir, 'payload.bin'));
    expect(process.memoryUsage().rss - before).toBeLessThan(512 * 2 ** 20);
    expect(r.diagnostics.find((d) => d.code === 'firmware/unknown-image')?.path).toContain('oem');
    expect(packages(r)).toEqual(['com.teleca.jamendo']);
    // A super partition whose (checksummed, valid-looking) extent claims 100 GB past the file.
    const sup = superImage([
      { name: 'system', image: system },
      { name: 'vendor', image: system },
    ]);
    for (let copy = 0; copy < 4; copy++) {
      const at = 12288 + copy * 65536;
      sup.writeBigUInt64LE(BigInt((100 * 2 ** 30) / 512), at + 128 + 2 * 52 + 24); // vendor's extent: num_sectors
      const tablesSize = sup.readUInt32LE(at + 44);
      createHash('sha256')
        .update(sup.subarray(at + 128, at + 128 + tablesSize))
        .digest()
        .copy(sup, at + 48);
      sup.fill(0, at + 12, at + 44);
      createHash('sha256')
        .update(sup.subarray(at, at + 128))
        .digest()
        .copy(sup, at + 12);
    }
    writeFileSync(join(dir, 'super.img'), sup);
    const r2 = await scanOne(join(dir, 'super.img'));
    expect(r2.diagnostics.find((d) => d.code === 'super/partition')?.message).toMatch(/runs past/);
    expect(packages(r2)).toEqual(['com.teleca.jamendo']);
  });

  it('corrupt primary LP metadata falls back to the backup copy', async () => {
    const dir = tempDir('candor-bad-');
    const system = readFileSync(mkfsErofs(tree(), join(dir, 'system.img')));
    const sup = superImage([{ name: 'system', image: system }]);
    sup.writeUInt8(sup.readUInt8(12288 + 128 + 3) ^ 0xff, 12288 + 128 + 3); // tables no longer match their checksum
    writeFileSync(join(dir, 'super.img'), sup);
    const r = await scanOne(join(dir, 'super.img'));
    expect(r.diagnostics.find((d) => d.code === 'super/metadata')?.message).toMatch(/checksum/);
    expect(packages(r)).toEqual(['com.teleca.jamendo']);
  });

  it('bootloader, radio and device-tree images are listed quietly; an unknown image is a warning', async () => {
    const dir = tempDir('candor-bad-');
    const noise = Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 2654435761) >>> 24));
    writeFileSync(join(dir, 'noise.bin'), noise);
    pythonZip(join(dir, 'factory.zip'), [
      { name: 'bootloader-apollo-1.0.img', file: join(dir, 'noise.bin') },
      { name: 'radio-apollo-2.0.img', file: join(dir, 'noise.bin') },
      { name: 'dtbo.img', file: join(dir, 'noise.bin') },
      { name: 'mystery.img', file: join(dir, 'noise.bin') },
    ]);
    const r = await scanOne(join(dir, 'factory.zip'));
    expect(r.diagnostics.map((d) => `${d.code} ${d.path.split('!/').pop()}`)).toEqual([
      'firmware/unknown-image mystery.img',
    ]);
    expect(
      first(r.firmware ?? [])
        .partitions.map((p) => p.name)
        .sort(),
    ).toEqual(['bootloader-apollo-1.0', 'dtbo', 'radio-apollo-2.0']);
  });

  it('a truncated EROFS image reports the files it cannot read and audits the rest', async () => {
    const dir = tempDir('candor-bad-');
    const img = readFileSync(mkfsErofs(tree(), join(dir, 'system.img'), ['-zlz4hc']));
    writeFileSync(join(dir, 'cut.img'), img.subarray(0, img.length - 8192));
    const r = await scanOne(join(dir, 'cut.img'));
    expect(codes(r)).toContain('erofs/truncated');
    expect(r.diagnostics.every((d) => /^(erofs|io|firmware|limit)\//.test(d.code))).toBe(true);
  });

  it('an EROFS image cut in the middle of a file lists everything before the cut and says it is cut', () => {
    const dir = tempDir('candor-bad-');
    const img = mkfsErofs(tree(), join(dir, 'system.img'));
    // dump.erofs (erofs-utils) says how many blocks the image has; keep the first half.
    const blocks = Number(/Filesystem blocks:\s+(\d+)/.exec(run('dump.erofs', ['-s', img]))?.[1]);
    const full = readFileSync(img);
    expect(blocks * 4096).toBe(full.length);
    const cut = full.subarray(0, Math.floor(blocks / 2) * 4096);
    const fs = new Erofs(new BufferSource(cut));
    const entries: FsEntry[] = [];
    const problems: FsProblem[] = [];
    fs.walk(
      (e) => entries.push(e),
      (p) => problems.push(p),
    );
    expect(problems.find((p) => p.code === 'erofs/truncated')?.message).toBe(
      `superblock claims ${blocks} blocks, the image holds ${Math.floor(blocks / 2)}`,
    );
    // Inodes, directories and small inline files sit in the first blocks: all of the tree is listed.
    const paths = entries.map((e) => e.path);
    for (const p of ['/app/Jamendo/Jamendo.apk', '/etc/words.txt', '/deep/a/b/file.txt']) expect(paths).toContain(p);
    const words = entries.find((e) => e.path === '/etc/words.txt') as FsEntry;
    expect(fs.readFile(words, 1 << 20).toString()).toBe('hello\nworld\n');
    // The 426 KB APK fills most of the image: its data runs past the cut, a typed error for that file only.
    const apk = entries.find((e) => e.path === '/app/Jamendo/Jamendo.apk') as FsEntry;
    expect(() => fs.readFile(apk, 1 << 24)).toThrow(MalformedInputError);
  });
});
