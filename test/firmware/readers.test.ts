import { mkdirSync, readFileSync, readdirSync, lstatSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BufferSource, FileSource } from '../../src/io/byte-source.js';
import { Ext4 } from '../../src/containers/fs/ext4.js';
import { Erofs } from '../../src/containers/fs/erofs.js';
import type { FileSystem } from '../../src/containers/fs/filesystem.js';
import { openSparse } from '../../src/containers/sparse.js';
import { openPayload } from '../../src/containers/payload.js';
import { blockOtaImage, parseTransferList } from '../../src/containers/block-ota.js';
import { openSuper } from '../../src/containers/super.js';
import { CORPUS, corpusFile, requireTool, run, tempDir } from '../helpers.js';
import {
  blockOta,
  img2simg,
  mkfsErofs,
  mkfsExt4,
  payloadBin,
  superImage,
  writeTree,
} from '../fixtures/firmware-builder.js';
import { defined, first } from '../defined.js';

/**
 * Every reader against the tool that made or reads the image: debugfs rdump for ext4, fsck.erofs
 * --extract for EROFS, simg2img for sparse images; payload.bin, block OTAs and super images (no Debian
 * tool writes them) against the partition images they were built from.
 */

/** A tree that exercises the file-system features: a big directory, deep nesting, symlinks, holes. */
function sampleTree(): string {
  const root = tempDir('candor-tree-');
  const names: Record<string, string | Buffer | { copy: string }> = {
    'system/app/Jamendo/Jamendo.apk': { copy: corpusFile('com.teleca.jamendo_35.apk') },
    'system/priv-app/WebView/WebView.apk': { copy: corpusFile('SystemWebView-repack.apk') },
    'system/build.prop': 'ro.product.system.brand=Candor\nro.build.type=user\n',
    'system/etc/seq.txt': Array.from({ length: 40000 }, (_, i) => `line ${i}`).join('\n'),
    'empty.bin': Buffer.alloc(0),
    'small.txt': 'x',
    'exact-block.bin': Buffer.alloc(4096, 7),
  };
  for (let i = 0; i < 400; i++) names[`many/entry-with-a-rather-long-name-${i}.txt`] = `file ${i}\n`;
  names['a/b/c/d/e/f/g/h/deep.txt'] = 'deep';
  writeTree(root, names);
  // Random bytes do not compress: EROFS stores them as plain clusters.
  writeFileSync(
    join(root, 'random.bin'),
    Buffer.from(Array.from({ length: 150_000 }, (_, i) => (i * 2654435761) >>> 24)),
  );
  symlinkSync('/system/build.prop', join(root, 'short-link'));
  symlinkSync('y'.repeat(120), join(root, 'long-link'));
  return root;
}

/** Everything a file system reader lists: path -> content (files) or "-> target" (links). */
function readAll(fs: FileSystem): Map<string, Buffer | string> {
  const out = new Map<string, Buffer | string>();
  const problems: string[] = [];
  fs.walk(
    (e) => {
      if (e.type === 'file') out.set(e.path, fs.readFile(e, 1 << 30));
      else if (e.type === 'symlink') out.set(e.path, `-> ${e.target}`);
    },
    (p) => problems.push(`${p.code} ${p.path}`),
  );
  expect(problems).toEqual([]);
  return out;
}

/** The same listing of a folder extracted by the reference tool. */
function readFolder(root: string, skip: RegExp = /^\/lost\+found$/): Map<string, Buffer | string> {
  const out = new Map<string, Buffer | string>();
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir)) {
      const p = `${rel}/${name}`;
      if (skip.test(p)) continue;
      const full = join(dir, name);
      const st = lstatSync(full);
      if (st.isSymbolicLink()) out.set(p, `-> ${readlinkSync(full)}`);
      else if (st.isDirectory()) walk(full, p);
      else out.set(p, readFileSync(full));
    }
  };
  walk(root, '');
  return out;
}

function expectSameFiles(ours: Map<string, Buffer | string>, reference: Map<string, Buffer | string>): void {
  expect([...ours.keys()].filter((k) => !k.startsWith('/lost+found')).sort()).toEqual([...reference.keys()].sort());
  for (const [k, v] of reference) {
    const mine = ours.get(k);
    if (typeof v === 'string') expect(mine, k).toBe(v);
    else expect(Buffer.compare(mine as Buffer, v), k).toBe(0);
  }
}

/** Opens an image with a reader and compares everything it lists with the reference listing. */
function expectImageMatches(
  img: string,
  open: (src: FileSource) => FileSystem,
  reference: Map<string, Buffer | string>,
): void {
  const src = new FileSource(img);
  try {
    expectSameFiles(readAll(open(src)), reference);
  } finally {
    src.close();
  }
}

