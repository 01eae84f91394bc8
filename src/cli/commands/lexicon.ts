import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseImportedList } from '../../lexicon/imported-lists.js';
import { DB_DESCRIPTION, DB_FLAGS, UsageError, type StoreOptions } from '../options.js';
import { withStore } from '../store-access.js';

interface ImportOptions extends StoreOptions {
  name?: string;
}

/** `candor lexicon import|list`: published blocklists kept in the store, matched against every later scan. */
export function registerLexicon(program: Command): void {
  const lexicon = program
    .command('lexicon')
    .description('Keep published blocklists in the store, matched against every later scan.');
  lexicon
    .command('import')
    .description('Import a published keyword list (lines, JSON, CSV or XML) to name the lists it overlaps.')
    .argument('<file>', 'list file')
    .option('--name <name>', 'name to report it by (default: the file name)')
    .option(DB_FLAGS, DB_DESCRIPTION)
    .action(async (file: string, opts: ImportOptions) => {
      const terms = parseImportedList(readFileSync(resolve(file), 'utf8'));
      if (terms.length < 3) throw new UsageError(`${file}: not a list (fewer than 3 entries)`);
      const name = typeof opts.name === 'string' ? opts.name : basename(file);
      await withStore(opts.db, (store) => {
        store.importList({ name, source: resolve(file), terms });
        process.stdout.write(`Imported ${terms.length} terms as ${name}\n`);
      });
    });
  lexicon
    .command('list')
    .description('List the imported keyword lists.')
    .option(DB_FLAGS, DB_DESCRIPTION)
    .action(async (opts: StoreOptions) => {
      await withStore(opts.db, (store) => {
        for (const l of store.importedLists())
          process.stdout.write(`${l.terms.length}\t${l.importedAt}\t${l.name}\t${l.source}\n`);
      });
    });
}
