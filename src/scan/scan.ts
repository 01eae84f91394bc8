import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { resolveLimits, type LimitOverrides, type Limits } from '../io/limits.js';
import {
  REPORT_SCHEMA_VERSION,
  SEVERITIES,
  findingsOf,
  severityRank,
  type Artefact,
  type Destination,
  type Report,
  type Severity,
} from '../model.js';
import type { Store } from '../store/sqlite.js';
import { VERSION } from '../version.js';
import { GEO_ATTRIBUTION, geoDataDate } from '../capture/geo.js';
import type { IndicatorSet } from '../iocs/stix.js';
import { DETECTORS } from '../detectors/index.js';
import { runDetectorsOn } from '../detectors/runner.js';
import { compileRules, readRuleSources, serializeRules, yaraDiagnostics, type RuleSource } from '../yara/rules.js';
import { failedResult, type FileResult } from './analyze.js';
import { FileSource } from '../io/byte-source.js';
import { errorCode, errorMessage } from '../io/errors.js';
import { unavailableDiagnostics } from '../io/native.js';
import { sha256, shortHash } from '../io/hash.js';
import { emptyGrants } from '../firmware/privapp.js';
import { walkFirmware, type FirmwareFile, type FirmwareWalk } from '../firmware/walk.js';
import { buildFirmwareSummary, firmwareModel } from '../firmware/inventory.js';
import type { ImportedList } from '../lexicon/imported-lists.js';
import { analyzerKey, type AnalyzeSettings } from './context.js';
import { expandInputs, type FirmwareInput, type InputFile } from './inputs.js';
import { WorkerPool, type JobFailure } from './pool.js';
import { relocate } from './relocate.js';

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
  // Rules are read and checked here once, so a bad rule file is one diagnostic, not one per worker.
  const ruleRead = readRuleSources(options.yara ?? []);
  const yaraSources = [...ruleRead.sources, ...(options.yaraSources ?? [])];
  const ruleCheck = yaraSources.length
    ? compileRules(yaraSources)
    : { files: [], compiled: [], namespaces: new Map<string, string>() };
  const usable = yaraSources.filter((s) => ruleCheck.files.some((f) => f.path === s.path && f.status === 'loaded'));
  const yaraCompiled = serializeRules(ruleCheck);
  const yaraReport = {
    files: [...ruleRead.files, ...ruleCheck.files],
    compiled: [],
    namespaces: new Map<string, string>(),
  };
  const settings: AnalyzeSettings = {
    limits: resolveLimits(options.limits),
    trackersPath: options.trackersPath ?? null,
    hiddenLists: options.hiddenLists !== false,
    fileDigests: (options.indicators?.length ?? 0) > 0,
    ...(options.deviceIds && Object.keys(options.deviceIds).length ? { deviceIds: options.deviceIds } : {}),
    ...(usable.length && yaraCompiled ? { yaraSources: usable, yaraCompiled } : {}),
    ...(options.importedLists?.length ? { importedLists: options.importedLists } : {}),
  };
  const key = analyzerKey(settings);
  const { files, firmwares: firmwareInputs, diagnostics: inputDiagnostics } = expandInputs(options.inputs, options.cwd);
  // Firmware is walked first (metadata only); its apps and list-like files join the queue of jobs.
  const firmwares: OpenedFirmware[] = [];
  for (const input of firmwareInputs) {
    options.onProgress?.({ type: 'firmware', path: input.logicalPath, phase: 'walk' });
    firmwares.push(await openFirmware(input, settings.limits));
    const fw = firmwares[firmwares.length - 1];
    options.onProgress?.({
      type: 'firmware',
      path: input.logicalPath,
      phase: 'walked',
      partitions: fw.walk.partitions.length,
      apps: fw.walk.files.filter((f) => f.kind === 'apk').length,
    });
  }
  const jobs: Job[] = [
    ...files.map((file): Job => ({ kind: 'file', file, size: file.size, logicalPath: file.logicalPath })),
  ];
  firmwares.forEach((fw, index) => {
    for (const f of fw.walk.files)
      jobs.push({ kind: 'firmware', firmware: index, file: f, size: f.size, logicalPath: f.logicalPath });
  });
  const totalBytes = jobs.reduce((n, j) => n + j.size, 0);
  options.onProgress?.({ type: 'start', files: jobs.length, bytes: totalBytes });

  const results: FileResult[] = new Array(jobs.length);
  let done = 0;
  let doneBytes = 0;
  const finish = (i: number, result: FileResult, cached: boolean) => {
    results[i] = result;
    done++;
    doneBytes += jobs[i].size;
    options.onProgress?.({
      type: 'file',
      done,
      files: jobs.length,
      bytes: doneBytes,
      path: jobs[i].logicalPath,
      cached,
    });
  };
  const remember = (i: number, r: FileResult) => {
    // Stored as each result arrives, so an interrupted scan resumes without redoing finished files.
    if (options.store && r.sha256) options.store.cacheResult(key, jobs[i].logicalPath, r);
    finish(i, r, false);
  };
  const useCache = !!options.store && !options.noCache;

  const pending: number[] = [];
  for (let i = 0; i < jobs.length; i++) {
    const job = jobs[i];
    if (job.kind === 'file' && useCache) {
      const cached = await lookup(options.store as Store, key, job.file);
      if (cached) {
        finish(i, cached, true);
        continue;
      }
    }
    pending.push(i);
  }

  const workerCount = Math.max(1, Math.min(options.jobs ?? 2, pending.length));
  // Even a single file is analysed on a worker: only there do the time and memory budgets hold, and a
  // file that exceeds them costs its own result, never the scan.
  const pool = pending.length > 0 ? new WorkerPool(workerCount, settings) : null;
  try {
    // One more job in flight than workers, so a firmware file is being read while the workers analyse.
    await runLimited(pending, workerCount + 1, async (i) => {
      const job = jobs[i];
      if (job.kind === 'file') {
        const outcome = await (pool as WorkerPool).run(job.file);
        remember(i, 'result' in outcome ? outcome.result : lost(job.logicalPath, job.size, outcome.failure));
        return;
      }
      let bytes: Buffer;
      try {
        bytes = job.file.read();
      } catch (err) {
        finish(i, failedResult(job.logicalPath, job.size, errorCode(err), errorMessage(err)), false);
        return;
      }
      if (useCache) {
        const hit = (options.store as Store).cachedResult(sha256(bytes), key);
        if (hit) {
          finish(i, relocate(hit.result, hit.rootPath, job.logicalPath), true);
          return;
        }
      }
      const outcome = await (pool as WorkerPool).run({ fsPath: '', logicalPath: job.logicalPath, bytes });
      remember(i, 'result' in outcome ? outcome.result : lost(job.logicalPath, job.size, outcome.failure));
      // Let progress events and worker messages through between synchronous reads.
      await new Promise((r) => setImmediate(r));
    });
  } finally {
    await pool?.close();
    for (const fw of firmwares) fw.close();
  }
  // Files read out of a firmware hang under the firmware's artefact.
  jobs.forEach((job, i) => {
    if (job.kind === 'firmware' && results[i]?.artefacts[0])
      results[i].artefacts[0].parentId = firmwares[job.firmware].artefact.id;
  });
  const jobsUsed = workerCount;

  const report: Report = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'candor', version: VERSION },
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
    summary: { artefacts: 0, apps: 0, findings: emptyCounts(), diagnostics: 0, durationMs: 0 },
    artefacts: [...firmwares.map((f) => f.artefact), ...results.flatMap((r) => r.artefacts)],
    apps: results.flatMap((r) => r.apps),
    findings: results.flatMap((r) => r.findings).sort(bySeverityThenPath),
    diagnostics: [
      ...inputDiagnostics,
      ...firmwares.flatMap((f) => f.walk.problems.map((p) => ({ ...p, artefactId: f.artefact.id }))),
      ...yaraDiagnostics(yaraReport),
      ...unavailableDiagnostics(yaraSources.length ? ['lzma', 'yara'] : ['lzma']),
      ...results.flatMap((r) => r.diagnostics),
      ...(options.indicators ?? []).flatMap((s) => s.diagnostics),
    ],
  };
  if (yaraReport.files.length) report.scan.options.yara = yaraReport.files;
  const destinations = results.flatMap((r) => r.destinations ?? []);
  if (destinations.length) {
    report.destinations = linkDestinations(destinations, report);
    markEndpointsSeen(report);
    report.scan.options.geolocation = `${GEO_ATTRIBUTION}; data built ${geoDataDate()}`;
  }
  if (firmwares.length) {
    const appsByPath = new Map(report.apps.map((a) => [a.path, a]));
    report.firmware = firmwares.map((f) => buildFirmwareSummary(f.walk, f.artefact, appsByPath));
    // Each firmware's detectors fingerprint with the firmware's hash: the same app in another image is another finding.
    const models = report.firmware.map((fw, i) =>
      firmwareModel(fw, firmwares[i].artefact, report.findings, report.destinations ?? []),
    );
    for (const m of models)
      addFindings(
        report,
        runDetectorsOn(
          DETECTORS,
          'firmware',
          [m],
          {},
          { contentHash: () => m.artefact.sha256, pathOf: () => m.artefact.path },
        ),
      );
  }
  // Scan-level correlation (transfers outside the EEA, indicators) sees every finding above.
  const hashes = new Map(report.artefacts.map((a) => [a.id, a.sha256]));
  addFindings(
    report,
    runDetectorsOn(
      DETECTORS,
      'scan',
      [{ report, indicators: options.indicators ?? [] }],
      {},
      { contentHash: (id) => hashes.get(id) ?? '', pathOf: () => '' },
    ),
  );
  if (options.indicators?.length) {
    report.scan.options.indicators = options.indicators.map((s) => ({
      source: s.source,
      indicators: s.indicators.length,
    }));
  }
  report.summary = {
    artefacts: report.artefacts.length,
    apps: report.apps.length,
    findings: countBySeverity(report.findings.map((f) => f.severity)),
    diagnostics: report.diagnostics.length,
    durationMs: Math.round(performance.now() - t0),
  };
  options.store?.saveReport(report);
  return report;
}

