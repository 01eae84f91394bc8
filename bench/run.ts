/**
 * Side-by-side benchmark: Candor against the tools a user would otherwise pick, on the same inputs, in
 * one run. Prints a table and the ratios. Needs Debian's androguard, dexdump, aapt, tshark and GNU time
 * (`apt-get install androguard dexdump aapt tshark time`) and a built Candor (`npm run build`).
 *
 *   npm run bench                      all inputs
 *   npm run bench -- --quick           the five largest APKs only
 *   npm run bench -- --only=firmware   one section: apps, code, captures or firmware
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InflateBudget, readEntry, readZipDirectory } from '../src/containers/zip.js';
import { BufferSource, FileSource } from '../src/io/byte-source.js';
import { analyzeCapture } from '../src/capture/analyze-capture.js';
import { DEFAULT_LIMITS } from '../src/io/limits.js';
import { analyzeFile } from '../src/scan/analyze.js';
import { buildContext } from '../src/scan/context.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const CORPUS = join(ROOT, '..', 'shared', 'corpus', 'apk');
const ANDROGUARD = '/usr/share/doc/androguard/examples';
const WORK = join(ROOT, 'bench', '.work');
const quick = process.argv.includes('--quick');

interface Timed {
  seconds: number;
  maxRssMb: number;
  ok: boolean;
}

/** Runs a command under GNU time; returns wall seconds and peak resident memory. */
function timed(cmd: string, args: string[]): Timed {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const [secs = NaN, kb = NaN] = last.split(' ').map(Number);
  return { seconds: secs, maxRssMb: kb / 1024, ok: r.status === 0 };
}

function best(n: number, f: () => Timed): Timed {
  let b: Timed | null = null;
  for (let i = 0; i < n; i++) {
    const t = f();
    if (!b || t.seconds < b.seconds) b = t;
  }
  return b as Timed;
}

function requireTools(): void {
  const missing = ['/usr/bin/time', '/usr/bin/dexdump', '/usr/bin/aapt'].filter((p) => !existsSync(p));
  if (spawnSync('/usr/bin/python3', ['-c', 'import androguard']).status !== 0) missing.push('androguard (python3)');
  if (!existsSync(join(ROOT, 'dist', 'cli', 'run.js'))) missing.push('dist/ (run npm run build)');
  if (missing.length) {
    process.stderr.write(`bench: missing ${missing.join(', ')}\n`);
    process.exit(2);
  }
}

function inputs(): string[] {
  const apks = readdirSync(CORPUS)
    .filter((f) => f.endsWith('.apk'))
    .map((f) => join(CORPUS, f));
  for (const extra of [
    'tests/com.example.android.tvleanback.apk',
    'android/abcore/app-prod-debug.apk',
    'tests/a2dp.Vol_137.apk',
  ]) {
    const p = join(ANDROGUARD, extra);
    if (existsSync(p)) apks.push(p);
  }
  const sorted = [...new Set(apks)].sort((a, b) => statSync(b).size - statSync(a).size);
  return quick ? sorted.slice(0, 5) : sorted;
}

function extractDexes(apk: string): { files: string[]; bytes: number } {
  const src = new BufferSource(readFileSync(apk));
  const dir = readZipDirectory(src, DEFAULT_LIMITS);
  const out: string[] = [];
  let bytes = 0;
  for (const e of dir.byName.values()) {
    if (!/^classes\d*\.dex$/.test(e.name)) continue;
    const data = readEntry(src, e, new InflateBudget(DEFAULT_LIMITS));
    const p = join(WORK, `${basename(apk)}.${e.name}`);
    writeFileSync(p, data);
    out.push(p);
    bytes += data.length;
  }
  return { files: out, bytes };
}

const ANDROGUARD_SCRIPT = `
import sys
from androguard.core.bytecodes.apk import APK
from androguard.core.bytecodes.dvm import DalvikVMFormat
a = APK(sys.argv[1])
n = 0
for raw in a.get_all_dex():
    d = DalvikVMFormat(raw)
    n += len(list(d.get_strings())) + len(list(d.get_classes()))
print(a.get_package(), n)
`;

