import type { ZipAnomaly } from '../containers/zip.js';
import type { ResourceTable } from '../formats/arsc.js';
import type { DexFile } from '../formats/dex.js';
import type { ElfInfo, ExtractedString } from '../formats/elf.js';
import type { Manifest } from '../formats/manifest.js';
import type { UseSignal } from '../lexicon/classify.js';
import type { Artefact, Location, Signer } from '../model.js';

/** One app as the detectors see it: every part parsed, each tied to the artefact it came from. */
export interface ApkModel {
  artefact: Artefact;
  /** False for a bare DEX or a zip without a manifest (e.g. a multidex fragment). */
  hasManifest: boolean;
  manifest: Manifest | null;
  resources: ResourceTable | null;
  signers: Signer[];
  signatureSchemes: string[];
  dexes: Array<{ artefact: Artefact; dex: DexFile }>;
  nativeLibs: Array<{
    artefact: Artefact;
    elf: ElfInfo | null;
    strings: ExtractedString[];
    /** NUL-terminated string-table entries down to one character, UTF-8 or GBK: what a keyword table holds. */
    listStrings?: ExtractedString[];
  }>;
  texts: TextBlob[];
  /** Entries, DEX strings, byte arrays and native strings that may hide text under an encoding. */
  opaque: OpaqueBlob[];
  /** Paths of opaque blobs the decoding search turned into text (set before the detectors run). */
  recoveredPaths?: string[];
  zipAnomalies: ZipAnomaly[];
  /** Bytes before the first zip entry; non-zero with a DEX magic there is the Janus pattern. */
  prependedMagic: string | null;
}

/** Text a keyword-list detector can read, with where it came from and how it was decoded. */
export interface TextBlob {
  artefactId: string;
  location: Location;
  /** Character encoding of the text as found (utf-8, utf-16le, gb18030...). */
  encoding: string;
  /** Decodings applied to reach the text, outermost first; [] when the text was stored plainly. */
  encodings: string[];
  origin: 'entry' | 'dex-method' | 'dex-string' | 'dex-array' | 'native-strings';
  text: string;
  /** Entries already known from the container (string constants of one method, adjacent native strings). */
  entries?: string[];
  /** Where the key that decrypted this text came from, when one was used. */
  keyOrigin?: string;
  /** The package of the app the text belongs to: its vendor's own brand is no competitor. */
  appPackage?: string;
  /** The code that loads and applies the text (computed on demand, once): see scan/list-use.ts. */
  use?: () => UseSignal | null;
}

/** Bytes that are not readable text as stored: candidates for the decoding search. */
export interface OpaqueBlob {
  artefactId: string;
  location: Location;
  origin: TextBlob['origin'];
  bytes: Uint8Array;
}

/** A model with nothing parsed yet, for an artefact whose parts are about to be added. */
export function emptyModel(artefact: Artefact): ApkModel {
  return {
    artefact,
    hasManifest: false,
    manifest: null,
    resources: null,
    signers: [],
    signatureSchemes: [],
    dexes: [],
    nativeLibs: [],
    texts: [],
    opaque: [],
    zipAnomalies: [],
    prependedMagic: null,
  };
}

/** A whole artefact's text, stored plainly. */
export function textBlob(a: Artefact, encoding: string, text: string): TextBlob {
  return { artefactId: a.id, location: { path: a.path }, encoding, encodings: [], origin: 'entry', text };
}