function addFindings(report: Report, r: { findings: Report['findings']; diagnostics: Report['diagnostics'] }): void {
  if (!r.findings.length && !r.diagnostics.length) return;
  report.findings.push(...r.findings);
  report.findings.sort(bySeverityThenPath);
  report.diagnostics.push(...r.diagnostics);
}

interface OpenedFirmware {
  artefact: Artefact;
  walk: FirmwareWalk;
  close(): void;
}

type Job = { logicalPath: string; size: number } & (
  { kind: 'file'; file: InputFile } | { kind: 'firmware'; firmware: number; file: FirmwareFile }
);

async function openFirmware(input: FirmwareInput, limits: Limits): Promise<OpenedFirmware> {
  const grants = emptyGrants();
  if (input.kind === 'folder') {
    const walk = walkFirmware({ kind: 'folder', dir: input.fsPath }, input.logicalPath, limits, grants);
    // A folder has no bytes of its own: identify it by the listing of what was walked.
    const listing = walk.files.map((f) => `${f.logicalPath}\t${f.size}`).join('\n');
    const artefact: Artefact = {
      id: shortHash(input.logicalPath),
      parentId: null,
      kind: 'firmware',
      path: input.logicalPath,
      sha256: sha256(Buffer.from(listing)),
      size: walk.files.reduce((n, f) => n + f.size, 0),
    };
    return { artefact, walk, close: () => walk.sources.forEach((s) => s.close()) };
  }
  const digest = await hashFile(input.fsPath);
  const src = new FileSource(input.fsPath);
  const walk = walkFirmware({ kind: 'source', source: src }, input.logicalPath, limits, grants);
  const artefact: Artefact = {
    id: shortHash(input.logicalPath),
    parentId: null,
    kind: 'firmware',
    path: input.logicalPath,
    sha256: digest,
    size: input.size,
  };
  return {
    artefact,
    walk,
    close: () => {
      walk.sources.forEach((s) => s.close());
      src.close();
    },
  };
}

