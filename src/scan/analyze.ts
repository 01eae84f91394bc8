import { createHash } from 'node:crypto';
import { BufferSource, FileSource, type ByteSource } from '../io/byte-source.js';
import { MalformedInputError, errorCode, errorMessage } from '../io/errors.js';
import { sha256, shortHash } from '../io/hash.js';
import type { Limits } from '../io/limits.js';
import { InflateBudget, readEntry, readZipDirectory, type ZipDirectory, type ZipEntry } from '../containers/zip.js';
import { parseResourceTable, type ResourceTable } from '../formats/arsc.js';
import { isBinaryXml, parseBinaryXml } from '../formats/axml.js';
import { DexFile } from '../formats/dex.js';
import { elfListStrings, elfPointerStrings, elfStrings, isElf, parseElf, type ElfInfo } from '../formats/elf.js';
import { readManifest, type Manifest } from '../formats/manifest.js';
import { blockSigners, presentSchemes, readSigningBlock, v1Signers } from '../formats/signing.js';
import { decodeText } from '../formats/text.js';
import type { LexiconHit } from '../lexicon/lexicon.js';
import {
  findingsOf,
  type App,
  type Artefact,
  type ArtefactKind,
  type Destination,
  type Diagnostic,
  type Finding,
  type Signer,
  type TrackerHit,
} from '../model.js';
import { analyzeCapture } from '../capture/analyze-capture.js';
import { captureFormat, headerlessStart } from '../capture/pcap.js';
import { countryOf } from '../capture/geo.js';
import { analyzeHar, looksLikeHar } from '../capture/har.js';
import { trackersForHost } from '../trackers/trackers.js';
import type { ContextFor, DetectorContext, DetectorInputs } from '../detectors/define.js';
import { DETECTORS } from '../detectors/index.js';
import { runDetectors, runDetectorsOn } from '../detectors/runner.js';
import { builtCodeModel } from '../code/model.js';
import { linkListFindings } from '../correlate/link.js';
import type { ApkModel, TextBlob } from './apk-model.js';
import { scanWithYara, type YaraRules } from '../yara/rules.js';
import { listUseSignal } from './list-use.js';
import type { UseSignal } from '../lexicon/classify.js';
import {
  clusterBlob,
  dexLongStringBlobs,
  dexMethodBlobs,
  dexOpaqueBlobs,
  looksEncoded,
  nativeRunBlobs,
  resourceBlobs,
} from './derive-blobs.js';
import { recoverHiddenText } from './hidden-text.js';
import { assetBlobs, type AssetRead } from './asset-blobs.js';

/**
 * Analyses one input file completely: opens containers, parses every part, runs the detectors, and
 * returns artefacts, apps, findings and diagnostics. Runs inside a worker thread; every failure of a
 * part becomes a diagnostic and the rest of the file is still analysed.
 */

export interface FileResult {
  sha256: string;
  size: number;
  artefacts: Artefact[];
  apps: App[];
  findings: Finding[];
  diagnostics: Diagnostic[];
  destinations?: Destination[];
}

const DEX_ENTRY = /^classes\d*\.dex$/;
const NATIVE_ENTRY = /^lib\/[^/]+\/[^/]+\.so$/;
const V1_SIGNATURE = /^META-INF\/[^/]+\.(RSA|DSA|EC)$/i;
const NESTED_ARCHIVE = /\.(apk|jar)$/i;
/** Pieces Unity splits a large serialized file into; the game joins them in order at run time. */
const SPLIT_PIECE = /^(.+\.assets)\.split(\d+)$/;
/** Names that promise a format text never is. */
const NAMED_FORMAT = /\.(apk|jar|zip|dex|odex|so|img|bin|pcap|pcapng|cap|har|br|gz|lz4|xz|zst)$/i;
// Media, fonts, models and compiled code: never a list, and costly to search. Other binary files (.bin,
// .dat, .db) stay candidates, since encrypted and compressed lists are binary.
const BINARY_EXTENSIONS =
  /\.(png|jpe?g|gif|webp|bmp|ico|mp3|mp4|ogg|wav|m4a|aac|flac|webm|mkv|avi|ttf|otf|woff2?|so|dex|odex|vdex|oat|arsc|class|9\.png|pdf|tflite|pb|onnx|mov|3gp)$/i;

