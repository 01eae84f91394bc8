/**
 * A full dump of the code model and of the censorship findings of real APKs, to check that a change to
 * the model's representation or build order changes no result: run it before and after, and compare.
 *
 *   npx tsx bench/code-model-dump.ts OUT_DIR [file.apk|file.dex ...]   (default: real apps of the corpus
 *   and of androguard's examples)
 *
 * Per app it writes one JSON-lines file: for two freshly built models (the first asked for every method's
 * callers before its calls, the second the other way round, so both orders of a lazily built graph are
 * seen), every method's name, callers and calls; the entry points, receivers and statistics; every field's
 * readers, writers and constant; the diagnostics; then what the censorship code layer derives
 * (mechanisms, gates, switches, server choices) and the censorship findings of a whole scan.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { censorshipCode } from '../src/code/censorship-code.js';
import { buildCodeModel, type CodeModel } from '../src/code/model.js';
import { InflateBudget, readEntry, readZipDirectory } from '../src/containers/zip.js';
import { DexFile } from '../src/formats/dex.js';
import { BufferSource } from '../src/io/byte-source.js';
import { DEFAULT_LIMITS } from '../src/io/limits.js';
import { loadDefaultLexicon } from '../src/lexicon/lexicon.js';
import { analyzeFile } from '../src/scan/analyze.js';
import { buildContext } from '../src/scan/context.js';

const EXAMPLES = '/usr/share/doc/androguard/examples';
const CORPUS = '../shared/corpus/apk';
const DEFAULT_INPUTS = [
  `${EXAMPLES}/tests/com.example.android.tvleanback.apk`,
  `${EXAMPLES}/tests/fdroid/org.andstatus.app_254.dex`,
  `${EXAMPLES}/tests/fdroid/net.eneiluj.nextcloud.phonetrack_2.dex`,
  `${EXAMPLES}/tests/dc4b1bb9d58daa82f29e60f79d5662f731a3351f.37.dex`,
  `${EXAMPLES}/android/TestsAnnotation/classes.dex`,
  `${EXAMPLES}/tests/fdroid/com.example.trigger_130.dex`,
  `${EXAMPLES}/tests/com.test.intent_filter.apk`,
  `${CORPUS}/SystemWebView-repack.apk`,
  `${CORPUS}/app-prod-debug.apk`,
  `${CORPUS}/com.example.android.wearable.wear.weardrawers.apk`,
  `${CORPUS}/okhttp.d8.038.dex`,
  `${CORPUS}/multidex.apk`,
  `${CORPUS}/com.teleca.jamendo_35.apk`,
];

function dexBuffers(path: string): Buffer[] {
  const bytes = readFileSync(path);
  if (bytes.toString('latin1', 0, 3) === 'dex') return [bytes];
  const src = new BufferSource(bytes);
  const dir = readZipDirectory(src, DEFAULT_LIMITS);
  const budget = new InflateBudget(DEFAULT_LIMITS);
  return dir.entries.filter((e) => /^classes\d*\.dex$/.test(e.name)).map((e) => readEntry(src, e, budget));
}

function methodLines(model: CodeModel, inFirst: boolean, out: string[]): void {
  const rows: string[][] = [];
  for (let id = 0; id < model.methodCount; id++) rows.push([]);
  const edges = (id: number, dir: 'in' | 'out') =>
    JSON.stringify(model[dir](id).map((e) => [model.name(e.to), e.to, e.kind, e.pc, e.via ?? null]));
  for (const dir of inFirst ? (['in', 'out'] as const) : (['out', 'in'] as const))
    for (let id = 0; id < model.methodCount; id++) rows[id]!.push(`${dir} ${edges(id, dir)}`);
  for (let id = 0; id < model.methodCount; id++) {
    const m = model.method(id);
    const [a, b] = inFirst ? rows[id]! : [...rows[id]!].reverse();
    out.push(`m ${id} ${m.cls}->${m.name}${m.proto} ${m.dex}:${m.methodIdx}:${m.codeOff} ${a} ${b}`);
  }
}

function dumpModel(model: CodeModel, inFirst: boolean, out: string[]): void {
  methodLines(model, inFirst, out);
  out.push(`entries ${JSON.stringify([...model.entries])}`);
  out.push(`receivers ${JSON.stringify(model.receivers)}`);
  out.push(`stats ${JSON.stringify({ ...model.stats, summarizedUnits: 0 })}`);
  const fields = new Set<string>();
  for (const dex of model.dexes) for (let f = 0; f < dex.fieldCount; f++) fields.add(dex.fieldSignature(f));
  for (const f of [...fields].sort()) {
    const c = model.fieldConstant(f);
    out.push(`f ${f} r${JSON.stringify(model.fieldReaders(f))} w${JSON.stringify(model.fieldWriters(f))}`);
    if (c !== undefined) out.push(`c ${f} ${JSON.stringify(c)}`);
  }
  out.push(`diagnostics ${JSON.stringify(model.diagnostics)}`);
}

const [outDir, ...args] = process.argv.slice(2);
if (!outDir) throw new Error('usage: code-model-dump.ts OUT_DIR [files...]');
mkdirSync(outDir, { recursive: true });
const lexicon = loadDefaultLexicon();
const ctx = buildContext({ limits: DEFAULT_LIMITS, trackersPath: null });
for (const path of args.length ? args : DEFAULT_INPUTS) {
  const out: string[] = [];
  const buffers = dexBuffers(path);
  for (const inFirst of [true, false]) {
    const dexes = buffers.map((b) => new DexFile(b, DEFAULT_LIMITS));
    dumpModel(buildCodeModel(dexes, null), inFirst, out);
  }
  const app = { dexes: buffers.map((b) => ({ dex: new DexFile(b, DEFAULT_LIMITS) })), manifest: null };
  const code = censorshipCode(app, lexicon);
  out.push(`code ${JSON.stringify({ ...code, model: undefined, sinks: [...code.sinks] })}`);
  const scan = analyzeFile(path, basename(path), ctx);
  for (const f of scan.findings) if (f.detectorId.startsWith('censorship/')) out.push(`finding ${JSON.stringify(f)}`);
  for (const d of scan.diagnostics) if (d.code.startsWith('limit/code')) out.push(`diag ${JSON.stringify(d)}`);
  writeFileSync(join(outDir, `${basename(path)}.txt`), out.join('\n') + '\n');
  process.stdout.write(`${basename(path)}: ${out.length} lines\n`);
}
