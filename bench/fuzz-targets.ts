import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeCapture } from '../src/capture/analyze-capture.js';
import { analyzeHar } from '../src/capture/har.js';
import { InflateBudget, readEntry, readZipDirectory } from '../src/containers/zip.js';
import { searchDecodings } from '../src/decode/search.js';
import { bootTruncation, parseBootImage } from '../src/formats/bootimg.js';
import { Ext4 } from '../src/containers/fs/ext4.js';
import { openSparse } from '../src/containers/sparse.js';
import { readTar } from '../src/containers/tar.js';
import { findVbmeta, parseVbmeta } from '../src/formats/vbmeta.js';
import { parseResourceTable } from '../src/formats/arsc.js';
import { parseBinaryXml } from '../src/formats/axml.js';
import { exodusClassNames } from '../src/formats/dex-queries.js';
import { DexFile } from '../src/formats/dex.js';
import { readManifest } from '../src/formats/manifest.js';
import { blockSigners, readSigningBlock, v1Signers } from '../src/formats/signing.js';
import { BufferSource } from '../src/io/byte-source.js';
import { CandorError } from '../src/io/errors.js';
import { sha256 } from '../src/io/hash.js';
import { DEFAULT_LIMITS } from '../src/io/limits.js';
import { analyzeBytes, type AnalyzeContext } from '../src/scan/analyze.js';
import { buildContext } from '../src/scan/context.js';

/**
 * Fuzz targets: one parser each (or the whole analysis of one file), with seeds from the real corpus and
 * from real tools. A target returns normally or throws; the fuzzer treats any error that is not a
 * CandorError, and any `internal/*` diagnostic, as a crash.
 */

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const CORPUS = join(ROOT, '..', 'shared', 'corpus');
const L = DEFAULT_LIMITS;

export interface Target {
  name: string;
  /** JSON seeds get structural mutations (a value replaced by one of another type) besides byte ones. */
  json?: boolean;
  seeds: () => Buffer[];
  /**
   * The seeds before small ones were added for throughput: the regression entries found with them
   * (test/scan/fuzz-regressions.test.ts) name their inputs by number over this list.
   */
  legacySeeds?: () => Buffer[];
  run: (input: Buffer) => void;
}

const ANDROGUARD = '/usr/share/doc/androguard/examples';
const read = (dir: string, rel: string[]) =>
  rel
    .map((r) => join(dir, r))
    .filter(existsSync)
    .map((p) => readFileSync(p));
const corpus = (...rel: string[]) => read(CORPUS, rel);
/** Small real DEX and APK files from Debian's androguard package: many more inputs per second than big seeds. */
const androguard = (...rel: string[]) => read(ANDROGUARD, rel);
const SMALL_DEX = [
  'android/TC/bin/classes.dex',
  'obfu/classes_tc_proguard.dex',
  'obfu/classes_tc_dasho.dex',
  'tests/ExceptionHandling.dex',
  'tests/FillArrays.dex',
  'tests/Switch.dex',
  'tests/InterfaceCls.dex',
  'tests/FieldsTest.dex',
  'tests/AnalysisTest.dex',
];
const SMALL_CAPTURES = [
  'network-captures/ndpi/http.pcapng',
  'network-captures/ndpi/tls_ech.pcapng',
  'network-captures/ndpi/tencent_games.pcap',
  'network-captures/ndpi/quic-29.pcap',
  'network-captures/ndpi/xiaomi.pcap',
];
const apks = () =>
  corpus(
    'apk/urzip.apk',
    'apk/com.teleca.jamendo_35.apk',
    'apk/janus.apk',
    'apk/souch.smsbypass_9.apk',
    'apk/duplicate.permisssions_9999999.apk',
  );
const entryOf = (apk: Buffer, name: string): Buffer | null => {
  const src = new BufferSource(apk);
  const dir = readZipDirectory(src, L);
  const e = dir.byName.get(name);
  return e ? readEntry(src, e, new InflateBudget(L)) : null;
};
const entries = (name: string) => apks().flatMap((a) => entryOf(a, name) ?? []);
const tool = (cmd: string, input: Buffer) =>
  spawnSync('sh', ['-c', cmd], { input, maxBuffer: 1 << 28 }).stdout as Buffer;

let ctx: AnalyzeContext | null = null;
const ext4Seeds = new Map<string, Buffer[]>();