export interface AnalyzeContext {
  limits: Limits;
  /** Run the decoding search for hidden lists; absent means yes. */
  hiddenLists?: boolean;
  /** Compiled YARA rules to run over every artefact. */
  yara?: YaraRules;
  /** Also compute MD5 and SHA-1 of files (indicators name files that way); SHA-256 is always computed. */
  fileDigests?: boolean;
  /** The audited device's own identifiers, to find in traffic also as hashes. */
  deviceIds?: Record<string, string>;
  detectors: DetectorContext;
  /** Told the file's digest as soon as it is known (the worker passes it on, so a file stopped later keeps it). */
  onDigest?: (digest: { sha256: string; size: number }) => void;
}

class Collector {
  readonly artefacts: Artefact[] = [];
  readonly apps: App[] = [];
  readonly findings: Finding[] = [];
  readonly diagnostics: Diagnostic[] = [];
  readonly hashes = new Map<string, string>();
  readonly destinations: Destination[] = [];
  readonly lexiconCache = new Map<string, LexiconHit[]>();

  artefact(
    kind: ArtefactKind,
    path: string,
    parentId: string | null,
    bytes: { sha256: string; size: number; sha1?: string; md5?: string },
  ): Artefact {
    const a: Artefact = {
      id: shortHash(path),
      parentId,
      kind,
      path,
      sha256: bytes.sha256,
      ...(bytes.sha1 ? { sha1: bytes.sha1, md5: bytes.md5 } : {}),
      size: bytes.size,
    };
    this.artefacts.push(a);
    this.hashes.set(a.id, a.sha256);
    return a;
  }

  /** Runs YARA over an artefact's bytes (or its file, for the top-level input) when rules are loaded. */
  yaraScan(ctx: AnalyzeContext, artefact: Artefact, target: { bytes?: Buffer; file?: string }): void {
    if (!ctx.yara?.compiled.length) return;
    const { matches, errors } = scanWithYara(ctx.yara, target, artefact);
    this.diagnostics.push(...errors);
    if (matches.length) this.detect(ctx, 'yara-matches', { artefact, matches }, artefact.path);
  }

  /** Runs the detectors of one input kind that is seen once per file (a capture, YARA matches). */
  detect<K extends 'capture' | 'yara-matches'>(
    ctx: AnalyzeContext,
    kind: K,
    input: DetectorInputs[K],
    path: string,
  ): void {
    const r = runDetectorsOn(DETECTORS, kind, [input], ctx.detectors as ContextFor<K>, {
      contentHash: (id) => this.hashes.get(id) ?? '',
      pathOf: () => path,
    });
    this.findings.push(...r.findings);
    this.diagnostics.push(...r.diagnostics);
  }

  diag(level: Diagnostic['level'], err: unknown, path: string, artefactId?: string): void {
    this.diagnostics.push({
      level,
      code: errorCode(err),
      message: errorMessage(err),
      path,
      ...(artefactId ? { artefactId } : {}),
    });
  }
}

export function analyzeFile(fsPath: string, logicalPath: string, ctx: AnalyzeContext): FileResult {
  let src: ByteSource;
  try {
    src = new FileSource(fsPath);
  } catch (err) {
    return failedResult(logicalPath, 0, 'io/unreadable', errorMessage(err));
  }
  return analyzeOpened(src, logicalPath, ctx, { file: fsPath });
}

/** The result of a file that could not be analysed at all: one error diagnostic. */
export function failedResult(path: string, size: number, code: string, message: string): FileResult {
  return {
    sha256: '',
    size,
    artefacts: [],
    apps: [],
    findings: [],
    diagnostics: [{ level: 'error', code, message, path }],
  };
}

/** Analyses bytes already in memory: a file read out of a firmware image. */
export function analyzeBytes(bytes: Buffer, logicalPath: string, ctx: AnalyzeContext): FileResult {
  return analyzeOpened(new BufferSource(bytes), logicalPath, ctx, { bytes });
}

