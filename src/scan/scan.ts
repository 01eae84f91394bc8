import { randomUUID } from 'node:crypto';
import { resolveLimits } from '../io/limits.js';
import type { LimitOverrides } from '../io/limits.js';
import type { Report } from '../model.js';
import type { Store } from '../store/sqlite.js';
import { GEO_ATTRIBUTION, geoDataDate } from '../capture/geo.js';
import type { IndicatorSet } from '../iocs/stix.js';
import { compileRules, readRuleSources, serializeRules, yaraDiagnostics, type RuleSource } from '../yara/rules.js';
import { unavailableDiagnostics } from '../io/native.js';
import type { ImportedList } from '../lexicon/imported-lists.js';
import { linkDestinations, markEndpointsSeen } from '../correlate/app-traffic.js';
import { addFirmwareFindings, addScanFindings } from '../correlate/report-findings.js';
import type { FileResult } from './analyze-context.js';
import { analyzerKey, type AnalyzeSettings } from './context.js';
import { openFirmware, type OpenedFirmware } from '../acquire/firmware-inputs.js';
import { expandInputs } from '../acquire/inputs.js';
import { jobsOf, runJobs } from './jobs.js';
import { assembleReport, summarize } from './report-assembly.js';

export { maxSeverity } from './report-assembly.js';

/**
 * Orchestrates a scan: expands inputs, reuses stored results for files whose content was analysed
 * before, analyses the rest on worker threads, and assembles the canonical report.
 */

export interface ScanOptions {
  inputs: string[];
  /** Working directory for relative inputs. */
  cwd: string;
  store?: Store | null;
  trackersPath?: string | null;
  /** Worker threads (at least one: every file is analysed on a worker, under the `file.*` budget). */
  jobs?: number;
  /** Leaves of the limits tree to change (`{ zip: { maxEntries: 1000 } }`); unknown names are refused. */
  limits?: LimitOverrides;
  /** Re-analyse even when the store has a result for the same content. */
  noCache?: boolean;
  /** Search encoded and encrypted blobs for hidden lists (default true). */
  hiddenLists?: boolean;
  /** STIX 2.1 indicator sets to match against everything the scan saw. */
  indicators?: IndicatorSet[];
  /** The audited device's identifiers (imei, mac, androidId...), looked for in traffic also as hashes. */
  deviceIds?: Record<string, string>;
  /** YARA rule files or folders, and rule sources kept in a store. */
  yara?: string[];
  yaraSources?: RuleSource[];
  /** Published blocklists to match every list candidate against (the store's, from `candor lexicon import`). */
  importedLists?: ImportedList[];
  onProgress?: (event: ProgressEvent) => void;
  /** Fixed clock and id for reproducible reports (tests); defaults to now and a random UUID. */
  now?: () => Date;
  scanId?: string;
}

export type ProgressEvent =
  | { type: 'firmware'; path: string; phase: 'walk' | 'walked'; partitions?: number; apps?: number }
  | { type: 'start'; files: number; bytes: number }
  | { type: 'file'; done: number; files: number; bytes: number; path: string; cached: boolean };

export async function scan(options: ScanOptions): Promise<Report> {
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const t0 = performance.now();
  const yara = prepareYara(options);
  const settings: AnalyzeSettings = {
    limits: resolveLimits(options.limits),
    trackersPath: options.trackersPath ?? null,
    hiddenLists: options.hiddenLists !== false,
    fileDigests: (options.indicators?.length ?? 0) > 0,
    ...(options.deviceIds && Object.keys(options.deviceIds).length ? { deviceIds: options.deviceIds } : {}),
    ...(yara.usable.length && yara.compiled ? { yaraSources: yara.usable, yaraCompiled: yara.compiled } : {}),
    ...(options.importedLists?.length ? { importedLists: options.importedLists } : {}),
  };
  const key = analyzerKey(settings);
  const { files, firmwares: firmwareInputs, diagnostics: inputDiagnostics } = expandInputs(options.inputs, options.cwd);
  const firmwares: OpenedFirmware[] = [];
  let results: FileResult[];
  let jobsUsed: number;
  try {
    // Firmware is walked first (metadata only); its apps and list-like files join the queue of jobs.
    for (const input of firmwareInputs) firmwares.push(await walkWithProgress(input, settings, options));
    ({ results, jobsUsed } = await analyzeAll(files, firmwares, key, settings, options));
  } finally {
    for (const fw of firmwares) fw.close();
  }
  const report = assembleReport({
    scan: {
      id: options.scanId ?? randomUUID(),
      startedAt: startedAt.toISOString(),
      finishedAt: now().toISOString(),
      inputs: options.inputs,
      options: {
        trackers: options.trackersPath ?? 'builtin',
        jobs: jobsUsed,
        hiddenLists: settings.hiddenLists,
        analyzerKey: key,
      },
    },
    firmwares,
    results,
    leadingDiagnostics: [
      ...inputDiagnostics,
      ...firmwares.flatMap((f) => f.walk.problems.map((p) => ({ ...p, artefactId: f.artefact.id }))),
      ...yaraDiagnostics(yara.report),
      ...unavailableDiagnostics(yara.sources.length ? ['lzma', 'yara'] : ['lzma']),
    ],
    trailingDiagnostics: (options.indicators ?? []).flatMap((s) => s.diagnostics),
  });
  if (yara.report.files.length) report.scan.options.yara = yara.report.files;
  correlate(report, results, firmwares, options.indicators ?? []);
  if (options.indicators?.length) {
    report.scan.options.indicators = options.indicators.map((s) => ({
      source: s.source,
      indicators: s.indicators.length,
    }));
  }
  report.summary = summarize(report, performance.now() - t0);
  options.store?.saveReport(report);
  return report;
}