/** Runs `fn` over `items` with at most `limit` running at once. */
async function runLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

async function lookup(store: Store, key: string, file: InputFile): Promise<FileResult | null> {
  const digest = await hashFile(file.fsPath);
  const hit = store.cachedResult(digest, key);
  return hit ? relocate(hit.result, hit.rootPath, file.logicalPath) : null;
}

function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (c) => h.update(c))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}

/**
 * The result of a file whose worker was stopped or lost: its diagnostic, and the file as an artefact when
 * its digest was known. Not cached (no top-level digest): a time budget depends on the machine's load.
 */
function lost(path: string, size: number, failure: JobFailure): FileResult {
  const r = failedResult(path, size, failure.code, failure.message);
  if (failure.partial) {
    const artefact: Artefact = {
      id: shortHash(path),
      parentId: null,
      kind: 'file',
      path,
      sha256: failure.partial.sha256,
      size: failure.partial.size,
    };
    r.artefacts.push(artefact);
    (r.diagnostics[0] as Report['diagnostics'][number]).artefactId = artefact.id;
  }
  return r;
}

function emptyCounts(): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
}

function countBySeverity(list: Severity[]): Record<Severity, number> {
  const c = emptyCounts();
  for (const s of list) c[s]++;
  return c;
}

function bySeverityThenPath(a: Report['findings'][number], b: Report['findings'][number]): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    a.location.path.localeCompare(b.location.path) ||
    a.detectorId.localeCompare(b.detectorId) ||
    a.fingerprint.localeCompare(b.fingerprint)
  );
}