function analyzeOpened(
  src: ByteSource,
  logicalPath: string,
  ctx: AnalyzeContext,
  yaraTarget: { bytes?: Buffer; file?: string },
): FileResult {
  const out = new Collector();
  try {
    const digest = hashSource(src, ctx.fileDigests === true);
    ctx.onDigest?.({ sha256: digest.sha256, size: digest.size });
    try {
      analyzeSource(src, logicalPath, null, digest, 0, new InflateBudget(ctx.limits), ctx, out);
    } catch (err) {
      // The last net: whatever escaped a part's own handling is a diagnostic, and what was found stays.
      out.diag('error', err, logicalPath, out.artefacts[0]?.id);
    }
    if (out.artefacts[0]) out.yaraScan(ctx, out.artefacts[0], yaraTarget);
    // Apps are recorded when their analysis ends, so nested ones come first; list them outer first.
    const order = new Map(out.artefacts.map((a, i) => [a.id, i]));
    out.apps.sort((a, b) => (order.get(a.artefactId) ?? 0) - (order.get(b.artefactId) ?? 0));
    return {
      sha256: digest.sha256,
      size: src.size,
      artefacts: out.artefacts,
      apps: out.apps,
      findings: out.findings,
      diagnostics: out.diagnostics,
      ...(out.destinations.length ? { destinations: out.destinations } : {}),
    };
  } finally {
    src.close();
  }
}

interface Digests {
  sha256: string;
  sha1?: string;
  md5?: string;
  size: number;
}

function hashSource(src: ByteSource, all: boolean): Digests {
  const hs = (all ? ['sha256', 'sha1', 'md5'] : ['sha256']).map((a) => createHash(a));
  const chunk = 4 * 1024 * 1024;
  for (let off = 0; off < src.size; off += chunk) {
    const part = src.read(off, Math.min(chunk, src.size - off));
    for (const h of hs) h.update(part);
  }
  const [s256, s1, m5] = hs.map((h) => h.digest('hex'));
  return all ? { sha256: s256, sha1: s1, md5: m5, size: src.size } : { sha256: s256, size: src.size };
}

function digests(bytes: Buffer, ctx: AnalyzeContext): Digests {
  if (!ctx.fileDigests) return { sha256: sha256(bytes), size: bytes.length };
  return {
    sha256: sha256(bytes),
    sha1: createHash('sha1').update(bytes).digest('hex'),
    md5: createHash('md5').update(bytes).digest('hex'),
    size: bytes.length,
  };
}