describe('ext4 reader agrees with debugfs rdump', () => {
  const tree = sampleTree();
  const variants: Array<[string, string[], string, boolean?]> = [
    ['4 KiB blocks, extents', [], '64M'],
    ['1 KiB blocks (deeper extent trees)', ['-b', '1024'], '64M'],
    ['no extents: ext2/3 indirect blocks', ['-O', '^extent,^64bit,^flex_bg', '-b', '1024'], '64M'],
    ['64-bit group descriptors', ['-O', '64bit'], '64M'],
    ['hashed directories (e2fsck -D)', [], '64M', true],
  ];
  it('inline data (checked against the tree given to mkfs.ext4: debugfs 1.47 rdump pads inline files to 60 B)', () => {
    const dir = tempDir('candor-ext4-');
    const img = mkfsExt4(tree, join(dir, 'fs.img'), ['-O', 'inline_data'], '64M');
    expect(run('debugfs', ['-R', 'stat /small.txt', img])).toContain('Size of inline data');
    expectImageMatches(img, (src) => new Ext4(src), readFolder(tree));
  });
  for (const [name, args, size, index] of variants) {
    it(name, () => {
      requireTool('debugfs');
      const dir = tempDir('candor-ext4-');
      const img = mkfsExt4(tree, join(dir, 'fs.img'), args, size);
      if (index) {
        run('sh', ['-c', `e2fsck -fyD ${img} >/dev/null 2>&1; true`]);
        expect(run('debugfs', ['-R', 'htree /many', img])).toContain('Root node dump');
      }
      mkdirSync(join(dir, 'ref'));
      run('debugfs', ['-R', `rdump / ${join(dir, 'ref')}`, img]);
      expectImageMatches(img, (src) => new Ext4(src), readFolder(join(dir, 'ref')));
    });
  }
});

describe('EROFS reader agrees with fsck.erofs --extract', () => {
  const tree = sampleTree();
  const variants: Array<[string, string[]]> = [
    ['uncompressed, inline tails', []],
    ['LZ4HC, compacted indexes', ['-zlz4hc']],
    ['LZ4 with 16 KiB physical clusters (big pcluster)', ['-zlz4', '-C16384']],
    ['legacy (non-compacted) indexes', ['-zlz4hc', '-Elegacy-compress']],
    ['tail-packed clusters', ['-zlz4hc', '-Eztailpacking']],
    ['extended inodes', ['-zlz4hc', '-Eforce-inode-extended']],
    ['chunk-based files', ['--chunksize=8192']],
  ];
  for (const [name, args] of variants) {
    it(name, () => {
      requireTool('fsck.erofs');
      const dir = tempDir('candor-erofs-');
      const img = mkfsErofs(tree, join(dir, 'fs.img'), args);
      run('fsck.erofs', [`--extract=${join(dir, 'ref')}`, '--no-preserve', img]);
      expectImageMatches(img, (src) => new Erofs(src), readFolder(join(dir, 'ref')));
    });
  }
});

describe('EROFS LZMA clusters agree with fsck.erofs built with LZMA', () => {
  // Debian's erofs-utils cannot write LZMA; .ci/run builds Debian's own source with --enable-lzma.
  const tools = () => {
    const dir = process.env.CANDOR_EROFS_LZMA;
    if (!dir)
      throw new Error('CANDOR_EROFS_LZMA is not set: .ci/run builds mkfs.erofs and fsck.erofs with LZMA and sets it');
    return { mkfs: join(dir, 'mkfs.erofs'), fsck: join(dir, 'fsck.erofs') };
  };
  const tree = sampleTree();
  const variants: Array<[string, string[]]> = [
    ['MicroLZMA clusters', ['-zlzma']],
    ['MicroLZMA with 32 KiB physical clusters', ['-zlzma', '-C32768']],
    ['MicroLZMA, tail-packed', ['-zlzma', '-Eztailpacking']],
  ];
  for (const [name, args] of variants) {
    it(name, () => {
      const { mkfs, fsck } = tools();
      const dir = tempDir('candor-erofs-lzma-');
      const img = join(dir, 'fs.img');
      run(mkfs, ['--quiet', '-T0', ...args, img, tree]);
      run(fsck, [`--extract=${join(dir, 'ref')}`, '--no-preserve', img]);
      expectImageMatches(img, (src) => new Erofs(src), readFolder(join(dir, 'ref')));
    });
  }
});

