import type { Confidence, Location, Severity } from '../model.js';
import type { Lexicon } from '../lexicon/lexicon.js';
import type { TrackerSet } from '../trackers/trackers.js';
import type { ApkModel, TextBlob } from '../scan/apk-model.js';
import type { CaptureModel, FirmwareModel, ScanModel, YaraScan } from './models.js';

/**
 * The shape of a detector: metadata plus a pure function over one model (the ESLint rule model). The
 * runner stamps each report with the detector's id and version and turns it into a Finding.
 */

export interface DetectorInputs {
  /** One app (or bare DEX / native library / text file), every part parsed. */
  app: ApkModel;
  /** One piece of text a list could hide in. */
  'text-blob': TextBlob;
  /** The flows and HAR exchanges of one traffic capture. */
  capture: CaptureModel;
  /** What the loaded YARA rules matched in one artefact. */
  'yara-matches': YaraScan;
  /** One firmware, its inventory and the findings of its apps (scan-level correlation). */
  firmware: FirmwareModel;
  /** The whole report so far: destinations, artefacts, apps and findings of every input (scan-level). */
  scan: ScanModel;
}
export type DetectorInput = keyof DetectorInputs;

/** Inputs seen during the analysis of one file, where the lexicon and tracker set are at hand. */
export type FileInput = 'app' | 'text-blob' | 'capture' | 'yara-matches';

export interface DetectorMeta<K extends DetectorInput = DetectorInput> {
  /** Equals the detector's path under src/detectors, e.g. `censorship/keyword-list`. */
  id: string;
  version: number;
  input: K;
  description: string;
  severity: Severity;
  confidence: Confidence;
  tags: string[];
  /** Message templates; `{{name}}` is replaced with `data.name`. */
  messages: Record<string, string>;
}

export interface DetectorContext {
  lexicon: Lexicon;
  trackers: TrackerSet;
}

/** Scan-level detectors work from what the report already holds; they get no lexicon or tracker set. */
export type ContextFor<K extends DetectorInput> = K extends FileInput ? DetectorContext : Record<string, never>;

export interface Report {
  messageId: string;
  data: Record<string, string | number>;
  artefactId: string;
  location: Location;
  evidence: Record<string, unknown> & { excerpt?: string };
  severity?: Severity;
  confidence?: Confidence;
  tags?: string[];
  /** What makes this finding distinct within its artefact (host, permission, list offset...): feeds the fingerprint. */
  identity: string;
}

export interface Detector<K extends DetectorInput = DetectorInput> {
  meta: DetectorMeta<K>;
  detect(input: DetectorInputs[K], ctx: ContextFor<K>): Report[];
}

export function defineDetector<K extends DetectorInput>(d: Detector<K>): Detector<K> {
  return d;
}
