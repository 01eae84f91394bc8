import { severityRank, type Artefact, type Report } from '../model.js';
import type { IndicatorSet } from '../iocs/stix.js';
import { DETECTORS } from '../detectors/index.js';
import { runDetectorsOn } from '../detectors/runner.js';
import { buildFirmwareSummary, firmwareModel } from '../firmware/inventory.js';
import type { FirmwareWalk } from '../acquire/walk.js';

/**
 * The findings that need the whole scan: each firmware's (which apps it pre-installs, where its system
 * lists go), then the scan-level ones (transfers outside the EEA, indicators), which see every finding
 * before them.
 */

export function addFirmwareFindings(report: Report, firmwares: Array<{ artefact: Artefact; walk: FirmwareWalk }>) {
  const appsByPath = new Map(report.apps.map((a) => [a.path, a]));
  const summaries = firmwares.map((f) => buildFirmwareSummary(f.walk, f.artefact, appsByPath));
  report.firmware = summaries;
  // Each firmware's detectors fingerprint with the firmware's hash: the same app in another image is another finding.
  const models = summaries.flatMap((fw, i) => {
    const opened = firmwares[i];
    return opened ? [firmwareModel(fw, opened.artefact, report.findings, report.destinations ?? [])] : [];
  });
  for (const m of models) {
    const identity = { contentHash: () => m.artefact.sha256, pathOf: () => m.artefact.path };
    addFindings(report, runDetectorsOn(DETECTORS, 'firmware', [m], {}, identity));
  }
}

export function addScanFindings(report: Report, indicators: IndicatorSet[]): void {
  const hashes = new Map(report.artefacts.map((a) => [a.id, a.sha256]));
  const identity = { contentHash: (id: string) => hashes.get(id) ?? '', pathOf: () => '' };
  addFindings(report, runDetectorsOn(DETECTORS, 'scan', [{ report, indicators }], {}, identity));
}

function addFindings(report: Report, r: { findings: Report['findings']; diagnostics: Report['diagnostics'] }): void {
  if (!r.findings.length && !r.diagnostics.length) return;
  report.findings.push(...r.findings);
  report.findings.sort(bySeverityThenPath);
  report.diagnostics.push(...r.diagnostics);
}

/** The report's order of findings: most severe first, then by path, detector and fingerprint. */
export function bySeverityThenPath(a: Report['findings'][number], b: Report['findings'][number]): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    a.location.path.localeCompare(b.location.path) ||
    a.detectorId.localeCompare(b.detectorId) ||
    a.fingerprint.localeCompare(b.fingerprint)
  );
}
