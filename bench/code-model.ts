/**
 * Cost of the code model on real APKs: the time to build it and to run the list-refresh and region-switch
 * queries on it, next to the time of a whole scan of the same APK, and the heap it keeps, next to the DEX
 * size. Issue 11 asks for at most 30 % of the scan time and less than 3× the DEX size.
 *
 *   npx tsx --expose-gc bench/code-model.ts [file.apk|file.dex ...]   (default: the largest androguard APKs)
 *
 * Scan share: the time inside the two detectors that build and query the model over the time of the whole
 * scan, summed over 15 warm scans after 3 warm-up scans (one scan's share swings by ±8 points with where the
 * collector runs; the sum does not), with the range of single scans beside it.
 * Memory (meaningful for the first file of a run only: later files see the earlier files' scans collected
 * inside their measurement, so give one file per process for a memory figure): heap kept after building the
 * model from freshly parsed DEX files and running both detectors' queries on it (decoded DEX strings the model
 * asked for included), measured between forced collections.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename } from 'node:path';
import { censorshipCode } from '../src/code/censorship-code.js';
import { appCodeModel } from '../src/code/model.js';
import { InflateBudget, readEntry, readZipDirectory } from '../src/containers/zip.js';
import { DexFile } from '../src/formats/dex.js';
import { BufferSource } from '../src/io/byte-source.js';
import { DEFAULT_LIMITS } from '../src/io/limits.js';
import { loadDefaultLexicon } from '../src/lexicon/lexicon.js';
import { DETECTORS } from '../src/detectors/index.js';
import { analyzeFile } from '../src/scan/analyze.js';
import { buildContext } from '../src/scan/context.js';

const DEFAULT_INPUTS = [
  '/usr/share/doc/androguard/examples/tests/com.example.android.tvleanback.apk',
  '/usr/share/doc/androguard/examples/tests/fdroid/org.andstatus.app_254.dex',
  '../shared/corpus/apk/okhttp.d8.038.dex',
];

function dexBuffers(path: string): Buffer[] {
  const bytes = readFileSync(path);
  if (bytes.toString('latin1', 0, 3) === 'dex') return [bytes];
  const src = new BufferSource(bytes);
  const dir = readZipDirectory(src, DEFAULT_LIMITS);
  const budget = new InflateBudget(DEFAULT_LIMITS);
  return dir.entries.filter((e) => /^classes\d*\.dex$/.test(e.name)).map((e) => readEntry(src, e, budget));
}

// Time spent in the two detectors that build and query the code model, inside a real scan.
let inModelMs = 0;
for (const d of DETECTORS) {
  if (d.meta.id !== 'censorship/list-refresh' && d.meta.id !== 'censorship/region-switch') continue;
  const detect = d.detect.bind(d);
  (d as { detect: typeof d.detect }).detect = (input, c) => {
    const t = performance.now();
    try {
      return detect(input, c);
    } finally {
      inModelMs += performance.now() - t;
    }
  };
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const lexicon = loadDefaultLexicon();
const ctx = buildContext({ limits: DEFAULT_LIMITS, trackersPath: null });
const WARM_UP = 3;
const REPEATS = 15;
const inputs = process.argv.slice(2).length ? process.argv.slice(2) : DEFAULT_INPUTS;
for (const [index, path] of inputs.entries()) {
  const buffers = dexBuffers(path);
  const dexBytes = buffers.reduce((n, b) => n + b.length, 0);
  // The model first, so that no earlier scan's garbage is collected inside the heap measurement.
  // The model on its own, from freshly parsed DEX files (their cross-reference index included, as in a scan):
  // the heap it keeps once built and queried by both detectors, next to the DEX size.
  const dexes = buffers.map((b) => new DexFile(b, DEFAULT_LIMITS));
  for (const d of dexes) d.xrefs();
  const app = { dexes: dexes.map((dex) => ({ dex })), manifest: null };
  gc();
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const t1 = performance.now();
  const model = appCodeModel(app);
  const buildMs = performance.now() - t1;
  const t2 = performance.now();
  censorshipCode(app, lexicon);
  const queryMs = performance.now() - t2;
  gc();
  gc();
  const heapMb = (process.memoryUsage().heapUsed - heap0) / 1e6;
  // Share of a whole scan: total model time over total scan time of warm runs (the first runs also compile).
  // The first scan in the process still compiles much of the scan's code (the model's was compiled by the
  // model-only build above): shown apart.
  let coldShare = 0;
  for (let i = 0; i < WARM_UP; i++) {
    inModelMs = 0;
    const t0 = performance.now();
    analyzeFile(path, basename(path), ctx);
    if (i === 0) coldShare = inModelMs / (performance.now() - t0);
  }
  let scanTotal = 0;
  let modelTotal = 0;
  const shares: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    inModelMs = 0;
    const t0 = performance.now();
    analyzeFile(path, basename(path), ctx);
    const scanMs = performance.now() - t0;
    scanTotal += scanMs;
    modelTotal += inModelMs;
    shares.push(inModelMs / scanMs);
  }
  const share = modelTotal / scanTotal;
  const range = `${Math.round(Math.min(...shares) * 100)}–${Math.round(Math.max(...shares) * 100)} %`;
  const ratio = heapMb / (dexBytes / 1e6);
  process.stdout.write(
    `${basename(path).padEnd(44)} dex ${(dexBytes / 1e6).toFixed(1).padStart(5)} MB  ` +
      `classes ${String(model.stats.classes).padStart(6)}  methods ${String(model.stats.methods).padStart(7)}  ` +
      `scan ${(scanTotal / REPEATS / 1000).toFixed(2)} s, of which code model ` +
      `${(modelTotal / REPEATS / 1000).toFixed(2)} s (${(share * 100).toFixed(1)} % of ${REPEATS} warm scans, ` +
      `single scans ${range}; target ≤ 30 %; first scan ${Math.round(coldShare * 100)} %)  ` +
      `alone: build ${(buildMs / 1000).toFixed(2)} s, queries ${(queryMs / 1000).toFixed(2)} s  ` +
      // Later files' heap figures include the collection of earlier scans (see above): not printed.
      (index === 0
        ? `heap ${heapMb.toFixed(1)} MB (${ratio.toFixed(1)}× DEX; target < 3×)  `
        : 'heap: give this file alone for its figure  ') +
      `load ${loadavg()[0]!.toFixed(1)}\n`,
  );
}
