import { Command, InvalidArgumentError, Option } from 'commander';
import type { SingleBar } from 'cli-progress';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { DETECTORS } from '../detectors/index.js';
import { parseImportedList } from '../lexicon/imported-lists.js';
import { parseStixBundle, type IndicatorSet } from '../iocs/stix.js';
import { compileRules, readRuleSources } from '../yara/rules.js';
import { SEVERITIES, severityRank, type Report, type Severity } from '../model.js';
import { renderHtml } from '../report/html.js';
import { renderJson } from '../report/json.js';
import { renderTerminal } from '../report/terminal.js';
import { exportLists } from '../report/lists.js';
import { diffScans, renderDiffText } from '../report/diff.js';
import { maxSeverity, scan, type ProgressEvent } from '../scan/scan.js';
import type { Store } from '../store/sqlite.js';
import { VERSION } from '../version.js';
import { parseLimitSetting, LimitSettingError, type LimitOverrides } from '../io/limits.js';

/** The command line: argv -> options -> library calls. The only code that prints or exits. */

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

type Format = 'terminal' | 'json' | 'html';
const FORMATS: Format[] = ['terminal', 'json', 'html'];

class UsageError extends Error {}

function parseJobs(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('expected a whole number from 1 to 64');
  return n;
}

function parseDeviceIds(v: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of v.split(',')) {
    const i = pair.indexOf('=');
    if (i <= 0 || i === pair.length - 1)
      throw new InvalidArgumentError(`expected name=value pairs, got ${JSON.stringify(pair)}`);
    out[pair.slice(0, i).trim()] = pair.slice(i + 1).trim();
  }
  return out;
}

