import { shortHash } from '../io/hash.js';
import type { Diagnostic, Finding, Location } from '../model.js';
import type { ApkModel, TextBlob } from '../scan/apk-model.js';
import type { ContextFor, Detector, DetectorContext, DetectorInput, DetectorInputs, Report } from './define.js';

/**
 * Runs registered detectors over their inputs, stamping each report with the detector's id, version,
 * message and fingerprint. A detector that throws becomes a diagnostic; the others still run.
 */

export interface RunResult {
  findings: Finding[];
  diagnostics: Diagnostic[];
}

export interface RunOptions<K extends DetectorInput> {
  /** SHA-256 of an artefact's content: the fingerprint is content-addressed. */
  contentHash: (artefactId: string) => string;
  /** Logical path an input's crash diagnostic names. */
  pathOf: (input: DetectorInputs[K]) => string;
}

/** Runs every detector registered for input kind `kind` over each of `inputs`. */
export function runDetectorsOn<K extends DetectorInput>(
  detectors: ReadonlyArray<Detector<DetectorInput>>,
  kind: K,
  inputs: ReadonlyArray<DetectorInputs[K]>,
  ctx: ContextFor<K>,
  options: RunOptions<K>,
): RunResult {
  const out: RunResult = { findings: [], diagnostics: [] };
  for (const d of detectors) {
    if (d.meta.input !== kind) continue;
    for (const input of inputs) runOne(d as unknown as Detector<K>, input, ctx, options, out);
  }
  return out;
}

function runOne<K extends DetectorInput>(
  d: Detector<K>,
  input: DetectorInputs[K],
  ctx: ContextFor<K>,
  o: RunOptions<K>,
  out: RunResult,
): void {
  let reports: Report[];
  try {
    reports = d.detect(input, ctx);
  } catch (err) {
    out.diagnostics.push({
      level: 'error',
      code: 'detector/crashed',
      message: `${d.meta.id}: ${(err as Error).message}`,
      path: o.pathOf(input),
    });
    return;
  }
  for (const r of reports) out.findings.push(toFinding(d, r, o.contentHash(r.artefactId)));
}

/** Runs the app detectors over an app and the text detectors over its text blobs. */
export function runDetectors(
  detectors: ReadonlyArray<Detector<DetectorInput>>,
  app: ApkModel,
  blobs: TextBlob[],
  ctx: DetectorContext,
  contentHash: (artefactId: string) => string,
): RunResult {
  const onApp = runDetectorsOn(detectors, 'app', [app], ctx, { contentHash, pathOf: (a) => a.artefact.path });
  const onBlobs = runDetectorsOn(detectors, 'text-blob', blobs, ctx, { contentHash, pathOf: (b) => b.location.path });
  // Keep the registry's order (a detector's findings over the app, then over each blob), as before.
  const order = new Map(detectors.map((d, i) => [d.meta.id, i]));
  const findings = [...onApp.findings, ...onBlobs.findings];
  findings.sort((a, b) => (order.get(a.detectorId) ?? 0) - (order.get(b.detectorId) ?? 0));
  return { findings, diagnostics: [...onApp.diagnostics, ...onBlobs.diagnostics] };
}

export function formatMessage(template: string, data: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => (k in data ? String(data[k]) : `{{${k}}}`));
}

export function toFinding<K extends DetectorInput>(d: Detector<K>, r: Report, artefactSha: string): Finding {
  const template = d.meta.messages[r.messageId];
  if (template === undefined) throw new Error(`${d.meta.id} reported unknown messageId ${r.messageId}`);
  // The one place a finding is formed: the detector's typed report, stamped under the detector's own id.
  return {
    detectorId: d.meta.id as Finding['detectorId'],
    detectorVersion: d.meta.version,
    messageId: r.messageId,
    severity: r.severity ?? d.meta.severity,
    confidence: r.confidence ?? d.meta.confidence,
    tags: r.tags ?? d.meta.tags,
    message: formatMessage(template, r.data),
    artefactId: r.artefactId,
    location: r.location,
    evidence: r.evidence,
    // Content-addressed: the same finding in the same bytes has the same fingerprint wherever the file lies.
    fingerprint: shortHash(`${d.meta.id}|${artefactSha}|${innerPath(r.location)}|${r.identity}`, 32),
  } as Finding;
}

function innerPath(loc: Location): string {
  const i = loc.path.indexOf('!/');
  return i < 0 ? '' : loc.path.slice(i);
}
