import { shortHash } from '../io/hash.js';
import type { Diagnostic, Finding, Location } from '../model.js';
import type { ApkModel, TextBlob } from '../scan/apk-model.js';
import type { Detector, DetectorContext, DetectorInput, Report } from './define.js';

/**
 * Runs every registered detector over an app and its text blobs, stamping each report with the
 * detector's id and version. A detector that throws becomes a diagnostic; the others still run.
 */
export function runDetectors(
  detectors: ReadonlyArray<Detector<DetectorInput>>,
  app: ApkModel,
  blobs: TextBlob[],
  ctx: DetectorContext,
  contentHash: (artefactId: string) => string,
): { findings: Finding[]; diagnostics: Diagnostic[] } {
  const findings: Finding[] = [];
  const diagnostics: Diagnostic[] = [];
  const run = (d: Detector<DetectorInput>, input: ApkModel | TextBlob, path: string) => {
    let reports: Report[];
    try {
      reports = (d.detect as (i: unknown, c: DetectorContext) => Report[])(input, ctx);
    } catch (err) {
      diagnostics.push({ level: 'error', code: 'detector/crashed', message: `${d.meta.id}: ${(err as Error).message}`, path });
      return;
    }
    for (const r of reports) findings.push(toFinding(d, r, contentHash(r.artefactId)));
  };
  for (const d of detectors) {
    if (d.meta.input === 'app') run(d, app, app.artefact.path);
    else for (const b of blobs) run(d, b, b.location.path);
  }
  return { findings, diagnostics };
}

export function formatMessage(template: string, data: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => (k in data ? String(data[k]) : `{{${k}}}`));
}

function toFinding(d: Detector<DetectorInput>, r: Report, artefactSha: string): Finding {
  const template = d.meta.messages[r.messageId];
  if (template === undefined) throw new Error(`${d.meta.id} reported unknown messageId ${r.messageId}`);
  return {
    detectorId: d.meta.id,
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
  };
}

function innerPath(loc: Location): string {
  const i = loc.path.indexOf('!/');
  return i < 0 ? '' : loc.path.slice(i);
}
