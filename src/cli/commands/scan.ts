import { Option, type Command } from 'commander';
import { resolve } from 'node:path';
import { SEVERITIES, severityRank, type Severity } from '../../model.js';
import { maxSeverity, scan } from '../../scan/scan.js';
import {
  EXIT_FINDINGS,
  EXIT_OK,
  OUT_FLAGS,
  UsageError,
  collect,
  parseDeviceIds,
  parseJobs,
  parseLimits,
  reportFormatOption,
  type Format,
} from '../options.js';
import { colorFor, emit, pickFormat, render } from '../output.js';
import { progressReporter } from '../progress.js';
import { defaultDb, loadIndicatorSets, openStore } from '../store-access.js';

/** What commander parses from `candor scan`'s options (a `--no-x` flag makes `x` default to true). */
interface ScanOptions {
  format?: Format;
  out?: string;
  /** A path, false for `--no-db`, absent for the default store. */
  db?: string | false;
  cache: boolean;
  hiddenLists: boolean;
  trackers?: string;
  deviceId?: Record<string, string>;
  yara: string[];
  iocs: string[];
  failOn: Severity | 'none';
  limit: string[];
  jobs: number;
  quiet?: true;
}

/** `candor scan`: audit inputs, store the scan, write the report; exit 1 on findings at or above --fail-on. */
export function registerScan(program: Command): void {
  program
    .command('scan')
    .description('Audit APKs, firmware images, OTA packages and network captures, store the scan and write a report.')
    .argument(
      '<paths...>',
      'APK, DEX, OTA or factory zip, payload.bin, super/system/vendor image (ext4, EROFS, sparse), ' +
        'boot or vbmeta image, pcap/pcapng/HAR capture, or a folder (adb pull, extracted firmware)',
    )
    .addOption(reportFormatOption('report format (default: from --out extension, else terminal)'))
    .option(OUT_FLAGS, 'write the report to this file instead of stdout')
    .option('--db <path>', 'SQLite store (default: .candor/candor.sqlite, or $CANDOR_DB)')
    .option('--no-db', 'do not store the scan')
    .option('--no-cache', 'analyse every file again even when the store knows its content')
    .option('--no-hidden-lists', 'skip the search for encoded, compressed and encrypted keyword lists')
    .option('--trackers <file>', "Exodus Privacy tracker JSON to use instead of Candor's built-in signatures")
    .option(
      '--device-id <pairs>',
      "the device's own identifiers to find in traffic, also hashed: imei=…,mac=…,androidId=…",
      parseDeviceIds,
    )
    .option(
      '--yara <path>',
      'YARA rule file or folder (repeatable; rules added to the store are always used)',
      collect,
      [] as string[],
    )
    .option(
      '--iocs <file>',
      'STIX 2.1 indicator bundle to match (repeatable; bundles imported into the store are always used)',
      collect,
      [] as string[],
    )
    .addOption(
      new Option('--fail-on <severity>', 'exit with 1 when a finding is at or above this severity')
        .choices(['none', ...SEVERITIES])
        .default('none'),
    )
    .option(
      '--limit <name=value>',
      'change one limit, e.g. zip.maxEntryBytes=1G or file.timeMs=120s (repeatable; see README)',
      collect,
      [] as string[],
    )
    .option('-j, --jobs <n>', 'worker threads', parseJobs, 2)
    .option('-q, --quiet', 'no progress bar and no store message')
    .action(runScan);
}

async function runScan(paths: string[], opts: ScanOptions): Promise<void> {
  const format = pickFormat(opts.format, opts.out);
  const limits = parseLimits(opts.limit);
  const dbPath: string | null = opts.db === false ? null : resolve(typeof opts.db === 'string' ? opts.db : defaultDb());
  const store = dbPath ? await openStore(dbPath) : null;
  try {
    const yara = opts.yara;
    const report = await scan({
      inputs: paths,
      cwd: process.cwd(),
      store,
      trackersPath: opts.trackers ? resolve(opts.trackers) : null,
      jobs: opts.jobs,
      limits,
      noCache: opts.cache === false,
      hiddenLists: opts.hiddenLists !== false,
      indicators: loadIndicatorSets(opts.iocs, store),
      yara: yara.map((p) => resolve(p)),
      ...(opts.deviceId ? { deviceIds: opts.deviceId } : {}),
      yaraSources: (store?.ruleSources() ?? []).filter((r) => !yara.some((p) => r.path.startsWith(resolve(p)))),
      importedLists: store?.importedLists() ?? [],
      onProgress: await progressReporter(!opts.quiet && process.stderr.isTTY === true),
    });
    // Nothing could be read at all (a missing path, say): a usage error, not an empty report.
    if (report.artefacts.length === 0 && report.diagnostics.some((d) => d.code.startsWith('input/'))) {
      throw new UsageError(report.diagnostics.map((d) => `${d.path}: ${d.message}`).join('\n'));
    }
    emit(render(report, format, colorFor(opts.out)), opts.out);
    if (!opts.quiet) {
      if (opts.out) process.stderr.write(`Report written to ${opts.out}\n`);
      if (dbPath) process.stderr.write(`Scan ${report.scan.id} stored in ${dbPath}\n`);
    }
    const worst = maxSeverity(report);
    const failOn = opts.failOn;
    process.exitCode =
      failOn !== 'none' && worst !== null && severityRank(worst) >= severityRank(failOn) ? EXIT_FINDINGS : EXIT_OK;
  } finally {
    store?.close();
  }
}
