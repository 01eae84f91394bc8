import { REPORT_SCHEMA_VERSION, SEVERITIES, severityRank, type Report, type Severity } from '../model.js';
import { VERSION } from '../version.js';
import { bySeverityThenPath } from '../correlate/report-findings.js';
import type { FileResult } from './analyze-context.js';
import type { OpenedFirmware } from '../acquire/firmware-inputs.js';

/** The parts of a report known once every file is analysed, before the scan-wide correlation. */
export interface ReportParts {
  scan: Report['scan'];
  firmwares: OpenedFirmware[];
  results: FileResult[];
  /** Diagnostics of the scan itself, before the files' own (inputs, firmware walks, rules, libraries). */
  leadingDiagnostics: Report['diagnostics'];
  trailingDiagnostics: Report['diagnostics'];
}

export function assembleReport(p: ReportParts): Report {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'candor', version: VERSION },
    scan: p.scan,
    summary: { artefacts: 0, apps: 0, findings: emptyCounts(), diagnostics: 0, durationMs: 0 },
    artefacts: [...p.firmwares.map((f) => f.artefact), ...p.results.flatMap((r) => r.artefacts)],
    apps: p.results.flatMap((r) => r.apps),
    findings: p.results.flatMap((r) => r.findings).sort(bySeverityThenPath),
    diagnostics: [...p.leadingDiagnostics, ...p.results.flatMap((r) => r.diagnostics), ...p.trailingDiagnostics],
  };
}

export function summarize(report: Report, durationMs: number): Report['summary'] {
  return {
    artefacts: report.artefacts.length,
    apps: report.apps.length,
    findings: countBySeverity(report.findings.map((f) => f.severity)),
    diagnostics: report.diagnostics.length,
    durationMs: Math.round(durationMs),
  };
}

function emptyCounts(): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
}

function countBySeverity(list: Severity[]): Record<Severity, number> {
  const c = emptyCounts();
  for (const s of list) c[s]++;
  return c;
}

/** The highest severity among findings, or null when there are none. */
export function maxSeverity(report: Report): Severity | null {
  let max: Severity | null = null;
  for (const f of report.findings) if (max === null || severityRank(f.severity) > severityRank(max)) max = f.severity;
  return max;
}
