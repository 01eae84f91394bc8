import type { Command } from 'commander';
import { DB_DESCRIPTION, DB_FLAGS, type StoreOptions } from '../options.js';
import { withStore } from '../store-access.js';

interface ScansOptions extends StoreOptions {
  json?: true;
}

/** `candor scans`: the scans kept in the store. */
export function registerScans(program: Command): void {
  program
    .command('scans')
    .description('List the scans kept in the store.')
    .option(DB_FLAGS, DB_DESCRIPTION)
    .option('--json', 'print JSON')
    .action(async (opts: ScansOptions) => {
      await withStore(opts.db, (store) => {
        const scans = store.listScans();
        if (opts.json) process.stdout.write(JSON.stringify(scans, null, 2) + '\n');
        else
          for (const s of scans) {
            const f = s.summary.findings;
            process.stdout.write(
              `${s.id}  ${s.startedAt}  ${s.summary.apps} apps  ${f.critical + f.high} high+  ${s.inputs.join(' ')}\n`,
            );
          }
      });
    });
}