function main(): void {
  requireTools();
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const cli = join(ROOT, 'dist', 'cli', 'run.js');
  const ctx = buildContext({ limits: DEFAULT_LIMITS, trackersPath: null });
  const ctxNoHidden = buildContext({ limits: DEFAULT_LIMITS, trackersPath: null, hiddenLists: false });
  let warmNoHidden = 0;
  const rows: string[][] = [];
  const totals = { candor: 0, candorWarm: 0, androguard: 0, dexdump: 0, aapt: 0 };
  let worstMemoryRatio = 0;
  for (const apk of inputs()) {
    const { files, bytes } = extractDexes(apk);
    const candor = best(3, () =>
      timed(process.execPath, [
        cli,
        'scan',
        apk,
        '--no-db',
        '--format',
        'json',
        '--out',
        join(WORK, 'r.json'),
        '-q',
        '--jobs',
        '1',
      ]),
    );
    const t0 = performance.now();
    analyzeFile(apk, basename(apk), ctx);
    const warm = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    analyzeFile(apk, basename(apk), ctxNoHidden);
    warmNoHidden += (performance.now() - t1) / 1000;
    const androguard = best(1, () => timed('/usr/bin/python3', ['-c', ANDROGUARD_SCRIPT, apk]));
    const dexdump = files.length
      ? best(3, () => timed('sh', ['-c', `for f in "$@"; do dexdump -d "$f" > /dev/null; done`, 'sh', ...files]))
      : null;
    const aapt = best(3, () => timed('aapt', ['dump', 'badging', apk]));
    totals.candor += candor.seconds;
    totals.candorWarm += warm;
    totals.androguard += androguard.seconds;
    totals.dexdump += dexdump?.seconds ?? 0;
    totals.aapt += aapt.seconds;
    const memRatio = bytes > 0 ? candor.maxRssMb / (bytes / 1048576) : 0;
    if (bytes > 1 << 20) worstMemoryRatio = Math.max(worstMemoryRatio, memRatio);
    rows.push([
      basename(apk).slice(0, 42),
      (statSync(apk).size / 1048576).toFixed(1),
      (bytes / 1048576).toFixed(1),
      candor.seconds.toFixed(2),
      warm.toFixed(3),
      candor.maxRssMb.toFixed(0),
      androguard.ok ? androguard.seconds.toFixed(2) : 'fail',
      androguard.maxRssMb.toFixed(0),
      dexdump ? dexdump.seconds.toFixed(2) : '-',
      aapt.seconds.toFixed(2),
    ]);
  }
  // A phone's worth of apps is scanned in one process: the start-up cost is paid once, both cores work.
  const all = inputs();
  const batch = best(2, () =>
    timed(process.execPath, [
      cli,
      'scan',
      ...all,
      '--no-db',
      '--format',
      'json',
      '--out',
      join(WORK, 'batch.json'),
      '-q',
      '--jobs',
      '2',
    ]),
  );
  const header = [
    'input',
    'APK MB',
    'DEX MB',
    'candor s',
    'warm s',
    'candor MB',
    'androguard s',
    'androguard MB',
    'dexdump -d s',
    'aapt s',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  process.stdout.write(`${line(header)}\n${rows.map(line).join('\n')}\n\n`);
  process.stdout.write(
    `Candor full scan (CLI process, cold) vs androguard load+list: ` +
      `${(totals.androguard / totals.candor).toFixed(1)}x faster\n`,
  );
  process.stdout.write(
    `Candor full scan (in-process, warm) vs androguard load+list: ` +
      `${(totals.androguard / totals.candorWarm).toFixed(1)}x faster\n`,
  );
  process.stdout.write(
    `Candor batch scan of all ${all.length} inputs in one process (2 workers): ` +
      `${batch.seconds.toFixed(2)} s, ${batch.maxRssMb.toFixed(0)} MB peak, ` +
      `vs androguard ${(totals.androguard / batch.seconds).toFixed(1)}x faster, ` +
      `vs dexdump -d ${(totals.dexdump / batch.seconds).toFixed(2)}x\n`,
  );
  process.stdout.write(
    `Candor full scan (CLI process, cold) vs dexdump -d: ` +
      `${(totals.dexdump / totals.candor).toFixed(2)}x (above 1 = Candor faster)\n`,
  );
  process.stdout.write(
    `Candor full scan (in-process, warm) vs dexdump -d: ${(totals.dexdump / totals.candorWarm).toFixed(2)}x\n`,
  );
  process.stdout.write(
    `aapt dump badging (manifest only) total ${totals.aapt.toFixed(2)} s vs ` +
      `Candor full scan ${totals.candor.toFixed(2)} s cold, ${totals.candorWarm.toFixed(2)} s warm\n`,
  );
  process.stdout.write(
    `Hidden-list search cost (warm, all inputs): ${totals.candorWarm.toFixed(2)} s with it, ` +
      `${warmNoHidden.toFixed(2)} s without: ${(totals.candorWarm / warmNoHidden).toFixed(2)}x\n`,
  );
  // Known-malware matching overhead: the corpus YARA rule sets and a 10,000-indicator STIX bundle.
  const stixFile = join(WORK, 'indicators.json');
  writeFileSync(
    stixFile,
    JSON.stringify({
      type: 'bundle',
      id: 'bundle--bench',
      objects: Array.from({ length: 10_000 }, (_, i) => ({
        type: 'indicator',
        spec_version: '2.1',
        id: `indicator--${i}`,
        pattern:
          i % 2
            ? `[domain-name:value = 'c2-${i}.example.net']`
            : `[file:hashes.'SHA-256' = '${i.toString(16).padStart(64, '0')}']`,
        pattern_type: 'stix',
        valid_from: '2024-01-01T00:00:00Z',
      })),
    }),
  );
  const plain = best(2, () =>
    timed(process.execPath, [
      cli,
      'scan',
      ...all,
      '--no-db',
      '--format',
      'json',
      '--out',
      join(WORK, 'p.json'),
      '-q',
      '--jobs',
      '2',
    ]),
  );
  const withMalware = best(2, () =>
    timed(process.execPath, [
      cli,
      'scan',
      ...all,
      '--no-db',
      '--format',
      'json',
      '--out',
      join(WORK, 'm.json'),
      '-q',
      '--jobs',
      '2',
      '--yara',
      join(ROOT, '..', 'shared', 'corpus', 'yara-rules'),
      '--iocs',
      stixFile,
    ]),
  );
  process.stdout.write(
    `Known-malware matching cost (corpus YARA rules + 10,000 STIX indicators): ` +
      `${withMalware.seconds.toFixed(2)} s vs ${plain.seconds.toFixed(2)} s: ` +
      `${(withMalware.seconds / plain.seconds).toFixed(2)}x\n`,
  );
  process.stdout.write(
    `Worst peak memory / uncompressed DEX size (APKs with >1 MB of DEX): ${worstMemoryRatio.toFixed(1)}x\n`,
  );
}

/** Captures: Candor's full analysis against tshark's field extraction, and throughput on a large capture. */
function benchCaptures(cli: string): void {
  const dir = join(ROOT, '..', 'shared', 'corpus', 'network-captures', 'ndpi');
  const files = readdirSync(dir)
    .filter((f) => /\.(pcap|pcapng)$/.test(f))
    .map((f) => join(dir, f));
  const tshark = (f: string) =>
    timed('tshark', [
      '-r',
      f,
      '-T',
      'fields',
      '-e',
      'ip.dst',
      '-e',
      'tls.handshake.extensions_server_name',
      '-e',
      'dns.qry.name',
    ]);
  // Debian's pathspider ships a real 62,781-packet capture: the second reference input.
  const real = '/usr/lib/python3/dist-packages/pathspider/tests/data/real.pcap';
  if (existsSync(real)) {
    const t = performance.now();
    analyzeCapture(new FileSource(real));
    const ours = (performance.now() - t) / 1000;
    const cold = timed(process.execPath, [
      cli,
      'scan',
      real,
      '--no-db',
      '--format',
      'json',
      '--out',
      join(WORK, 'real.json'),
      '-q',
      '--jobs',
      '1',
    ]);
    const theirs = tshark(real);
    process.stdout.write(
      `\npathspider real.pcap (62,781 packets): Candor ${ours.toFixed(2)} s warm, ` +
        `${cold.seconds.toFixed(2)} s as a CLI scan, ` +
        `vs tshark field extraction ${theirs.seconds.toFixed(2)} s: ` +
        `${(theirs.seconds / ours).toFixed(1)}x warm, ${(theirs.seconds / cold.seconds).toFixed(1)}x cold\n`,
    );
  } else process.stdout.write('\npathspider real.pcap: skipped (apt-get install pathspider)\n');
  let tsharkTotal = 0;
  const t0 = performance.now();
  for (const f of files) analyzeCapture(new FileSource(f));
  const candorTotal = (performance.now() - t0) / 1000;
  for (const f of files) tsharkTotal += tshark(f).seconds;
  process.stdout.write(
    `\nCaptures: ${files.length} nDPI captures, ` +
      `Candor full analysis (warm) ${candorTotal.toFixed(2)} s vs tshark field extraction ` +
      `${tsharkTotal.toFixed(2)} s: ${(tsharkTotal / candorTotal).toFixed(1)}x faster\n`,
  );
  // A large capture: the records of real captures repeated to about 150 MB.
  const big = join(WORK, 'big.pcap');
  const src = readFileSync(join(dir, 'android.pcap'));
  const body = src.subarray(24);
  const copies = Math.ceil((150 * 1024 * 1024) / body.length);
  const fd = openSync(big, 'w');
  writeSync(fd, src.subarray(0, 24));
  for (let i = 0; i < copies; i++) writeSync(fd, body);
  closeSync(fd);
  const size = statSync(big).size / 1048576;
  const ours = timed(process.execPath, [
    cli,
    'scan',
    big,
    '--no-db',
    '--format',
    'json',
    '--out',
    join(WORK, 'big.json'),
    '-q',
    '--jobs',
    '1',
  ]);
  const theirs = tshark(big);
  process.stdout.write(
    `Large capture (${size.toFixed(0)} MB): Candor ${ours.seconds.toFixed(2)} s ` +
      `(${(size / ours.seconds).toFixed(0)} MB/s, ${ours.maxRssMb.toFixed(0)} MB peak) vs tshark ` +
      `${theirs.seconds.toFixed(2)} s (${theirs.maxRssMb.toFixed(0)} MB peak): ` +
      `${(theirs.seconds / ours.seconds).toFixed(1)}x\n`,
  );
}

/**
 * Firmware: a system image of real APKs (Debian's androguard samples and the corpus) plus incompressible
 * filler to pass 1 GB, as EROFS (LZ4) and ext4. Candor's full audit against the extraction alone
 * (fsck.erofs --extract, debugfs rdump), and peak memory on a small and a large image with the same apps.
 */
function benchFirmware(cli: string): void {
  for (const tool of ['mkfs.erofs', 'fsck.erofs', 'mkfs.ext4', 'debugfs']) {
    if (spawnSync('which', [tool]).status !== 0) {
      process.stdout.write(`\nFirmware: skipped (${tool} missing: apt-get install erofs-utils e2fsprogs)\n`);
      return;
    }
  }
  const apks = [
    ...readdirSync(CORPUS)
      .filter((f) => f.endsWith('.apk'))
      .map((f) => join(CORPUS, f)),
    ...listApks(ANDROGUARD),
  ];
  const build = (fillerMb: number) => {
    const tree = join(WORK, `fw-tree-${fillerMb}`);
    apks.forEach((apk, i) => {
      const dir = join(tree, 'system', i % 5 === 0 ? 'priv-app' : 'app', `App${i}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `App${i}.apk`), readFileSync(apk));
    });
    writeFileSync(join(tree, 'system', 'build.prop'), 'ro.product.system.brand=Bench\nro.build.version.release=14\n');
    mkdirSync(join(tree, 'system', 'media'), { recursive: true });
    const chunk = Buffer.alloc(64 << 20);
    for (let i = 0; i < fillerMb / 64; i++) {
      for (let k = 0; k < chunk.length; k += 4) chunk.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, k);
      writeFileSync(join(tree, 'system', 'media', `bootanimation-${i}.bin`), chunk);
    }
    const erofs = join(WORK, `system-${fillerMb}.erofs`);
    spawnSync('mkfs.erofs', ['--quiet', '-zlz4', erofs, tree]);
    const ext4 = join(WORK, `system-${fillerMb}.ext4`);
    spawnSync('mkfs.ext4', ['-q', '-F', '-O', '^has_journal', '-d', tree, ext4, `${fillerMb + 512}M`]);
    rmSync(tree, { recursive: true, force: true });
    return { erofs, ext4 };
  };
  const audit = (img: string) =>
    timed(process.execPath, [
      cli,
      'scan',
      img,
      '--no-db',
      '--format',
      'json',
      '--out',
      join(WORK, 'fw.json'),
      '-q',
      '--jobs',
      '2',
    ]);
  const small = build(128);
  const large = build(1024);
  const out = join(WORK, 'extract');
  const fsck = timed('sh', [
    '-c',
    `rm -rf ${out} && fsck.erofs --extract=${out} --no-preserve ${large.erofs} && rm -rf ${out}`,
  ]);
  const rdump = timed('sh', [
    '-c',
    `rm -rf ${out} && mkdir ${out} && debugfs -R "rdump / ${out}" ${large.ext4} 2>/dev/null && rm -rf ${out}`,
  ]);
  const erofsAudit = audit(large.erofs);
  const ext4Audit = audit(large.ext4);
  const smallAudit = audit(small.erofs);
  const report = JSON.parse(readFileSync(join(WORK, 'fw.json'), 'utf8')) as { apps: unknown[] };
  const gb = (f: string) => (statSync(f).size / 2 ** 30).toFixed(2);
  process.stdout.write(
    `\nFirmware: ${apks.length} real APKs (${report.apps.length} apps audited) in a ` +
      `${gb(large.erofs)} GB EROFS (LZ4) image and a ${gb(large.ext4)} GB ext4 image\n`,
  );
  process.stdout.write(
    `  EROFS: Candor full audit ${erofsAudit.seconds.toFixed(1)} s (${erofsAudit.maxRssMb.toFixed(0)} MB peak) ` +
      `vs fsck.erofs --extract alone ${fsck.seconds.toFixed(1)} s: ` +
      `${(erofsAudit.seconds / fsck.seconds).toFixed(2)}x the extraction (target <= 2x)\n`,
  );
  process.stdout.write(
    `  ext4:  Candor full audit ${ext4Audit.seconds.toFixed(1)} s (${ext4Audit.maxRssMb.toFixed(0)} MB peak) ` +
      `vs debugfs rdump alone ${rdump.seconds.toFixed(1)} s: ` +
      `${(ext4Audit.seconds / rdump.seconds).toFixed(2)}x the extraction\n`,
  );
  process.stdout.write(
    `  Peak memory, same apps: ${smallAudit.maxRssMb.toFixed(0)} MB on a ${gb(small.erofs)} GB image, ` +
      `${erofsAudit.maxRssMb.toFixed(0)} MB on a ${gb(large.erofs)} GB image\n`,
  );
}

/** The code model's share of a large APK's scan and its heap next to the DEX size (issue 11's bench line). */
function benchCodeModel(): void {
  process.stdout.write('\n== Code model (share of the scan, heap ÷ DEX size) ==\n');
  const r = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      'tsx',
      join(ROOT, 'bench', 'code-model.ts'),
      join(ANDROGUARD, 'tests', 'com.example.android.tvleanback.apk'),
    ],
    { encoding: 'utf8', cwd: ROOT, maxBuffer: 1 << 26 },
  );
  process.stdout.write(r.stdout + (r.status === 0 ? '' : r.stderr.slice(-2000)));
}

function listApks(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listApks(p));
    else if (e.name.endsWith('.apk')) out.push(p);
  }
  return out.sort();
}

const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
if (!only || only === 'apps') main();
if (!only || only === 'code') benchCodeModel();
if (!only || only === 'captures') benchCaptures(join(ROOT, 'dist', 'cli', 'run.js'));
if (!only || only === 'firmware') {
  mkdirSync(WORK, { recursive: true });
  benchFirmware(join(ROOT, 'dist', 'cli', 'run.js'));
}
