import type { Command } from 'commander';
import { compileRules, readRuleSources } from '../../yara/rules.js';
import { DB_DESCRIPTION, DB_FLAGS, UsageError, type StoreOptions } from '../options.js';
import { withStore } from '../store-access.js';

/** `candor rules add|list`: YARA rules kept in the store for every later scan. */
export function registerRules(program: Command): void {
  const rules = program.command('rules').description('Keep YARA rules in the store for every later scan.');
  rules
    .command('add')
    .description('Add YARA rule files or folders to the store (includes are resolved now).')
    .argument('<paths...>', 'rule files or folders')
    .option(DB_FLAGS, DB_DESCRIPTION)
    .action(async (paths: string[], opts: StoreOptions) => {
      const { sources, files } = readRuleSources(paths);
      const compiled = compileRules(sources);
      for (const f of [...files, ...compiled.files].filter((x) => x.status !== 'loaded'))
        process.stderr.write(`${f.status}: ${f.path}: ${f.reason}\n`);
      const usable = sources.filter((s) => compiled.files.some((f) => f.path === s.path && f.status === 'loaded'));
      if (usable.length === 0) throw new UsageError('no loadable YARA rule file');
      await withStore(opts.db, (store) => {
        store.addRules(usable);
        process.stdout.write(`Added ${usable.length} rule files\n`);
      });
    });
  rules
    .command('list')
    .description('List the YARA rule files kept in the store.')
    .option(DB_FLAGS, DB_DESCRIPTION)
    .action(async (opts: StoreOptions) => {
      await withStore(opts.db, (store) => {
        for (const r of store.ruleSources()) process.stdout.write(`${r.path}\n`);
      });
    });
}