/** ext4 images made by mke2fs holding a real APK: 2 MB with a journal and, smaller, 256 KB without. */
function makeExt4(sizes: string[]): Buffer[] {
  const key = sizes.join();
  const known = ext4Seeds.get(key);
  if (known) return known;
  const dir = mkdtempSync(join(tmpdir(), 'candor-fuzz-'));
  mkdirSync(join(dir, 'tree', 'app', 'x'), { recursive: true });
  copyFileSync(join(CORPUS, 'apk', 'urzip.apk'), join(dir, 'tree', 'app', 'x', 'urzip.apk'));
  const out: Buffer[] = [];
  for (const size of sizes) {
    const img = join(dir, `system-${size}.img`);
    spawnSync('mke2fs', ['-q', '-t', 'ext4', '-b', '1024', '-d', join(dir, 'tree'), img, size]);
    if (existsSync(img)) out.push(readFileSync(img));
  }
  ext4Seeds.set(key, out);
  return out;
}

export const TARGETS: Target[] = [
  {
    name: 'zip',
    seeds: apks,
    run: (b) => {
      const src = new BufferSource(b);
      const dir = readZipDirectory(src, L);
      const budget = new InflateBudget(L);
      for (const e of [...dir.byName.values()].slice(0, 40)) {
        try {
          readEntry(src, e, budget);
        } catch (err) {
          if ((err as { code?: string }).code?.startsWith('limit/')) continue;
          throw err;
        }
      }
    },
  },
  {
    name: 'dex',
    seeds: () => [
      ...corpus('apk/okhttp.d8.038.dex', 'apk/Test.dex', 'apk/StringTests.dex'),
      ...entries('classes.dex').slice(0, 2),
      ...androguard(...SMALL_DEX),
    ],
    legacySeeds: () => [
      ...corpus('apk/okhttp.d8.038.dex', 'apk/Test.dex', 'apk/StringTests.dex'),
      ...entries('classes.dex').slice(0, 2),
    ],
    run: (b) => {
      const dex = new DexFile(b, L);
      dex.xrefs();
      exodusClassNames(dex);
      for (let i = 0; i < Math.min(dex.stringCount, 2000); i++) dex.string(i);
      for (let m = 0; m < Math.min(dex.methodCount, 500); m++) dex.methodSignature(m);
    },
  },
  {
    name: 'axml',
    seeds: () => entries('AndroidManifest.xml'),
    run: (b) => {
      const xml = parseBinaryXml(b);
      if (xml.root) readManifest(xml.root, null);
    },
  },
  { name: 'arsc', seeds: () => entries('resources.arsc'), run: (b) => void parseResourceTable(b) },
  {
    name: 'signing',
    seeds: apks,
    run: (b) => {
      const src = new BufferSource(b);
      const dir = readZipDirectory(src, L);
      const pairs = readSigningBlock(src, dir.centralDirectoryOffset);
      if (pairs) blockSigners(pairs);
      for (const e of dir.byName.values())
        if (/^META-INF\/.*\.(RSA|DSA|EC)$/.test(e.name)) v1Signers(readEntry(src, e, new InflateBudget(L)));
    },
  },
  {
    name: 'capture',
    seeds: () => [
      ...corpus(
        'network-captures/ndpi/android.pcap',
        'network-captures/ndpi/doh.pcapng',
        'network-captures/pcapdroid/two_flows.pcap',
        'network-captures/pcapdroid/http_proxy.pcap',
      ),
      ...corpus(...SMALL_CAPTURES),
    ],
    legacySeeds: () =>
      corpus(
        'network-captures/ndpi/android.pcap',
        'network-captures/ndpi/doh.pcapng',
        'network-captures/pcapdroid/two_flows.pcap',
        'network-captures/pcapdroid/http_proxy.pcap',
      ),
    run: (b) => void analyzeCapture(new BufferSource(b), { imei: '356938035643809' }),
  },
  {
    name: 'har',
    json: true,
    seeds: () =>
      corpus(
        'network-captures/har/mitmproxy-charles.har',
        'network-captures/har/mitmproxy-firefox.har',
        'hostile/har_serverIP_typeerror.har',
        'network-captures/har/mitmproxy-websocket.har',
      ),
    legacySeeds: () =>
      corpus(
        'network-captures/har/mitmproxy-charles.har',
        'network-captures/har/mitmproxy-firefox.har',
        'hostile/har_serverIP_typeerror.har',
      ),
    run: (b) => void analyzeHar(b.toString('utf8'), { imei: '356938035643809' }),
  },
  {
    name: 'bootimg',
    seeds: () =>
      corpus('firmware/avbroot/boot_v2.img', 'firmware/avbroot/boot_v4.img', 'firmware/avbroot/vendor_v4.img'),
    run: (b) => {
      const src = new BufferSource(b);
      bootTruncation(src, parseBootImage(src));
    },
  },
  {
    name: 'vbmeta',
    seeds: () =>
      corpus(
        'firmware/avbroot/vbmeta_root.img',
        'firmware/avbroot/vbmeta_appended_hash_tree.img',
        'firmware/lineageos-sdm845-vbmeta.img',
      ),
    run: (b) => {
      const src = new BufferSource(b);
      const at = findVbmeta(src);
      if (at !== null) parseVbmeta(src, at, sha256);
    },
  },
  {
    name: 'sparse',
    seeds: () => corpus('firmware/sparse/extended-headers.img', 'firmware/sparse/fill-4k-zeros.img'),
    run: (b) => {
      const { image } = openSparse(new BufferSource(b));
      for (let off = 0; off < Math.min(image.size, 1 << 22); off += 1 << 16)
        image.read(off, Math.min(4096, image.size - off));
    },
  },
  {
    name: 'ext4',
    seeds: () => makeExt4(['2M', '256K']),
    legacySeeds: () => makeExt4(['2M']),
    run: (b) => {
      const fs = new Ext4(new BufferSource(b));
      const files: Parameters<Ext4['readFile']>[0][] = [];
      fs.walk(
        (e) => void (e.type === 'file' && files.length < 20 && files.push(e)),
        () => {},
      );
      for (const f of files) {
        try {
          fs.readFile(f, 1 << 24);
        } catch (err) {
          if (!(err as { code?: string }).code) throw err;
        }
      }
    },
  },
  {
    name: 'tar',
    seeds: () => [
      tool(`tar -C ${join(CORPUS, 'firmware', 'avbroot')} -cf - boot_v2.img vbmeta_root.img`, Buffer.alloc(0)),
    ],
    run: (b) => void readTar(new BufferSource(b)),
  },
  {
    name: 'decode',
    seeds: () => {
      const list = Buffer.from(Array.from({ length: 200 }, (_, i) => `term${i} 法轮功 六四 tiananmen`).join('\n'));
      return ['gzip -9', 'bzip2 -9', 'zstd -19 -q', 'xz -9', 'xz --format=lzma', 'base64 -w0'].map((c) =>
        tool(c, list),
      );
    },
    run: (b) => void searchDecodings(b, { keys: [], ivs: [], preferred: [] }, (t) => t.includes('六四')),
  },
  {
    name: 'analyze-file',
    seeds: () => [
      ...corpus('apk/urzip.apk', 'apk/janus.apk', 'apk/okhttp.d8.038.dex'),
      ...corpus('network-captures/pcapdroid/two_flows.pcap'),
      ...corpus('apk/multidex.apk', 'apk/duplicate.permisssions_9999999.apk', 'apk/apk.embedded_1.apk'),
      ...corpus('network-captures/ndpi/http.pcapng', 'network-captures/har/mitmproxy-websocket.har'),
      ...corpus('firmware/avbroot/boot_v4.img', 'firmware/avbroot/vbmeta_root.img'),
      ...androguard('android/TC/bin/classes.dex', 'tests/FillArrays.dex'),
    ],
    legacySeeds: () => [
      ...corpus('apk/urzip.apk', 'apk/janus.apk', 'apk/okhttp.d8.038.dex'),
      ...corpus('network-captures/pcapdroid/two_flows.pcap'),
    ],
    run: (b) => {
      ctx ??= buildContext({ limits: L, trackersPath: null });
      const r = analyzeBytes(b, 'fuzz.apk', ctx);
      const internal = r.diagnostics.find((d) => d.code.startsWith('internal/'));
      if (internal) throw new Error(`${internal.code}: ${internal.message}`);
    },
  },
];

/** Every file of `dir` (a regression corpus folder) for one target, if any. */
export function regressionInputs(dir: string, target: string): Buffer[] {
  const d = join(dir, target);
  return existsSync(d)
    ? readdirSync(d)
        .sort()
        .map((f) => readFileSync(join(d, f)))
    : [];
}

/**
 * What makes an input a crasher, short of a hang or heap exhaustion (those need a worker): an error that
 * is not a CandorError (targets turn `internal/*` diagnostics into plain errors). Null when it is fine.
 */
export function crashOf(target: Target, input: Buffer): string | null {
  try {
    target.run(input);
    return null;
  } catch (err) {
    if (err instanceof CandorError) return null;
    return ((err as Error).stack ?? String(err)).split('\n').slice(0, 3).join(' | ');
  }
}