function analyzeSource(
  src: ByteSource,
  path: string,
  parentId: string | null,
  digest: Digests,
  depth: number,
  budget: InflateBudget,
  ctx: AnalyzeContext,
  out: Collector,
): void {
  const head = src.read(0, Math.min(8, src.size));
  // A .pcap whose header was lost (a capture cut from a crashed device) is still read, as pcapfix would.
  if (captureFormat(head) || (/\.(pcap|cap)$/i.test(path) && headerlessStart(src) !== null)) {
    const a = out.artefact('capture', path, parentId, digest);
    try {
      const cap = analyzeCapture(src, ctx.deviceIds ?? {}, ctx.limits.capture);
      out.detect(ctx, 'capture', { artefact: a, flows: cap.flows, harLeaks: [] }, path);
      for (const p of cap.problems)
        out.diagnostics.push({ level: 'warning', code: p.code, message: p.message, path, artefactId: a.id });
      // A header and nothing after it (a capture stopped at once, or cut short) is said, not left empty.
      if (cap.packets === 0)
        out.diagnostics.push({
          level: 'warning',
          code: 'capture/no-packets',
          message: `no packet in ${src.size} bytes: the capture holds only its header or was cut short`,
          path,
          artefactId: a.id,
        });
      out.destinations.push(
        ...cap.destinations.map((d) =>
          withTrackers({ ...d, country: countryOf(d.ips[0] ?? d.host), artefactId: a.id }, ctx),
        ),
      );
      // Plaintext HTTP responses go through the list detectors: a blocklist fetched in clear is found here.
      const model = emptyModel(a);
      for (const r of cap.responses) {
        model.texts.push({
          artefactId: a.id,
          location: { path, entry: `http://${r.host}${r.path}`, frame: r.frame },
          encoding: 'utf-8',
          encodings: r.encodings,
          origin: 'entry',
          text: r.text,
        });
      }
      if (model.texts.length) finishModel(model, ctx, out, false, 'text-blob');
    } catch (err) {
      out.diag('error', err, path, a.id);
    }
    return;
  }
  if (head[0] === 0x7b || head[0] === 0x20 || head[0] === 0x0a || head[0] === 0xef) {
    const start = src.read(0, Math.min(src.size, 512)).toString('utf8');
    if (looksLikeHar(start)) {
      if (src.size <= ctx.limits.text.maxHarBytes) analyzeHarFile(src, path, parentId, digest, ctx, out);
      else {
        const a = out.artefact('capture', path, parentId, digest);
        out.diagnostics.push({
          level: 'warning',
          code: 'limit/har-bytes',
          message: `HAR of ${src.size} bytes not parsed (limit text.maxHarBytes ${ctx.limits.text.maxHarBytes})`,
          path,
          artefactId: a.id,
        });
      }
      return;
    }
  }
  const startsWithDex = head.length >= 4 && head.toString('latin1', 0, 4) === 'dex\n';
  let dir: ZipDirectory | null = null;
  let zipError: unknown = null;
  if (!startsWithDex || src.size > 0x70) {
    try {
      dir = readZipDirectory(src, ctx.limits);
    } catch (err) {
      zipError = err;
    }
  }
  const isZipMagic = head.length >= 4 && head.readUInt32LE(0) === 0x04034b50;
  if (dir && dir.entries.length > 0) {
    analyzeArchive(src, dir, path, parentId, digest, depth, budget, ctx, out, startsWithDex ? 'dex' : null);
    return;
  }
  if (isZipMagic) {
    const a = out.artefact('zip', path, parentId, digest);
    out.diag('error', zipError ?? new MalformedInputError('zip/empty', 'archive has no entries'), path, a.id);
    return;
  }
  const bytes = src.read(0, src.size);
  if (startsWithDex) {
    const a = out.artefact('dex', path, parentId, digest);
    const dex = openDex(bytes, path, a, ctx, out);
    const model = emptyModel(a);
    if (dex) model.dexes.push({ artefact: a, dex });
    finishModel(model, ctx, out, true);
    return;
  }
  if (isElf(bytes)) {
    const a = out.artefact('native-lib', path, parentId, digest);
    const model = emptyModel(a);
    model.nativeLibs.push(openElf(bytes, a, out));
    finishModel(model, ctx, out, false);
    return;
  }
  const decoded = bytes.length <= ctx.limits.text.maxBytes ? decodeText(bytes) : null;
  if (decoded) {
    const a = out.artefact('text', path, parentId, digest);
    const named = NAMED_FORMAT.exec(path);
    if (named) {
      // Read as text, but named as a binary format (or a HAR): most likely a file cut short, and never silent.
      out.diagnostics.push({
        level: 'warning',
        code: 'input/format-mismatch',
        message: `named .${named[1]} but its ${bytes.length} bytes are not that format (cut short or mislabelled); read as text`,
        path,
        artefactId: a.id,
      });
    }
    const model = emptyModel(a);
    model.texts.push(textBlob(a, decoded.encoding, decoded.text));
    finishModel(model, ctx, out, false);
    return;
  }
  const a = out.artefact('file', path, parentId, digest);
  out.diagnostics.push({
    level: 'warning',
    code: 'input/unknown-format',
    message: 'not an APK, DEX, ELF, zip or text file',
    path,
    artefactId: a.id,
  });
}

function analyzeHarFile(
  src: ByteSource,
  path: string,
  parentId: string | null,
  digest: Digests,
  ctx: AnalyzeContext,
  out: Collector,
): void {
  const a = out.artefact('capture', path, parentId, digest);
  let har;
  try {
    har = analyzeHar(src.read(0, src.size).toString('utf8'), ctx.deviceIds ?? {}, ctx.limits.capture.maxHttpBodyBytes);
  } catch (err) {
    out.diag('error', err, path, a.id);
    return;
  }
  for (const p of har.problems)
    out.diagnostics.push({ level: 'warning', code: p.code, message: p.message, path, artefactId: a.id });
  out.destinations.push(
    ...har.destinations.map((d) => withTrackers({ ...d, country: countryOf(d.ips[0] ?? ''), artefactId: a.id }, ctx)),
  );
  out.detect(ctx, 'capture', { artefact: a, flows: [], harLeaks: har.leaks }, path);
  // Response bodies go through the same list detectors as assets: a blocklist fetched in clear is found here.
  const model = emptyModel(a);
  for (const r of har.responses)
    model.texts.push({
      artefactId: a.id,
      location: { path, entry: r.url, line: r.entry },
      encoding: 'utf-8',
      encodings: [],
      origin: 'entry',
      text: r.text,
    });
  finishModel(model, ctx, out, false, 'text-blob');
}

function withTrackers(d: Destination, ctx: AnalyzeContext): Destination {
  const trackers = d.nameSource === 'ip' ? [] : trackersForHost(ctx.detectors.trackers, d.host);
  return trackers.length ? { ...d, trackers } : d;
}

