import type { DetectorId } from '../detectors/evidence.js';
import { severityRank, type Confidence, type Finding, type Severity } from '../model.js';

/**
 * Roll-ups (a firmware's or an app's summary of its censorship findings) take the highest severity of
 * their parts and never raise it: a low profanity filter in a system app stays low in the firmware's
 * summary (issue 10 §4). They name each part: where the list lies, its kind and term count, and the code
 * that applies it, as far as the part's evidence (or a finding linked to it) says.
 */

export interface RolledUpPart {
  detectorId: string;
  fingerprint: string;
  severity: Severity;
  /** Logical path of the part (the list's entry, or the DEX of the code). */
  path: string;
  /** The list's kind (political, content-filter, services, unknown...), when the part is a list. */
  kind?: string;
  termCount?: number;
  /** Methods that load, match or refresh the list (`Lpkg/Class;->method`). */
  applyingCode: string[];
}

export interface RollUp {
  severity: Severity;
  confidence: Confidence;
  parts: RolledUpPart[];
  /** The most severe part (the first of equals, in the parts' order). */
  top: RolledUpPart;
}

const CONFIDENCE: Confidence[] = ['low', 'medium', 'high'];

export type CensorshipFinding = Finding<Extract<DetectorId, `censorship/${string}`>>;
export const isCensorship = (f: Finding): f is CensorshipFinding => f.detectorId.startsWith('censorship/');

/** `parts` are the findings rolled up; `context` are the findings they may be linked to (same app). */
export function rollUp(parts: CensorshipFinding[], context: Finding[]): RollUp | null {
  const [first] = parts;
  if (!first) return null;
  const byFingerprint = new Map(context.map((f) => [f.fingerprint, f]));
  const described = parts.map((f) => describe(f, byFingerprint));
  const severity = parts.reduce<Severity>(
    (s, f) => (severityRank(f.severity) > severityRank(s) ? f.severity : s),
    first.severity,
  );
  // The roll-up is as sure as the surest of its most severe parts, no surer.
  const atTop = parts.filter((f) => f.severity === severity);
  const topPart = atTop[0] ?? first; // atTop is never empty: severity is that of some part
  const confidence = atTop.reduce<Confidence>(
    (c, f) => (CONFIDENCE.indexOf(f.confidence) > CONFIDENCE.indexOf(c) ? f.confidence : c),
    topPart.confidence,
  );
  const top = described[parts.indexOf(topPart)] ?? describe(topPart, byFingerprint);
  return { severity, confidence, parts: described, top };
}

function describe(f: CensorshipFinding, byFingerprint: Map<string, Finding>): RolledUpPart {
  const code = new Set<string>();
  // A list held as constants of one method is applied (at least built) by that method.
  if (f.location.className && f.location.method) code.add(`${f.location.className}->${f.location.method}`);
  const part = { detectorId: f.detectorId, fingerprint: f.fingerprint, severity: f.severity, path: f.location.path };
  // The list's own evidence names the code that loads or matches with it, when the classifier found it.
  if (f.detectorId === 'censorship/keyword-list') f.evidence.applyingCode?.forEach((c) => code.add(c));
  if (f.detectorId === 'censorship/list-refresh') f.evidence.appliedBy.forEach((c) => code.add(c));
  if (f.detectorId === 'censorship/region-switch') f.evidence.listCode?.forEach((c) => code.add(c));
  // The code that refreshes a list says who reads it.
  for (const r of f.evidence.related ?? []) {
    const linked = byFingerprint.get(r.fingerprint);
    if (linked?.detectorId === 'censorship/list-refresh') linked.evidence.appliedBy.forEach((c) => code.add(c));
  }
  const applyingCode = [...code].slice(0, 20);
  if (f.detectorId === 'censorship/keyword-list')
    return { ...part, kind: f.evidence.kind, termCount: f.evidence.termCount, applyingCode };
  return { ...part, applyingCode };
}

/**
 * One line naming a part, its path relative to `within` (the app) when inside it:
 * `political list assets/words.txt (120 terms), applied by Lcom/a/F;->check`.
 */
export function partText(p: RolledUpPart, within: string): string {
  const what = p.kind ? `${p.kind} list` : p.detectorId;
  const where = p.path.startsWith(`${within}!/`) ? p.path.slice(within.length + 2) : p.path;
  const terms = p.termCount !== undefined ? ` (${p.termCount} terms)` : '';
  const code = p.applyingCode.length
    ? `, applied by ${p.applyingCode.slice(0, 2).join(', ')}${p.applyingCode.length > 2 ? '…' : ''}`
    : '';
  return `${what} ${where}${terms}${code}`;
}
