import type { Confidence, Location, Severity } from '../model.js';
import type { Lexicon } from '../lexicon/lexicon.js';
import type { ListModel } from '../lexicon/list-model.js';
import type { TrackerSet } from '../trackers/trackers.js';
import type { ApkModel, TextBlob } from '../scan/apk-model.js';

/**
 * The shape of a detector: metadata plus a pure function over one model (the ESLint rule model). The
 * runner stamps each report with the detector's id and version and turns it into a Finding.
 */

export interface DetectorInputs {
  app: ApkModel;
  'text-blob': TextBlob;
}
export type DetectorInput = keyof DetectorInputs;

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
  /** Benign background of the lexicon; the bundled one when absent (the evaluation fits one per fold). */
  listModel?: ListModel;
}

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
  detect(input: DetectorInputs[K], ctx: DetectorContext): Report[];
}

export function defineDetector<K extends DetectorInput>(d: Detector<K>): Detector<K> {
  return d;
}
