import type { Command } from 'commander';
import {
  DB_DESCRIPTION,
  DB_FLAGS,
  OUT_FLAGS,
  reportFormatOption,
  type Format,
  type StoreOutputOptions,
} from '../options.js';
import { colorFor, emit, pickFormat, render } from '../output.js';
import { storedReport, withStore } from '../store-access.js';

interface ReportOptions extends StoreOutputOptions {
  format?: Format;
}

/** `candor report`: a stored scan rendered again. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('Render a stored scan again, in any format.')
    .argument('<scan>', 'scan id, unique id prefix, or "latest"')
    .addOption(reportFormatOption('report format'))
    .option(OUT_FLAGS, 'write to this file')
    .option(DB_FLAGS, DB_DESCRIPTION)
    .action(async (id: string, opts: ReportOptions) => {
      await withStore(opts.db, (store) => {
        const report = storedReport(store, id);
        emit(render(report, pickFormat(opts.format, opts.out), colorFor(opts.out)), opts.out);
      });
    });
}
