import {
  Type,
  type Static,
  type TInteger,
  type TNumber,
  type TObject,
  type TOptional,
  type TSchema,
  type TString,
} from '@sinclair/typebox';
import type { Confidence, Location, Severity } from '../model.js';
import type { Limits } from '../io/limits.js';
import type { Lexicon } from '../lexicon/lexicon.js';
import type { ImportedListIndex } from '../lexicon/imported-lists.js';
import type { ListModel } from '../lexicon/list-model.js';
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

/** Message data: named strings and numbers that fill a message template's `{{name}}` placeholders. */
export type DataSchema = TObject<
  Record<string, TString | TNumber | TInteger | TOptional<TString | TNumber | TInteger>>
>;

export interface DetectorMeta<
  K extends DetectorInput = DetectorInput,
  Id extends string = string,
  E extends TObject = TObject,
  D extends DataSchema = DataSchema,
> {
  /** Equals the detector's path under src/detectors, e.g. `censorship/keyword-list`. */
  id: Id;
  version: number;
  input: K;
  description: string;
  severity: Severity;
  confidence: Confidence;
  tags: string[];
  /** The evidence every finding of this detector carries (TypeBox: the type and the report schema). */
  evidence: E;
  /** The data its messages are filled with. */
  data: D;
  /** Message templates; `{{name}}` is replaced with `data.name`. */
  messages: Record<string, string>;
}

/** Evidence schemas are closed (a field they do not name fails validation) and may carry an excerpt. */
export function evidence<P extends Record<string, TSchema>>(props: P) {
  return Type.Object(
    { ...props, excerpt: Type.Optional(Type.String({ description: 'A short quote of what was found.' })) },
    { additionalProperties: false },
  );
}

export function messageData<
  P extends Record<string, TString | TNumber | TInteger | TOptional<TString | TNumber | TInteger>>,
>(props: P) {
  return Type.Object(props, { additionalProperties: false });
}

export interface DetectorContext {
  lexicon: Lexicon;
  trackers: TrackerSet;
  /** Benign background of the lexicon; the bundled one when absent (the evaluation fits one per fold). */
  listModel?: ListModel;
  /** Published lists the user imported into the store (`candor lexicon import`). */
  importedLists?: ImportedListIndex;
  /** The scan's limits (the defaults when absent): the code model's bounds come from `limits.code`. */
  limits?: Limits;
}

/** Scan-level detectors work from what the report already holds; they get no lexicon or tracker set. */
export type ContextFor<K extends DetectorInput> = K extends FileInput ? DetectorContext : Record<string, never>;

export interface Report<E = Record<string, unknown>, D = Record<string, string | number>> {
  messageId: string;
  data: D;
  artefactId: string;
  location: Location;
  evidence: E;
  severity?: Severity;
  confidence?: Confidence;
  tags?: string[];
  /** What makes this finding distinct within its artefact (host, permission, list offset...): feeds the fingerprint. */
  identity: string;
}

export interface Detector<
  K extends DetectorInput = DetectorInput,
  Id extends string = string,
  E extends TObject = TObject,
  D extends DataSchema = DataSchema,
> {
  meta: DetectorMeta<K, Id, E, D>;
  detect(input: DetectorInputs[K], ctx: ContextFor<K>): Array<Report<NoInfer<Static<E>>, NoInfer<Static<D>>>>;
}

/** Any registered detector, as the runner sees it. */
export type AnyDetector = Detector<DetectorInput, string, TObject, DataSchema>;

export function defineDetector<
  K extends DetectorInput,
  const Id extends string,
  E extends TObject,
  D extends DataSchema,
>(d: Detector<K, Id, E, D>): Detector<K, Id, E, D> {
  return d;
}

/** `evidence.related` as correlate/link.ts writes it: a finding of the same mechanism, and why. */
export const RelatedFinding = Type.Object(
  { detectorId: Type.String(), fingerprint: Type.String(), why: Type.String() },
  { additionalProperties: false },
);
/** `evidence.knownList`: the published mechanism (data/known-lists.json) this finding matches. */
export const KnownListRef = Type.Object(
  { id: Type.String(), name: Type.String(), vendor: Type.String(), source: Type.String() },
  { additionalProperties: false },
);

/**
 * What a detector with this evidence and message data reports. Detectors annotate `detect`'s return type
 * with it: the registry's types (and so `Finding`) are then known without reading detector bodies, which
 * themselves read findings.
 */
export type ReportOf<E extends TObject, D extends DataSchema> = Report<Static<E>, Static<D>>;
