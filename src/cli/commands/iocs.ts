import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseStixBundle } from '../../iocs/stix.js';
import { DB_DESCRIPTION, DB_FLAGS, UsageError, type StoreOptions } from '../options.js';
import { withStore } from '../store-access.js';

/** `candor iocs import|list`: STIX 2.1 indicator bundles kept in the store for every later scan. */
export function registerIocs(program: Command): void {
  const iocs = program
    .command('iocs')
    .description('Keep STIX 2.1 indicator bundles in the store for every later scan.');
  iocs
    .command('import')
    .description('Import a STIX 2.1 bundle (MVT-style indicators) into the store.')
    .argument('<file>', 'STIX 2.1 bundle (JSON)')
    .option(DB_FLAGS, DB_DESCRIPTION)
    .action(async (file: string, opts: StoreOptions) => {
      const json = readFileSync(resolve(file), 'utf8');
      const set = parseStixBundle(json, resolve(file));
      for (const d of set.diagnostics) process.stderr.write(`${d.level}: ${d.code} ${d.message}\n`);
      if (set.indicators.length === 0) throw new UsageError(`${file}: no usable indicators`);
      await withStore(opts.db, (store) => {
        store.importIndicators(resolve(file), json, set.indicators.length);
        process.stdout.write(`Imported ${set.indicators.length} indicators from ${file}\n`);
      });
    });
  iocs
    .command('list')
    .description('List the indicator bundles kept in the store.')
    .option(DB_FLAGS, DB_DESCRIPTION)
    .action(async (opts: StoreOptions) => {
      await withStore(opts.db, (store) => {
        for (const b of store.indicatorBundles())
          process.stdout.write(`${b.indicators}\t${b.importedAt}\t${b.source}\n`);
      });
    });
}