/** Rules are read and checked here once, so a bad rule file is one diagnostic, not one per worker. */
function prepareYara(options: ScanOptions) {
  const ruleRead = readRuleSources(options.yara ?? []);
  const sources = [...ruleRead.sources, ...(options.yaraSources ?? [])];
  const ruleCheck = sources.length
    ? compileRules(sources)
    : { files: [], compiled: [], namespaces: new Map<string, string>() };
  const usable = sources.filter((s) => ruleCheck.files.some((f) => f.path === s.path && f.status === 'loaded'));
  const report = {
    files: [...ruleRead.files, ...ruleCheck.files],
    compiled: [],
    namespaces: new Map<string, string>(),
  };
  return { sources, usable, compiled: serializeRules(ruleCheck), report };
}

async function walkWithProgress(
  input: ReturnType<typeof expandInputs>['firmwares'][number],
  settings: AnalyzeSettings,
  options: ScanOptions,
): Promise<OpenedFirmware> {
  options.onProgress?.({ type: 'firmware', path: input.logicalPath, phase: 'walk' });
  const fw = await openFirmware(input, settings.limits);
  options.onProgress?.({
    type: 'firmware',
    path: input.logicalPath,
    phase: 'walked',
    partitions: fw.walk.partitions.length,
    apps: fw.walk.files.filter((f) => f.kind === 'apk').length,
  });
  return fw;
}

/** Every file's result, in job order, with progress told as each arrives. */
async function analyzeAll(
  files: ReturnType<typeof expandInputs>['files'],
  firmwares: OpenedFirmware[],
  key: string,
  settings: AnalyzeSettings,
  options: ScanOptions,
): Promise<{ results: FileResult[]; jobsUsed: number }> {
  const jobs = jobsOf(files, firmwares);
  const totalBytes = jobs.reduce((n, j) => n + j.size, 0);
  options.onProgress?.({ type: 'start', files: jobs.length, bytes: totalBytes });
  const results: FileResult[] = new Array<FileResult>(jobs.length);
  let done = 0;
  let doneBytes = 0;
  const finish = (i: number, result: FileResult, cached: boolean) => {
    results[i] = result;
    done++;
    doneBytes += jobs[i]?.size ?? 0;
    const path = jobs[i]?.logicalPath ?? '';
    options.onProgress?.({ type: 'file', done, files: jobs.length, bytes: doneBytes, path, cached });
  };
  const jobsUsed = await runJobs(jobs, key, settings, { ...options, finish });
  // Files read out of a firmware hang under the firmware's artefact.
  jobs.forEach((job, i) => {
    const top = results[i]?.artefacts[0];
    const firmware = job.kind === 'firmware' ? firmwares[job.firmware] : undefined;
    if (top && firmware) top.parentId = firmware.artefact.id;
  });
  return { results, jobsUsed };
}

/** What needs the whole scan: apps linked to traffic, then firmware and scan-level findings. */
function correlate(report: Report, results: FileResult[], firmwares: OpenedFirmware[], indicators: IndicatorSet[]) {
  const destinations = results.flatMap((r) => r.destinations ?? []);
  if (destinations.length) {
    report.destinations = linkDestinations(destinations, report);
    markEndpointsSeen(report);
    report.scan.options.geolocation = `${GEO_ATTRIBUTION}; data built ${geoDataDate()}`;
  }
  if (firmwares.length) addFirmwareFindings(report, firmwares);
  // Scan-level correlation (transfers outside the EEA, indicators) sees every finding above.
  addScanFindings(report, indicators);
}
