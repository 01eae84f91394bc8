import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { DEFAULT_LIMITS, type Limits } from '../io/limits.js';
import { REPORT_SCHEMA_VERSION, SEVERITIES, severityRank, type Diagnostic, type Report, type Severity } from '../model.js';
import type { Store } from '../store/sqlite.js';
import { VERSION } from '../version.js';
import { GEO_ATTRIBUTION, geoDataDate } from '../capture/geo.js';
import { transferFindings } from '../capture/gdpr.js';
import { matchIndicators, type IndicatorSet } from '../iocs/stix.js';
import { compileRules, readRuleSources, serializeRules, yaraDiagnostics, type RuleSource } from '../yara/rules.js';
import { analyzeFile, type FileResult } from './analyze.js';
import { analyzerKey, buildContext, type AnalyzeSettings } from './context.js';
import { expandInputs, type InputFile } from './inputs.js';
import { WorkerPool } from './pool.js';
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
  /** Worker threads; 1 analyses in this thread. */
  jobs?: number;
  limits?: Partial<Limits>;
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
  onProgress?: (event: ProgressEvent) => void;
  /** Fixed clock and id for reproducible reports (tests); defaults to now and a random UUID. */
  now?: () => Date;
  scanId?: string;
}

export type ProgressEvent =
  | { type: 'start'; files: number; bytes: number }
  | { type: 'file'; done: number; files: number; bytes: number; path: string; cached: boolean };