/** The highest severity among findings, or null when there are none. */
export function maxSeverity(report: Report): Severity | null {
  let max: Severity | null = null;
  for (const f of report.findings) if (max === null || severityRank(f.severity) > severityRank(max)) max = f.severity;
  return max;
}

/**
 * Tells, for each hard-coded endpoint of the scan's apps, whether the captures of the same scan show the
 * device talking to it (by host name, or by address for IP literals), with the capture and first frames.
 */
function markEndpointsSeen(report: Report): void {
  const byHost = new Map<string, Destination[]>();
  for (const d of report.destinations ?? []) {
    for (const key of [d.host, ...d.ips]) {
      const l = byHost.get(key);
      if (l) l.push(d);
      else byHost.set(key, [d]);
    }
  }
  const paths = new Map(report.artefacts.map((a) => [a.id, a.path]));
  // List-refresh findings carry the host of the list's URL as built by the code.
  const withHost = [
    ...findingsOf(report.findings, 'network/endpoints'),
    ...findingsOf(report.findings, 'censorship/list-refresh'),
  ];
  for (const f of withHost) {
    if (typeof f.evidence.host !== 'string') continue;
    const seen = byHost.get(f.evidence.host) ?? [];
    f.evidence.seenInCapture = seen.length
      ? seen.map((d) => ({
          capture: paths.get(d.artefactId) ?? d.artefactId,
          host: d.host,
          connections: d.connections,
          frames: d.sampleFrames,
          country: d.country,
        }))
      : false;
  }
}

/** Adds to each destination the apps of the same scan whose code or resources name its host. */
function linkDestinations(
  destinations: NonNullable<Report['destinations']>,
  report: Report,
): NonNullable<Report['destinations']> {
  const appOf = new Map(report.apps.map((a) => [a.artefactId, a.package ?? a.path]));
  const hostApps = new Map<string, Set<string>>();
  for (const f of findingsOf(report.findings, 'network/endpoints')) {
    const host = f.evidence.host;
    const app = appOf.get(f.artefactId);
    if (!app) continue;
    let s = hostApps.get(host);
    if (!s) hostApps.set(host, (s = new Set()));
    s.add(app);
  }
  return destinations.map((d) => ({ ...d, apps: [...new Set([...d.apps, ...(hostApps.get(d.host) ?? [])])] }));
}
