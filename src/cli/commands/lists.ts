import { Option, type Command } from 'commander';
import { exportLists } from '../../report/lists.js';
import { DB_DESCRIPTION, DB_FLAGS, OUT_FLAGS, type StoreOutputOptions } from '../options.js';
import { emit } from '../output.js';
import { storedReport, withStore } from '../store-access.js';

interface ExportOptions extends StoreOutputOptions {
  format: 'txt' | 'json' | 'csv';
}

/** `candor lists export`: every term of every keyword list of a stored scan. */
export function registerLists(program: Command): void {
  const lists = program.command('lists').description('Work with the keyword lists found by scans.');
  lists
    .command('export')
    .description('Write every term of every keyword list in a stored scan.')
    .argument('<scan>', 'scan id, unique id prefix, or "latest"')
    .addOption(
      new Option('-f, --format <format>', 'txt: one term per line with a header per list; json; csv: list,term')
        .choices(['txt', 'json', 'csv'])
        .default('txt'),
    )
    .option(OUT_FLAGS, 'write to this file')
    .option(DB_FLAGS, DB_DESCRIPTION)
    .action(async (id: string, opts: ExportOptions) => {
      await withStore(opts.db, (store) => {
        const report = storedReport(store, id);
        emit(exportLists(report, opts.format), opts.out);
      });
    });
}
