/**
 * `npm run fit-list-model`: measures the benign background of the lexicon on real word lists from Debian
 * packages (scripts/benign-sources.ts) and writes data/lexicon/list-model.json. Run it after changing the
 * lexicon; the file records what it was fitted on.
 */
import { writeFileSync } from 'node:fs';
import { dataPath } from '../src/data-path.js';
import { loadDefaultLexicon } from '../src/lexicon/lexicon.js';
import { fitListModel, serializeListModel } from '../src/lexicon/list-model.js';
import { availableBenignSources, packageVersion } from './benign-sources.js';

const { sources, missing } = availableBenignSources();
if (missing.length > 0) {
  process.stderr.write(`fit-list-model: install these Debian packages first: ${missing.join(' ')}\n`);
  process.exit(2);
}
const model = fitListModel(sources, loadDefaultLexicon());
const provenance = {
  note: 'Fitted by scripts/fit-list-model.ts on the benign sources below; counts of Candor lexicon terms only.',
  sources: sources.map((s) => ({
    name: s.name,
    debianPackage: s.spec.debianPackage,
    version: packageVersion(s.spec.debianPackage),
    licence: s.spec.licence,
  })),
};
writeFileSync(dataPath('lexicon/list-model.json'), serializeListModel(model, provenance));
process.stdout.write(`background ${JSON.stringify(model.background)}\ncommon terms ${model.commonTerms.size}\n`);
