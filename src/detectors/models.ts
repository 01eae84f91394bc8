import type { Flow } from '../capture/capture-model.js';
import type { Leak } from '../capture/leaks.js';
import type { IndicatorSet } from '../iocs/stix.js';
import type { Artefact, Destination, Finding, FirmwareSummary, PreinstalledApp, Report } from '../model.js';

/** The models of the inputs that are not an app or a text blob (see DetectorInputs in define.ts). */

/** A leak found in one HAR request, with the request it came from. */
export type HarLeak = Leak & { host: string; entry: number; scheme: string };

export interface CaptureModel {
  artefact: Artefact;
  /** Flows of a pcap/pcapng capture; [] for a HAR file. */
  flows: Flow[];
  /** Leaks in the requests of a HAR file; [] for a packet capture. */
  harLeaks: HarLeak[];
}

/** One YARA rule that matched, as the engine reported it (matched bytes already made printable). */
export interface YaraRuleMatch {
  rule: string;
  ruleFile: string;
  tags: string[];
  meta: Record<string, unknown>;
  matches: Array<{ identifier: string; offset: number; length: number; data: string }>;
}

export interface YaraScan {
  artefact: Pick<Artefact, 'id' | 'path' | 'sha256'>;
  matches: YaraRuleMatch[];
}

export interface FirmwareModel {
  artefact: Artefact;
  summary: FirmwareSummary;
  /** Every finding of the scan that lies inside one of the firmware's apps (nested parts included), by app. */
  appFindings: Map<string, Finding[]>;
  /** Destinations of any capture in the same scan: they place hard-coded hosts in a country. */
  destinations: Destination[];
}

/** Apps of a firmware with their findings, in inventory order. */
export function appsWithFindings(fw: FirmwareModel): Array<{ app: PreinstalledApp; findings: Finding[] }> {
  return fw.summary.apps.map((app) => ({ app, findings: fw.appFindings.get(app.artefactId) ?? [] }));
}

export interface ScanModel {
  /** The report as assembled so far (findings of every file and of the firmware roll-ups). */
  report: Report;
  /** STIX indicator sets given to the scan. */
  indicators: IndicatorSet[];
}
