import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { availableBenignSources, BENIGN_SOURCES } from '../scripts/benign-sources.js';
import { classifyList } from '../src/lexicon/classify.js';
import { loadDefaultLexicon } from '../src/lexicon/lexicon.js';
import { fitListModel, loadDefaultListModel, parseListModel } from '../src/lexicon/list-model.js';
import { splitList } from '../src/lexicon/list-structure.js';
import { CORPUS, ROOT } from './helpers.js';

/**
 * The classifier on real material nobody on the project wrote: Citizen Lab's published blocklists
 * (test data only, read from the corpus) and real dictionaries and name tables from Debian packages.
 * The full measurement, in APKs and through every encoding, is `npm run eval`; these are its floors.
 */

const lexicon = loadDefaultLexicon();
const LISTS = join(CORPUS, 'censorship-lists');
const { sources, missing } = availableBenignSources();

interface ListFile {
  file: string;
  group: string;
}

function openSourceLists(): Array<ListFile & { entries: string[] }> {
  const files = (JSON.parse(readFileSync(join(LISTS, 'files.json'), 'utf8')) as { files: ListFile[] }).files;
  return files
    .filter((f) => f.file.startsWith('open-source/'))
    .map((f) => ({ ...f, entries: readFileSync(join(LISTS, f.file), 'utf8').split('\n').slice(2) }));
}

describe('real blocklists', () => {
  it('reports at least 90 % of the published open-source lists, most of them as political', () => {
    const model = loadDefaultListModel();
    const lists = openSourceLists();
    expect(lists.length).toBeGreaterThan(400);
    let found = 0;
    let political = 0;
    for (const l of lists) {
      const split = splitList(l.entries.join('\n'));
      const v = split ? classifyList(split.entries, lexicon, model) : null;
      if (v?.kind) found++;
      if (v?.kind === 'political') political++;
    }
    expect(found / lists.length).toBeGreaterThanOrEqual(0.9);
    expect(political / lists.length).toBeGreaterThanOrEqual(0.7);
  });
});

describe('real benign vocabulary', () => {
  it('has every benign source installed (see .ci/run)', () => {
    expect(missing).toEqual([]);
    expect(sources.length).toBe(BENIGN_SOURCES.length);
  });

  it('finds no list in dictionaries, IME tables, word lists or CLDR names, each judged by a model without it', () => {
    const flagged: string[] = [];
    for (const held of sources) {
      const model = fitListModel(
        sources.filter((s) => s !== held),
        lexicon,
      );
      // Chunks of the sizes apps ship word lists in.
      for (const size of [500, 5000, 50_000]) {
        for (let i = 0; i < held.entries.length; i += size) {
          const v = classifyList(held.entries.slice(i, i + size), lexicon, model);
          if (v.kind) flagged.push(`${held.name}[${i}+${size}]: ${v.kind}`);
        }
      }
    }
    expect(flagged).toEqual([]);
  });

  it('ships a model fitted on the current lexicon, on at least ten real sources', () => {
    const text = readFileSync(join(ROOT, 'data', 'lexicon', 'list-model.json'), 'utf8');
    const file = JSON.parse(text) as { provenance: { lexiconSha256: string; sources: unknown[] } };
    const lexiconSha = createHash('sha256')
      .update(readFileSync(join(ROOT, 'data', 'lexicon', 'terms.txt')))
      .digest('hex');
    // A changed lexicon needs `npm run fit-list-model`: common terms and rates are counts of its terms.
    expect(file.provenance.lexiconSha256).toBe(lexiconSha);
    expect(file.provenance.sources.length).toBeGreaterThanOrEqual(10);
    const model = parseListModel(text);
    // Fitted on more than the sources above: it knows at least their common terms.
    const fresh = fitListModel(sources, lexicon);
    for (const t of fresh.commonTerms.keys())
      if (fresh.commonTerms.get(t)! >= 20) expect(model.commonTerms.has(t), t).toBe(true);
  });
});