export async function scan(options: ScanOptions): Promise<Report> {
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const t0 = performance.now();
  // Rules are read and checked here once, so a bad rule file is one diagnostic, not one per worker.
  const ruleRead = readRuleSources(options.yara ?? []);
  const yaraSources = [...ruleRead.sources, ...(options.yaraSources ?? [])];
  const ruleCheck = yaraSources.length ? compileRules(yaraSources) : { files: [], compiled: [], namespaces: new Map<string, string>() };
  const usable = yaraSources.filter((s) => ruleCheck.files.some((f) => f.path === s.path && f.status === 'loaded'));
  const yaraCompiled = serializeRules(ruleCheck);
  const yaraReport = { files: [...ruleRead.files, ...ruleCheck.files], compiled: [], namespaces: new Map<string, string>() };
  const settings: AnalyzeSettings = {
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    trackersPath: options.trackersPath ?? null,
    hiddenLists: options.hiddenLists !== false,
    fileDigests: (options.indicators?.length ?? 0) > 0,
    ...(options.deviceIds && Object.keys(options.deviceIds).length ? { deviceIds: options.deviceIds } : {}),
    ...(usable.length && yaraCompiled ? { yaraSources: usable, yaraCompiled } : {}),
  };
  const key = analyzerKey(settings);
  const { files, diagnostics: inputDiagnostics } = expandInputs(options.inputs, options.cwd);
  const totalBytes = files.reduce((n, f) => n + f.size, 0);
  options.onProgress?.({ type: 'start', files: files.length, bytes: totalBytes });

  const results: FileResult[] = new Array(files.length);
  let done = 0;
  let doneBytes = 0;
  const finish = (i: number, result: FileResult, cached: boolean) => {
    results[i] = result;
    done++;
    doneBytes += files[i].size;
    options.onProgress?.({ type: 'file', done, files: files.length, bytes: doneBytes, path: files[i].logicalPath, cached });
  };

  const pending: number[] = [];
  for (let i = 0; i < files.length; i++) {
    const cached = options.store && !options.noCache ? await lookup(options.store, key, files[i]) : null;
    if (cached) finish(i, cached, true);
    else pending.push(i);
  }

  const jobs = Math.max(1, Math.min(options.jobs ?? 2, pending.length));
  const store = (i: number, r: FileResult) => {
    if (options.store && r.sha256) options.store.cacheResult(key, files[i].logicalPath, r);
    finish(i, r, false);
  };
  if (jobs === 1) {
    const ctx = pending.length > 0 ? buildContext(settings) : null;
    for (const i of pending) {
      if (ctx) store(i, analyzeFile(files[i].fsPath, files[i].logicalPath, ctx));
    }
  } else {
    const pool = new WorkerPool(jobs, settings);
    try {
      await Promise.all(
        pending.map(async (i) => {
          const outcome = await pool.run(files[i]);
          store(i, 'result' in outcome ? outcome.result : crashed(files[i], outcome.error));
        }),
      );
    } finally {
      await pool.close();
    }
  }

  const report: Report = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'candor', version: VERSION },
    scan: {
      id: options.scanId ?? randomUUID(),
      startedAt: startedAt.toISOString(),
      finishedAt: now().toISOString(),
      inputs: options.inputs,
      options: { trackers: options.trackersPath ?? 'builtin', jobs, hiddenLists: settings.hiddenLists, analyzerKey: key },
    },
    summary: { artefacts: 0, apps: 0, findings: emptyCounts(), diagnostics: 0, durationMs: 0 },
    artefacts: results.flatMap((r) => r.artefacts),
    apps: results.flatMap((r) => r.apps),
    findings: results.flatMap((r) => r.findings).sort(bySeverityThenPath),
    diagnostics: [...inputDiagnostics, ...yaraDiagnostics(yaraReport), ...results.flatMap((r) => r.diagnostics), ...(options.indicators ?? []).flatMap((s) => s.diagnostics)],
  };
  if (yaraReport.files.length) report.scan.options.yara = yaraReport.files;
  const destinations = results.flatMap((r) => r.destinations ?? []);
  if (destinations.length) {
    report.destinations = linkDestinations(destinations, report);
    const paths = new Map(report.artefacts.map((a) => [a.id, a.path]));
    report.findings.push(...transferFindings(report.destinations, (id) => paths.get(id) ?? id));
    report.findings.sort(bySeverityThenPath);
    report.scan.options.geolocation = `${GEO_ATTRIBUTION}; data built ${geoDataDate()}`;
  }
  if (options.indicators?.length) {
    report.findings.push(...matchIndicators(report, options.indicators));
    report.findings.sort(bySeverityThenPath);
    report.scan.options.indicators = options.indicators.map((s) => ({ source: s.source, indicators: s.indicators.length }));
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

function crashed(file: InputFile, error: string): FileResult {
  const d: Diagnostic = { level: 'error', code: 'internal/worker-failed', message: error.split('\n')[0], path: file.logicalPath };
  return { sha256: '', size: file.size, artefacts: [], apps: [], findings: [], diagnostics: [d] };
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
  return severityRank(b.severity) - severityRank(a.severity) || a.location.path.localeCompare(b.location.path) || a.detectorId.localeCompare(b.detectorId) || a.fingerprint.localeCompare(b.fingerprint);
}

/** The highest severity among findings, or null when there are none. */
export function maxSeverity(report: Report): Severity | null {
  let max: Severity | null = null;
  for (const f of report.findings) if (max === null || severityRank(f.severity) > severityRank(max)) max = f.severity;
  return max;
}

/** Adds to each destination the apps of the same scan whose code or resources name its host. */
function linkDestinations(destinations: NonNullable<Report['destinations']>, report: Report): NonNullable<Report['destinations']> {
  const appOf = new Map(report.apps.map((a) => [a.artefactId, a.package ?? a.path]));
  const hostApps = new Map<string, Set<string>>();
  for (const f of report.findings) {
    if (f.detectorId !== 'network/endpoints') continue;
    const host = (f.evidence as { host: string }).host;
    const app = appOf.get(f.artefactId);
    if (!app) continue;
    let s = hostApps.get(host);
    if (!s) hostApps.set(host, (s = new Set()));
    s.add(app);
  }
  return destinations.map((d) => ({ ...d, apps: [...new Set([...d.apps, ...(hostApps.get(d.host) ?? [])])] }));
}
