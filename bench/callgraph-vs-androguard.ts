/**
 * Precision and recall of the code model's call edges against androguard's call graph (Debian's
 * androguard 3.4, run through its Python API by bench/androguard-callgraph.py). Compared: edges between
 * methods the app defines with code. androguard resolves an invoke to the referenced class only, so edges
 * Candor resolves up the class hierarchy (a method referenced through a subclass) count against its
 * precision here although they are right; virtual-dispatch and asynchronous edges are reported apart.
 *
 *   npx tsx bench/callgraph-vs-androguard.ts FILE.apk|FILE.dex ...
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCodeModel } from '../src/code/model.js';
import { InflateBudget, readEntry, readZipDirectory } from '../src/containers/zip.js';
import { DexFile } from '../src/formats/dex.js';
import { BufferSource } from '../src/io/byte-source.js';
import { DEFAULT_LIMITS } from '../src/io/limits.js';

const SCRIPT = join(fileURLToPath(import.meta.url), '..', 'androguard-callgraph.py');

function dexes(path: string): DexFile[] {
  const bytes = readFileSync(path);
  if (bytes.toString('latin1', 0, 3) === 'dex') return [new DexFile(bytes, DEFAULT_LIMITS)];
  const src = new BufferSource(bytes);
  const budget = new InflateBudget(DEFAULT_LIMITS);
  return readZipDirectory(src, DEFAULT_LIMITS)
    .entries.filter((e) => /^classes\d*\.dex$/.test(e.name))
    .map((e) => new DexFile(readEntry(src, e, budget), DEFAULT_LIMITS));
}

for (const path of process.argv.slice(2)) {
  const tsv = join(mkdtempSync(join(tmpdir(), 'candor-cg-')), 'edges.tsv');
  const r = spawnSync('/usr/bin/python3', [SCRIPT, path, tsv], { encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(`${basename(path)}: androguard failed: ${r.stderr.slice(-400)}\n`);
    continue;
  }
  const m = buildCodeModel(dexes(path), null);
  const full = (id: number) => {
    const x = m.method(id);
    return `${x.cls}->${x.name}${x.proto}`;
  };
  const declared = new Set<string>();
  const all = new Set<string>();
  for (let from = 0; from < m.methodCount; from++) {
    for (const e of m.out(from)) {
      if (m.method(e.to).codeOff === 0) continue;
      const k = `${full(from)}\t${full(e.to)}`;
      if (e.kind === 'call') declared.add(k);
      all.add(k);
    }
  }
  const withCode = new Set<string>();
  for (let id = 0; id < m.methodCount; id++) if (m.method(id).codeOff !== 0) withCode.add(full(id));
  const theirs = new Set<string>();
  for (const line of readFileSync(tsv, 'utf8').split('\n')) {
    const [a, b = '', ext] = line.split('\t');
    if (ext === '0' && a !== b && withCode.has(b)) theirs.add(`${a}\t${b}`);
  }
  const common = [...declared].filter((k) => theirs.has(k)).length;
  const line = {
    file: basename(path),
    androguardEdges: theirs.size,
    candorDirectEdges: declared.size,
    precision: +(common / declared.size).toFixed(4),
    recall: +(common / theirs.size).toFixed(4),
    candorAllEdges: all.size,
    recallWithDispatch: +([...theirs].filter((k) => all.has(k)).length / theirs.size).toFixed(4),
  };
  process.stdout.write(JSON.stringify(line) + '\n');
}
