import { Option, type Command } from 'commander';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Report } from '../../model.js';
import { diffScans, renderDiffText } from '../../report/diff.js';
import type { Store } from '../../store/sqlite.js';
import { DB_DESCRIPTION, DB_FLAGS, EXIT_FINDINGS, OUT_FLAGS, UsageError, type StoreOutputOptions } from '../options.js';
import { emit } from '../output.js';
import { storedReport, withStore } from '../store-access.js';

interface DiffOptions extends StoreOutputOptions {
  format: 'text' | 'json';
  failOnGrowth?: true;
}

const isReportFile = (id: string) => existsSync(id) && statSync(id).isFile();

/** `candor diff`: what changed between two scans, stored or as JSON report files. */
export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description(
      'What changed between two scans: apps, keyword lists (terms added and removed), trackers, hosts, ' +
        'permissions, region properties.',
    )
    .argument('<scanA>', 'older scan: id, unique id prefix, "latest", or a JSON report file')
    .argument('<scanB>', 'newer scan: id, unique id prefix, "latest", or a JSON report file')
    .addOption(new Option('-f, --format <format>', 'text or json').choices(['text', 'json']).default('text'))
    .option(OUT_FLAGS, 'write to this file')
    .option(DB_FLAGS, DB_DESCRIPTION)
    .option('--fail-on-growth', 'exit with 1 when a keyword list appeared or grew')
    .action(async (idA: string, idB: string, opts: DiffOptions) => {
      const load = (store: Store | null, id: string): Report => {
        if (isReportFile(id)) return JSON.parse(readFileSync(id, 'utf8')) as Report;
        if (!store) throw new UsageError(`${id} is not a report file`);
        return storedReport(store, id);
      };
      const run = (store: Store | null) => {
        const d = diffScans(load(store, idA), load(store, idB));
        emit(opts.format === 'json' ? JSON.stringify(d, null, 2) + '\n' : renderDiffText(d), opts.out);
        if (opts.failOnGrowth && (d.lists.appeared.length > 0 || d.lists.changed.some((l) => l.to > l.from)))
          process.exitCode = EXIT_FINDINGS;
      };
      // The store is opened only when a scan is named by id: two report files need none.
      if ([idA, idB].some((id) => !isReportFile(id))) await withStore(opts.db, (store) => run(store));
      else run(null);
    });
}
