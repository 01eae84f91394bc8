import type { Command } from 'commander';
import { DETECTORS } from '../../detectors/index.js';

/** `candor detectors`: every detector with its id, version and input. */
export function registerDetectors(program: Command): void {
  program
    .command('detectors')
    .description('List the detectors, with their ids and versions.')
    .action(() => {
      for (const d of DETECTORS)
        process.stdout.write(`${d.meta.id}@${d.meta.version}  [${d.meta.input}]  ${d.meta.description}\n`);
    });
}
