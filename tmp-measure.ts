import { readFileSync } from 'node:fs';
import { splitList } from './src/lexicon/list-structure.js';
import { classifyList } from './src/lexicon/classify.js';
import { loadDefaultLexicon } from './src/lexicon/lexicon.js';
import { fitListModel, loadDefaultListModel } from './src/lexicon/list-model.js';
import { benignSources } from './tmp-benign.js';
import { listNameSignals } from './src/lexicon/list-names.js';
const base = '/work/shared/corpus/censorship-lists/';
const files = JSON.parse(readFileSync(base + 'files.json', 'utf8')).files as Array<{ file: string; group: string }>;
const lex = loadDefaultLexicon();
const model = loadDefaultListModel();
const kinds: Record<string, number> = {};
const verbose = process.argv[2] === 'v';
for (const f of files.filter((f) => f.file.startsWith('open-source'))) {
  const text = readFileSync(base + f.file, 'utf8').split('\n').slice(2).join('\n');
  const split = splitList(text);
  if (!split) { kinds['nosplit'] = (kinds['nosplit'] ?? 0) + 1; if (verbose) console.log('NOSPLIT', f.file); continue; }
  const v = classifyList(split.entries, lex, model);
  kinds[String(v.kind)] = (kinds[String(v.kind)] ?? 0) + 1;
  if (verbose && v.kind !== 'political') console.log(f.file, v.termCount, v.kind, JSON.stringify(v.signals.content.political), JSON.stringify(v.signals.content.any), v.sampleTerms.slice(0, 8).join(' '));
}
console.log('open-source', kinds);
const gk: Record<string, number> = {};
for (const f of files.filter((f) => f.file.startsWith('games'))) {
  const buf = readFileSync(base + f.file);
  const text = buf.toString('utf8');
  const split = splitList(text);
  const inner = f.file.split('#').slice(2).join('/');
  const names = listNameSignals({ path: 'x.apk!/' + inner });
  if (!split) { gk['nosplit'] = (gk['nosplit'] ?? 0) + 1; if (verbose) console.log('G NOSPLIT', f.file.slice(0, 120)); continue; }
  const forms = split.forms ? new Map(split.entries.map((e, i) => [e.trim(), split.forms![i]!])) : undefined;
  const v = classifyList(split.entries, lex, model, { names, ...(forms ? { forms } : {}) });
  gk[String(v.kind)] = (gk[String(v.kind)] ?? 0) + 1;
  if (verbose) console.log('G', v.kind, split.structure, v.termCount, f.file.slice(0, 110), JSON.stringify(v.signals.content.political).slice(0, 80));
}
console.log('games', gk);
// negatives: leave-one-source-out, chunks of 50k
const srcs = benignSources();
for (const s of srcs) {
  const m = fitListModel(srcs.filter((x) => x !== s), lex);
  const out: Record<string, number> = {};
  for (let i = 0; i < s.entries.length; i += 50000) {
    const v = classifyList(s.entries.slice(i, i + 50000), lex, m);
    out[String(v.kind)] = (out[String(v.kind)] ?? 0) + 1;
    if (v.kind) console.log(' FP', s.name, i, v.kind, JSON.stringify(v.signals.content.any), JSON.stringify(v.signals.content.political));
  }
  console.log('neg', s.name, out);
}