function emptyModel(artefact: Artefact): ApkModel {
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

function textBlob(a: Artefact, encoding: string, text: string): TextBlob {
  return { artefactId: a.id, location: { path: a.path }, encoding, encodings: [], origin: 'entry', text };
}

function analyzeArchive(
  src: ByteSource,
  dir: ZipDirectory,
  path: string,
  parentId: string | null,
  digest: Digests,
  depth: number,
  budget: InflateBudget,
  ctx: AnalyzeContext,
  out: Collector,
  prependedMagic: string | null,
): void {
  const hasManifest = dir.byName.has('AndroidManifest.xml');
  const hasDex = [...dir.byName.keys()].some((n) => DEX_ENTRY.test(n));
  const a = out.artefact(hasManifest || hasDex ? (parentId ? 'nested-apk' : 'apk') : 'zip', path, parentId, digest);
  const model = emptyModel(a);
  model.hasManifest = hasManifest;
  model.zipAnomalies = dir.anomalies;
  model.prependedMagic = prependedMagic;
  for (const an of dir.anomalies) {
    out.diagnostics.push({
      level: 'warning',
      code: an.code,
      message: an.message,
      path: an.entry ? `${path}!/${an.entry}` : path,
      artefactId: a.id,
    });
  }
  const read = (e: ZipEntry): Buffer | null => {
    try {
      return readEntry(src, e, budget);
    } catch (err) {
      out.diag('error', err, `${path}!/${e.name}`, a.id);
      return null;
    }
  };
  const entries = [...dir.byName.values()];
  const arscEntry = dir.byName.get('resources.arsc');
  if (arscEntry) {
    const bytes = read(arscEntry);
    if (bytes) {
      try {
        model.resources = parseResourceTable(bytes);
        for (const w of model.resources.warnings.slice(0, 20))
          out.diagnostics.push({
            level: 'warning',
            code: 'arsc/warning',
            message: w,
            path: `${path}!/resources.arsc`,
            artefactId: a.id,
          });
      } catch (err) {
        out.diag('error', err, `${path}!/resources.arsc`, a.id);
      }
    }
  }
  const manifestEntry = dir.byName.get('AndroidManifest.xml');
  if (manifestEntry)
    model.manifest = openManifest(read(manifestEntry), model.resources, `${path}!/AndroidManifest.xml`, a.id, out);
  readSignatures(src, dir, model, read, path, out);
  const splitGroups = new Map<string, ZipEntry[]>();
  for (const e of entries) {
    const m = SPLIT_PIECE.exec(e.name);
    if (!m) continue;
    const g = splitGroups.get(m[1]) ?? [];
    g.push(e);
    splitGroups.set(m[1], g);
  }
  // A single piece is read on its own (its strings are scanned); only several pieces are joined.
  for (const [base, g] of splitGroups) if (g.length < 2) splitGroups.delete(base);
  for (const e of entries) {
    if (e.name.endsWith('/')) continue;
    const childPath = `${path}!/${e.name}`;
    if (DEX_ENTRY.test(e.name)) {
      const bytes = read(e);
      if (!bytes) continue;
      const child = out.artefact('dex', childPath, a.id, digests(bytes, ctx));
      out.yaraScan(ctx, child, { bytes });
      const dex = openDex(bytes, childPath, child, ctx, out);
      if (dex) model.dexes.push({ artefact: child, dex });
    } else if (NATIVE_ENTRY.test(e.name)) {
      const bytes = read(e);
      if (!bytes) continue;
      // A list saved under lib/ with a .so name (a game's resource, not code) is read as the text it is.
      const asText = isElf(bytes) ? null : decodeText(bytes);
      const child = out.artefact(asText ? 'text' : 'native-lib', childPath, a.id, digests(bytes, ctx));
      out.yaraScan(ctx, child, { bytes });
      if (asText) model.texts.push(textBlob(child, asText.encoding, asText.text));
      else model.nativeLibs.push(openElf(bytes, child, out));
    } else if (splitGroups.get(e.name.replace(SPLIT_PIECE, '$1'))?.includes(e)) {
      continue; // read below, joined with its sibling pieces
    } else if (NESTED_ARCHIVE.test(e.name) || (/\.zip$/i.test(e.name) && holdsApp(read, e, ctx.limits))) {
      if (depth + 1 > ctx.limits.zip.maxNestingDepth) {
        out.diagnostics.push({
          level: 'warning',
          code: 'limit/nesting-depth',
          message: `archive nested deeper than ${ctx.limits.zip.maxNestingDepth} levels (limit zip.maxNestingDepth) not opened`,
          path: childPath,
          artefactId: a.id,
        });
        continue;
      }
      const bytes = read(e);
      if (!bytes) continue;
      try {
        analyzeSource(new BufferSource(bytes), childPath, a.id, digests(bytes, ctx), depth + 1, budget, ctx, out);
        const nested = out.artefacts.find((x) => x.path === childPath);
        if (nested) out.yaraScan(ctx, nested, { bytes });
      } catch (err) {
        out.diag('error', err, childPath, a.id);
      }
    } else if (isTextCandidate(e, ctx.limits)) {
      const bytes = read(e);
      if (!bytes || isBinaryXml(bytes)) continue;
      const decoded = decodeText(bytes);
      const child = out.artefact(decoded ? 'text' : 'file', childPath, a.id, {
        sha256: sha256(bytes),
        size: bytes.length,
      });
      out.yaraScan(ctx, child, { bytes });
      const formats = assetBlobs({ artefactId: child.id, path: childPath, chain: [] }, bytes, ctx.limits, depth);
      takeAssetRead(formats, model, out, a.id);
      if (formats.handled) continue;
      if (decoded) model.texts.push(textBlob(child, decoded.encoding, decoded.text));
      // Anything that is not plain readable text may hide a list under an encoding.
      if (!decoded || looksEncoded(decoded.text))
        model.opaque.push({ artefactId: child.id, location: { path: childPath }, origin: 'entry', bytes });
    }
  }
  for (const [base, pieces] of splitGroups) joinSplitPieces(base, pieces, read, path, a, model, ctx, out, depth);
  finishModel(model, ctx, out, hasManifest || model.dexes.length > 0);
}

function takeAssetRead(r: AssetRead, model: ApkModel, out: Collector, artefactId: string): void {
  model.texts.push(...r.blobs);
  for (const p of r.problems.slice(0, 20))
    out.diagnostics.push({ level: 'warning', code: p.code, message: p.message, path: p.path, artefactId });
}

/** Joins `x.assets.split0..N` in numeric order, as Unity's player does, and reads the whole file. */
function joinSplitPieces(
  base: string,
  pieces: ZipEntry[],
  read: (e: ZipEntry) => Buffer | null,
  path: string,
  a: Artefact,
  model: ApkModel,
  ctx: AnalyzeContext,
  out: Collector,
  depth: number,
): void {
  const ordered = [...pieces].sort(
    (x, y) => Number(SPLIT_PIECE.exec(x.name)![2]) - Number(SPLIT_PIECE.exec(y.name)![2]),
  );
  const total = ordered.reduce((n, e) => n + e.uncompressedSize, 0);
  const joinedPath = `${path}!/${base}`;
  if (total > ctx.limits.assets.maxOutputBytes) {
    out.diagnostics.push({
      level: 'warning',
      code: 'limit/unity-split',
      message: `${ordered.length} split pieces of ${total} bytes exceed ${ctx.limits.assets.maxOutputBytes}`,
      path: joinedPath,
      artefactId: a.id,
    });
    return;
  }
  const parts: Buffer[] = [];
  for (const e of ordered) {
    const b = read(e);
    if (!b) return;
    parts.push(b);
  }
  const bytes = Buffer.concat(parts);
  const child = out.artefact('file', joinedPath, a.id, { sha256: sha256(bytes), size: bytes.length });
  const r = assetBlobs({ artefactId: child.id, path: joinedPath, chain: ['unity-split'] }, bytes, ctx.limits, depth);
  takeAssetRead(r, model, out, a.id);
}

/** A .zip asset holding a manifest or DEX is an app or plugin, analysed as one; other zips are read as assets. */
function holdsApp(read: (e: ZipEntry) => Buffer | null, e: ZipEntry, limits: Limits): boolean {
  const bytes = read(e);
  if (!bytes) return false;
  try {
    const dir = readZipDirectory(new BufferSource(bytes), limits);
    return [...dir.byName.keys()].some((n) => n === 'AndroidManifest.xml' || DEX_ENTRY.test(n));
  } catch {
    return false;
  }
}

function isTextCandidate(e: ZipEntry, limits: Limits): boolean {
  if (e.uncompressedSize > limits.text.maxBytes || e.uncompressedSize === 0) return false;
  if (e.name.startsWith('META-INF/') || BINARY_EXTENSIONS.test(e.name)) return false;
  // Compiled resources are binary XML or images; only res/raw keeps files as the developer wrote them.
  if (e.name.startsWith('res/') && !e.name.startsWith('res/raw/') && !e.name.startsWith('res/raw-')) return false;
  return true;
}

function openManifest(
  bytes: Buffer | null,
  resources: ResourceTable | null,
  path: string,
  artefactId: string,
  out: Collector,
): Manifest | null {
  if (!bytes) return null;
  try {
    const xml = parseBinaryXml(bytes);
    for (const w of xml.warnings.slice(0, 20))
      out.diagnostics.push({ level: 'warning', code: 'axml/warning', message: w, path, artefactId });
    if (!xml.root) throw new MalformedInputError('axml/no-root', 'manifest has no root element');
    return readManifest(xml.root, resources);
  } catch (err) {
    out.diag('error', err, path, artefactId);
    return null;
  }
}

function readSignatures(
  src: ByteSource,
  dir: ZipDirectory,
  model: ApkModel,
  read: (e: ZipEntry) => Buffer | null,
  path: string,
  out: Collector,
): void {
  const signers: Signer[] = [];
  const schemes = new Set<string>();
  for (const e of dir.byName.values()) {
    if (!V1_SIGNATURE.test(e.name)) continue;
    // The JAR verifier only honours a signature block whose signature file (same base name, .SF) exists.
    if (!dir.byName.has(e.name.replace(/\.[^.]+$/, '.SF'))) {
      out.diagnostics.push({
        level: 'warning',
        code: 'apksig/orphan-signature-block',
        message: 'signature block without a matching .SF file is ignored',
        path: `${path}!/${e.name}`,
        artefactId: model.artefact.id,
      });
      continue;
    }
    const bytes = read(e);
    if (!bytes) continue;
    try {
      const problems: MalformedInputError[] = [];
      signers.push(...v1Signers(bytes, problems));
      schemes.add('v1');
      for (const p of problems) out.diag('warning', p, `${path}!/${e.name}`, model.artefact.id);
    } catch (err) {
      out.diag('warning', err, `${path}!/${e.name}`, model.artefact.id);
    }
  }
  try {
    const pairs = readSigningBlock(src, dir.centralDirectoryOffset);
    for (const s of presentSchemes(pairs)) schemes.add(s);
    const problems: MalformedInputError[] = [];
    if (pairs) signers.push(...blockSigners(pairs, problems));
    for (const p of problems) out.diag('warning', p, `${path} (APK Signing Block)`, model.artefact.id);
  } catch (err) {
    out.diag('warning', err, `${path} (APK Signing Block)`, model.artefact.id);
  }
  model.signers = signers;
  model.signatureSchemes = [...schemes].sort();
}

function openDex(bytes: Buffer, path: string, a: Artefact, ctx: AnalyzeContext, out: Collector): DexFile | null {
  try {
    const dex = new DexFile(bytes, ctx.limits);
    return dex;
  } catch (err) {
    out.diag('error', err, path, a.id);
    return null;
  }
}

function openElf(bytes: Buffer, a: Artefact, out: Collector): ApkModel['nativeLibs'][number] {
  let elf: ElfInfo | null = null;
  try {
    elf = parseElf(bytes);
  } catch (err) {
    out.diag('warning', err, a.path, a.id);
  }
  // Pointer tables first: where one holds a list, it has the list's own order and its tail-merged entries.
  return {
    artefact: a,
    elf,
    strings: elfStrings(bytes, elf),
    ...(elf ? { listStrings: [...elfPointerStrings(bytes, elf), ...elfListStrings(bytes, elf)] } : {}),
  };
}

/** Tells each list candidate which app it belongs to and how to find the code that uses it. */
function attachAppContext(model: ApkModel, blobs: TextBlob[]): void {
  const pkg = model.manifest?.package;
  for (const b of blobs) {
    if (pkg) b.appPackage = pkg;
    let memo: UseSignal | null | undefined;
    b.use = () => (memo === undefined ? (memo = listUseSignal(model, b)) : memo);
  }
}

/** Derives list candidates, runs the detectors and records the app. */
function finishModel(model: ApkModel, ctx: AnalyzeContext, out: Collector, isApp: boolean, only?: 'text-blob'): void {
  const lexicon = ctx.detectors.lexicon;
  // A .NET heap holds every literal of the program: only the stretches that look like lists are candidates.
  const blobs: TextBlob[] = model.texts.flatMap((t) =>
    /^dotnet-/.test(t.encodings.at(-1) ?? '') ? clusterBlob(t, lexicon, out.lexiconCache) : [t],
  );
  if (model.resources) blobs.push(...resourceBlobs(model.artefact, model.resources));
  for (const { artefact, dex } of model.dexes) {
    try {
      blobs.push(...dexMethodBlobs(artefact, dex, lexicon, out.lexiconCache), ...dexLongStringBlobs(artefact, dex));
      if (dex.xrefs().badBodies > 0)
        out.diagnostics.push({
          level: 'warning',
          code: 'dex/bad-code',
          message: `${dex.xrefs().badBodies} method bodies lie outside the file`,
          path: artefact.path,
          artefactId: artefact.id,
        });
    } catch (err) {
      out.diag('error', err, artefact.path, artefact.id);
    }
  }
  for (const lib of model.nativeLibs) {
    blobs.push(...nativeRunBlobs(lib.artefact, lib.listStrings ?? lib.strings, lexicon, out.lexiconCache));
    for (const s of lib.strings) {
      if (s.text.length >= 24 && looksEncoded(s.text))
        model.opaque.push({
          artefactId: lib.artefact.id,
          location: { path: lib.artefact.path, offset: s.offset },
          origin: 'native-strings',
          bytes: Buffer.from(s.text),
        });
    }
  }
  for (const { artefact, dex } of model.dexes) model.opaque.push(...dexOpaqueBlobs(artefact, dex));
  if (model.opaque.length > 0 && ctx.hiddenLists !== false) {
    const recovered = recoverHiddenText(model, ctx, out);
    model.recoveredPaths = [...new Set(recovered.map((b) => b.location.path))];
    blobs.push(...recovered);
  }
  attachAppContext(model, blobs);
  const detectors = only ? DETECTORS.filter((d) => d.meta.input === only) : DETECTORS;
  const { findings, diagnostics } = runDetectors(
    detectors,
    model,
    blobs,
    ctx.detectors,
    (id) => out.hashes.get(id) ?? '',
  );
  linkListFindings(findings);
  out.findings.push(...findings);
  out.diagnostics.push(...diagnostics);
  // Bounds the code model hit while the detectors queried it (dispatch fan-out, value-analysis budget, path visits).
  for (const d of builtCodeModel(model)?.diagnostics ?? [])
    out.diagnostics.push({
      level: 'warning',
      code: d.code,
      message: d.message,
      path: model.artefact.path,
      artefactId: model.artefact.id,
    });
  for (const { artefact, dex } of model.dexes) {
    for (const w of dex.warnings.slice(0, 20))
      out.diagnostics.push({
        level: 'warning',
        code: 'dex/warning',
        message: w,
        path: artefact.path,
        artefactId: artefact.id,
      });
  }
  if (isApp) out.apps.push(toApp(model, findings));
}

function toApp(model: ApkModel, findings: Finding[]): App {
  const m = model.manifest;
  const trackers: TrackerHit[] = findingsOf(findings, 'trackers/code-signature')
    .filter((f) => f.artefactId === model.artefact.id)
    .map(({ evidence: e }) => {
      return {
        id: e.trackerId,
        name: e.name,
        source: e.source,
        categories: e.categories,
        ...(e.website ? { website: e.website } : {}),
        matchedClasses: e.matchedClasses,
        matchedClassCount: e.matchedClassCount,
      };
    });
  return {
    artefactId: model.artefact.id,
    path: model.artefact.path,
    package: m?.package ?? null,
    versionCode: m?.versionCode ?? null,
    versionName: m?.versionName ?? null,
    label: m?.label ?? null,
    minSdk: m?.minSdk ?? null,
    targetSdk: m?.targetSdk ?? null,
    sharedUserId: m?.sharedUserId ?? null,
    permissions: m?.permissions ?? [],
    declaredPermissions: m?.declaredPermissions ?? [],
    components: m?.components ?? [],
    signers: model.signers,
    signatureSchemes: model.signatureSchemes,
    trackers,
    dexCount: model.dexes.length,
    classCount: model.dexes.reduce((n, d) => n + d.dex.classDefs.length, 0),
    methodCount: model.dexes.reduce((n, d) => n + d.dex.methodCount, 0),
    stringCount: model.dexes.reduce((n, d) => n + d.dex.stringCount, 0),
    nativeLibs: model.nativeLibs.map((l) => l.artefact.path.slice(l.artefact.path.lastIndexOf('!/') + 2)),
  };
}