describe('sparse images agree with simg2img', () => {
  it("expands an img2simg image of an ext4 file system (raw, fill and don't-care chunks)", () => {
    const dir = tempDir('candor-sparse-');
    const raw = mkfsExt4(sampleTree(), join(dir, 'raw.img'), [], '32M');
    const sparse = img2simg(raw, join(dir, 'sparse.img'));
    run('simg2img', [sparse, join(dir, 'back.img')]);
    const src = new FileSource(sparse);
    const { image, info } = openSparse(src);
    const ref = readFileSync(join(dir, 'back.img'));
    expect(info.size).toBe(ref.length);
    expect(Buffer.compare(image.read(0, image.size), ref)).toBe(0);
    expect(image.pieceCount).toBeGreaterThan(1);
    src.close();
  });

  for (const name of ['fill-4k-zeros.img', 'extended-headers.img']) {
    it(`expands the corpus sample ${name} as simg2img does`, () => {
      const dir = tempDir('candor-sparse-');
      const file = join(CORPUS, 'firmware', 'sparse', name);
      run('simg2img', [file, join(dir, 'out.raw')]);
      const { image } = openSparse(new BufferSource(readFileSync(file)));
      expect(Buffer.compare(image.read(0, image.size), readFileSync(join(dir, 'out.raw')))).toBe(0);
    });
  }
});

describe('payload.bin (A/B OTA)', () => {
  it('rebuilds every partition byte for byte from REPLACE, REPLACE_BZ/_XZ/_ZSTD and ZERO operations', () => {
    const dir = tempDir('candor-payload-');
    const tree = sampleTree();
    const system = readFileSync(mkfsErofs(tree, join(dir, 'system.img'), ['-zlz4hc']));
    const vendor = readFileSync(mkfsExt4(tree, join(dir, 'vendor.img'), [], '16M'));
    const payload = payloadBin([
      { name: 'system', image: system, encodings: ['replace', 'bz', 'xz', 'zstd'] },
      { name: 'vendor', image: vendor, encodings: ['zstd', 'xz'] },
      { name: 'boot', image: Buffer.alloc(8192, 1), incremental: true },
    ]);
    const p = openPayload(new BufferSource(payload));
    expect(p.partitions.map((x) => x.name)).toEqual(['system', 'vendor', 'boot']);
    const sys = first(p.partitions).image;
    const ven = defined(p.partitions[1], 'vendor').image;
    expect(Buffer.compare(sys!.read(0, sys!.size).subarray(0, system.length), system)).toBe(0);
    expect(Buffer.compare(ven!.read(0, ven!.size), vendor)).toBe(0);
    const third = defined(p.partitions[2], 'a third partition');
    expect(third.image).toBeNull();
    expect(third.unsupported).toEqual(['SOURCE_COPY']);
    expect(p.full).toBe(false);
  });
});

describe('block-based OTA (transfer list + new.dat)', () => {
  for (const version of [1, 2, 3, 4]) {
    it(`transfer list version ${version} rebuilds the image`, () => {
      const dir = tempDir('candor-bota-');
      const image = readFileSync(mkfsExt4(sampleTree(), join(dir, 'system.img'), [], '16M'));
      const { list, newDat } = blockOta(image, version);
      const parsed = parseTransferList(list);
      expect(parsed.version).toBe(version);
      const { image: rebuilt, warnings } = blockOtaImage(parsed, new BufferSource(newDat));
      expect(warnings).toEqual([]);
      expect(Buffer.compare(rebuilt.read(0, image.length), image)).toBe(0);
    });
  }
});

describe('super.img (dynamic partitions)', () => {
  it('exposes each logical partition, with A/B slots, as the image written into it', () => {
    const dir = tempDir('candor-super-');
    const tree = sampleTree();
    const system = readFileSync(mkfsErofs(tree, join(dir, 'system.img'), ['-zlz4hc']));
    const vendor = readFileSync(mkfsExt4(tree, join(dir, 'vendor.img'), [], '16M'));
    const sup = superImage([
      { name: 'system_a', image: system },
      { name: 'vendor_a', image: vendor },
      { name: 'system_b', image: null },
    ]);
    const s = openSuper(new BufferSource(sup));
    expect(s.metadataVersion).toBe('10.0');
    expect(s.blockDevices).toEqual(['super']);
    expect(s.partitions.map((p) => `${p.name}${p.slot}`)).toEqual(['system_a', 'vendor_a', 'system_b']);
    const sa = defined(s.partitions[0], 'system_a');
    const va = defined(s.partitions[1], 'vendor_a');
    const sb = defined(s.partitions[2], 'system_b');
    expect(Buffer.compare(sa.image!.read(0, system.length), system)).toBe(0);
    expect(Buffer.compare(va.image!.read(0, vendor.length), vendor)).toBe(0);
    expect(sb.size).toBe(0);
    // The file systems inside read as their own tools wrote them.
    expect(readAll(new Erofs(sa.image!)).get('/system/build.prop')?.toString()).toContain(
      'ro.product.system.brand=Candor',
    );
  });

  it('falls back to the backup geometry when the primary one is corrupt', () => {
    const sup = superImage([{ name: 'system', image: Buffer.alloc(4096, 3) }], { corruptPrimaryGeometry: true });
    const s = openSuper(new BufferSource(sup));
    expect(s.warnings.join()).toContain('backup');
    expect(first(s.partitions).image!.read(0, 4)).toEqual(Buffer.alloc(4, 3));
  });
});
