import { Command } from 'commander';
import { VERSION } from '../version.js';
import { registerDetectors } from './commands/detectors.js';
import { registerDiff } from './commands/diff.js';
import { registerIocs } from './commands/iocs.js';
import { registerLexicon } from './commands/lexicon.js';
import { registerLists } from './commands/lists.js';
import { registerReport } from './commands/report.js';
import { registerRules } from './commands/rules.js';
import { registerScan } from './commands/scan.js';
import { registerScans } from './commands/scans.js';
import { EXIT_ERROR, EXIT_OK, UsageError } from './options.js';

export { EXIT_ERROR, EXIT_FINDINGS, EXIT_OK } from './options.js';

/**
 * The command line: argv -> options -> library calls. The only code that prints or exits. Each command
 * is defined in `cli/commands/`, in the order the help lists them; shared options in `cli/options.ts`.
 */

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('candor')
    .description(
      'Audits Android apps, firmware and traffic for hidden censorship lists, covert telemetry and ' +
        'risky app distribution.',
    )
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError()
    .addHelpText(
      'after',
      `
Exit codes:
  0  scan completed, no finding at or above --fail-on
  1  scan completed, findings at or above --fail-on
  2  usage error or fatal error

Examples:
  candor scan app.apk
  candor scan pulled-apks/ --out report.html --fail-on high
  candor scan app.apk --format json --trackers exodus-trackers.json`,
    );
  for (const register of [
    registerScan,
    registerScans,
    registerReport,
    registerDiff,
    registerLists,
    registerIocs,
    registerLexicon,
    registerRules,
    registerDetectors,
  ])
    register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help')
      return EXIT_OK;
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) return EXIT_ERROR;
    process.stderr.write(
      `candor: ${err instanceof UsageError ? err.message : ((err as Error).stack ?? String(err))}\n`,
    );
    return EXIT_ERROR;
  }
}