/** `--limit` settings, checked before anything is read: a bad one is a one-line usage error. */
function parseLimits(settings: string[]): LimitOverrides {
  const overrides: LimitOverrides = {};
  try {
    for (const s of settings) parseLimitSetting(s, overrides);
  } catch (err) {
    if (err instanceof LimitSettingError) throw new UsageError(`--limit: ${err.message}`);
    throw err;
  }
  return overrides;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Bundles named with --iocs plus those imported into the store. */
function loadIndicatorSets(files: string[], store: Store | null): IndicatorSet[] {
  const sets = files.map((f) => parseStixBundle(readFileSync(resolve(f), 'utf8'), f));
  for (const b of store?.indicatorBundles() ?? [])
    if (!files.includes(b.source)) sets.push(parseStixBundle(b.bundle, b.source));
  return sets;
}

function defaultDb(): string {
  return process.env.CANDOR_DB ?? join(process.cwd(), '.candor', 'candor.sqlite');
}

function pickFormat(format: string | undefined, out: string | undefined): Format {
  if (format) return format as Format;
  const ext = out ? extname(out).toLowerCase() : '';
  if (ext === '.json') return 'json';
  if (ext === '.html' || ext === '.htm') return 'html';
  return 'terminal';
}

function render(report: Report, format: Format, color: boolean): string {
  if (format === 'json') return renderJson(report);
  if (format === 'html') return renderHtml(report);
  return renderTerminal(report, { color });
}

function emit(text: string, out: string | undefined): void {
  if (out) writeFileSync(out, text);
  else process.stdout.write(text);
}

/** Modules only some commands need are loaded on demand: a one-file scan should not pay for them. */
async function openStore(path: string): Promise<Store> {
  const { Store: StoreClass } = await import('../store/sqlite.js');
  return new StoreClass(path);
}

/** Opens the store named by --db (or the default), runs `f`, and always closes it. */
async function withStore<T>(db: string | undefined, f: (store: Store) => T | Promise<T>): Promise<T> {
  const store = await openStore(resolve(db ?? defaultDb()));
  try {
    return await f(store);
  } finally {
    store.close();
  }
}

/** The stored scan named by id, id prefix or "latest"; a usage error (exit 2) when none or several match. */
function storedReport(store: Store, id: string): Report {
  const report = store.loadReport(id);
  if (!report) throw new UsageError(`no single stored scan matches ${JSON.stringify(id)}`);
  return report;
}

async function progressReporter(enabled: boolean): Promise<((e: ProgressEvent) => void) | undefined> {
  if (!enabled) return undefined;
  const { SingleBar: Bar } = await import('cli-progress');
  let bar: SingleBar | null = null;
  let apps = 0;
  return (e) => {
    if (e.type === 'firmware') {
      if (e.phase === 'walk') process.stderr.write(`reading firmware ${e.path}…\n`);
      else process.stderr.write(`${e.path}: ${e.partitions} partition(s), ${e.apps} app(s) to audit\n`);
      return;
    }
    if (e.type === 'start') {
      if (e.files < 2) return;
      bar = new Bar({
        format: 'scanning [{bar}] {value}/{total} files | {apps} apps | {mb} MB | {file}',
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
      });
      bar.start(e.files, 0, { mb: '0', file: '', apps: 0 });
      apps = 0;
    } else if (bar) {
      if (/\.apk$/i.test(e.path)) apps++;
      // The partition shows in the path of files read out of a firmware (…!/system!/system/app/X.apk).
      bar.update(e.done, {
        mb: (e.bytes / 1e6).toFixed(1),
        apps,
        file: e.path.length > 56 ? `…${e.path.slice(-55)}` : e.path,
      });
      if (e.done === e.files) bar.stop();
    }
  };
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('candor')
    .description(
      'Audits Android apps, firmware and traffic for hidden censorship lists, covert telemetry and risky app distribution.',
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

  program
    .command('scan')
    .description('Audit APKs, firmware images, OTA packages and network captures, store the scan and write a report.')
    .argument(
      '<paths...>',
      'APK, DEX, OTA or factory zip, payload.bin, super/system/vendor image (ext4, EROFS, sparse), boot or vbmeta image, pcap/pcapng/HAR capture, or a folder (adb pull, extracted firmware)',
    )
    .addOption(
      new Option('-f, --format <format>', 'report format (default: from --out extension, else terminal)').choices(
        FORMATS,
      ),
    )
    .option('-o, --out <file>', 'write the report to this file instead of stdout')
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
    .action(async (paths: string[], opts) => {
      const format = pickFormat(opts.format, opts.out);
      const limits = parseLimits(opts.limit as string[]);
      const dbPath: string | null =
        opts.db === false ? null : resolve(typeof opts.db === 'string' ? opts.db : defaultDb());
      const store = dbPath ? await openStore(dbPath) : null;
      try {
        const report = await scan({
          inputs: paths,
          cwd: process.cwd(),
          store,
          trackersPath: opts.trackers ? resolve(opts.trackers) : null,
          jobs: opts.jobs,
          limits,
          noCache: opts.cache === false,
          hiddenLists: opts.hiddenLists !== false,
          indicators: loadIndicatorSets(opts.iocs as string[], store),
          yara: (opts.yara as string[]).map((p) => resolve(p)),
          ...(opts.deviceId ? { deviceIds: opts.deviceId as Record<string, string> } : {}),
          yaraSources: (store?.ruleSources() ?? []).filter(
            (r) => !(opts.yara as string[]).some((p) => r.path.startsWith(resolve(p))),
          ),
          importedLists: store?.importedLists() ?? [],
          onProgress: await progressReporter(!opts.quiet && process.stderr.isTTY === true),
        });
        if (report.artefacts.length === 0 && report.diagnostics.some((d) => d.code.startsWith('input/'))) {
          throw new UsageError(report.diagnostics.map((d) => `${d.path}: ${d.message}`).join('\n'));
        }
        emit(render(report, format, !opts.out && process.stdout.isTTY === true), opts.out);
        if (!opts.quiet) {
          if (opts.out) process.stderr.write(`Report written to ${opts.out}\n`);
          if (dbPath) process.stderr.write(`Scan ${report.scan.id} stored in ${dbPath}\n`);
        }
        const worst = maxSeverity(report);
        const failOn = opts.failOn as Severity | 'none';
        process.exitCode =
          failOn !== 'none' && worst !== null && severityRank(worst) >= severityRank(failOn) ? EXIT_FINDINGS : EXIT_OK;
      } finally {
        store?.close();
      }
    });

  program
    .command('scans')
    .description('List the scans kept in the store.')
    .option('--db <path>', 'SQLite store')
    .option('--json', 'print JSON')
    .action(async (opts) => {
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

  program
    .command('report')
    .description('Render a stored scan again, in any format.')
    .argument('<scan>', 'scan id, unique id prefix, or "latest"')
    .addOption(new Option('-f, --format <format>', 'report format').choices(FORMATS))
    .option('-o, --out <file>', 'write to this file')
    .option('--db <path>', 'SQLite store')
    .action(async (id: string, opts) => {
      await withStore(opts.db, (store) => {
        const report = storedReport(store, id);
        emit(render(report, pickFormat(opts.format, opts.out), !opts.out && process.stdout.isTTY === true), opts.out);
      });
    });

  program
    .command('diff')
    .description(
      'What changed between two scans: apps, keyword lists (terms added and removed), trackers, hosts, permissions, region properties.',
    )
    .argument('<scanA>', 'older scan: id, unique id prefix, "latest", or a JSON report file')
    .argument('<scanB>', 'newer scan: id, unique id prefix, "latest", or a JSON report file')
    .addOption(new Option('-f, --format <format>', 'text or json').choices(['text', 'json']).default('text'))
    .option('-o, --out <file>', 'write to this file')
    .option('--db <path>', 'SQLite store')
    .option('--fail-on-growth', 'exit with 1 when a keyword list appeared or grew')
    .action(async (idA: string, idB: string, opts) => {
      const load = (store: Store | null, id: string): Report => {
        if (existsSync(id) && statSync(id).isFile()) return JSON.parse(readFileSync(id, 'utf8')) as Report;
        if (!store) throw new UsageError(`${id} is not a report file`);
        return storedReport(store, id);
      };
      const needsStore = [idA, idB].some((id) => !(existsSync(id) && statSync(id).isFile()));
      const run = (store: Store | null) => {
        const d = diffScans(load(store, idA), load(store, idB));
        emit(opts.format === 'json' ? JSON.stringify(d, null, 2) + '\n' : renderDiffText(d), opts.out);
        if (opts.failOnGrowth && (d.lists.appeared.length > 0 || d.lists.changed.some((l) => l.to > l.from)))
          process.exitCode = EXIT_FINDINGS;
      };
      if (needsStore) await withStore(opts.db, (store) => run(store));
      else run(null);
    });

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
    .option('-o, --out <file>', 'write to this file')
    .option('--db <path>', 'SQLite store')
    .action(async (id: string, opts) => {
      await withStore(opts.db, (store) => {
        const report = storedReport(store, id);
        emit(exportLists(report, opts.format), opts.out);
      });
    });

  const iocs = program
    .command('iocs')
    .description('Keep STIX 2.1 indicator bundles in the store for every later scan.');
  iocs
    .command('import')
    .description('Import a STIX 2.1 bundle (MVT-style indicators) into the store.')
    .argument('<file>', 'STIX 2.1 bundle (JSON)')
    .option('--db <path>', 'SQLite store')
    .action(async (file: string, opts) => {
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
    .option('--db <path>', 'SQLite store')
    .action(async (opts) => {
      await withStore(opts.db, (store) => {
        for (const b of store.indicatorBundles())
          process.stdout.write(`${b.indicators}\t${b.importedAt}\t${b.source}\n`);
      });
    });

  const lexicon = program
    .command('lexicon')
    .description('Keep published blocklists in the store, matched against every later scan.');
  lexicon
    .command('import')
    .description('Import a published keyword list (lines, JSON, CSV or XML) to name the lists it overlaps.')
    .argument('<file>', 'list file')
    .option('--name <name>', 'name to report it by (default: the file name)')
    .option('--db <path>', 'SQLite store')
    .action(async (file: string, opts) => {
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
    .option('--db <path>', 'SQLite store')
    .action(async (opts) => {
      await withStore(opts.db, (store) => {
        for (const l of store.importedLists())
          process.stdout.write(`${l.terms.length}\t${l.importedAt}\t${l.name}\t${l.source}\n`);
      });
    });

  const rules = program.command('rules').description('Keep YARA rules in the store for every later scan.');
  rules
    .command('add')
    .description('Add YARA rule files or folders to the store (includes are resolved now).')
    .argument('<paths...>', 'rule files or folders')
    .option('--db <path>', 'SQLite store')
    .action(async (paths: string[], opts) => {
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
    .option('--db <path>', 'SQLite store')
    .action(async (opts) => {
      await withStore(opts.db, (store) => {
        for (const r of store.ruleSources()) process.stdout.write(`${r.path}\n`);
      });
    });

  program
    .command('detectors')
    .description('List the detectors, with their ids and versions.')
    .action(() => {
      for (const d of DETECTORS)
        process.stdout.write(`${d.meta.id}@${d.meta.version}  [${d.meta.input}]  ${d.meta.description}\n`);
    });
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
