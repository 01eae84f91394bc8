import { BufferSource, type ByteSource } from '../io/byte-source.js';
import { sha256 } from '../io/hash.js';
import type { Limits } from '../io/limits.js';
import {
  readEntry,
  readZipDirectory,
  type InflateBudget,
  type ZipDirectory,
  type ZipEntry,
} from '../containers/zip.js';
import { hasElfMagic } from '../containers/sniff.js';
import { parseResourceTable, type ResourceTable } from '../formats/arsc.js';
import { isBinaryXml } from '../formats/axml.js';
import { decodeText } from '../formats/text.js';
import type { Artefact } from '../model.js';
import { digests, type AnalyzeContext, type Digests } from './analyze-context.js';
import { emptyModel, textBlob, type ApkModel } from './apk-model.js';
import { readSignatures } from './apk-signatures.js';
import { assetBlobs } from './asset-blobs.js';
import type { Collector } from './collector.js';
import { looksEncoded } from './derive-blobs.js';
import { finishModel } from './model-pipeline.js';
import { MAX_PART_WARNINGS, openDex, openElf, openManifest } from './open-parts.js';
import { isJoinedPiece, joinSplitPieces, splitGroups, takeAssetRead } from './split-pieces.js';

/**
 * Builds the model of an APK (or of any zip) from its entries: resources, manifest, signatures, DEX,
 * native libraries, nested apps and the assets that may hold lists; then runs it through the pipeline.
 */

export const DEX_ENTRY = /^classes\d*\.dex$/;
const NATIVE_ENTRY = /^lib\/[^/]+\/[^/]+\.so$/;
const NESTED_ARCHIVE = /\.(apk|jar)$/i;
// Media, fonts, models and compiled code: never a list, and costly to search. Other binary files (.bin,
// .dat, .db) stay candidates, since encrypted and compressed lists are binary.
const BINARY_EXTENSIONS = new RegExp(
  '\\.(png|jpe?g|gif|webp|bmp|ico|mp3|mp4|ogg|wav|m4a|aac|flac|webm|mkv|avi|ttf|otf|woff2?|' +
    'so|dex|odex|vdex|oat|arsc|class|9\\.png|pdf|tflite|pb|onnx|mov|3gp)$',
  'i',
);

/** Analyses a nested archive as a source of its own (the caller's dispatch, so the recursion stays in one place). */
export type AnalyzeNested = (src: ByteSource, path: string, parentId: string, digest: Digests, depth: number) => void;

/** One archive being read: where it is, its model, and how to read its entries. */
interface Archive {
  src: ByteSource;
  dir: ZipDirectory;
  path: string;
  a: Artefact;
  model: ApkModel;
  depth: number;
  read: (e: ZipEntry) => Buffer | null;
  ctx: AnalyzeContext;
  out: Collector;
}

export function analyzeArchive(
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
  nested: AnalyzeNested,
): void {
  const hasManifest = dir.byName.has('AndroidManifest.xml');
  const hasDex = [...dir.byName.keys()].some((n) => DEX_ENTRY.test(n));
  const a = out.artefact(hasManifest || hasDex ? (parentId ? 'nested-apk' : 'apk') : 'zip', path, parentId, digest);
  const model = emptyModel(a);
  model.hasManifest = hasManifest;
  model.zipAnomalies = dir.anomalies;
  model.prependedMagic = prependedMagic;
  for (const an of dir.anomalies) out.warn(an.code, an.message, an.entry ? `${path}!/${an.entry}` : path, a.id);
  const read = (e: ZipEntry): Buffer | null => {
    try {
      return readEntry(src, e, budget);
    } catch (err) {
      out.diag('error', err, `${path}!/${e.name}`, a.id);
      return null;
    }
  };
  const ar: Archive = { src, dir, path, a, model, depth, read, ctx, out };
  readAppMetadata(ar);
  const entries = [...dir.byName.values()];
  const groups = splitGroups(entries);
  for (const e of entries) {
    if (!e.name.endsWith('/')) readEntryInto(ar, e, groups, nested);
  }
  for (const [base, pieces] of groups) joinSplitPieces(base, pieces, read, path, a, model, ctx, out, depth);
  finishModel(model, ctx, out, hasManifest || model.dexes.length > 0);
}

/** Resources first (the manifest's labels refer to them), then the manifest and the signatures. */
function readAppMetadata(ar: Archive): void {
  const { dir, path, a, model, read, out } = ar;
  const arscEntry = dir.byName.get('resources.arsc');
  const arsc = arscEntry ? read(arscEntry) : null;
  if (arsc) model.resources = openResources(arsc, `${path}!/resources.arsc`, a.id, out);
  const manifestEntry = dir.byName.get('AndroidManifest.xml');
  if (manifestEntry)
    model.manifest = openManifest(read(manifestEntry), model.resources, `${path}!/AndroidManifest.xml`, a.id, out);
  readSignatures(ar.src, dir, model, read, path, out);
}

function openResources(bytes: Buffer, path: string, artefactId: string, out: Collector): ResourceTable | null {
  try {
    const resources = parseResourceTable(bytes);
    for (const w of resources.warnings.slice(0, MAX_PART_WARNINGS)) out.warn('arsc/warning', w, path, artefactId);
    return resources;
  } catch (err) {
    out.diag('error', err, path, artefactId);
    return null;
  }
}

/** One entry by what its name says it is: DEX, native library, nested app, or a possible list. */
function readEntryInto(ar: Archive, e: ZipEntry, groups: Map<string, ZipEntry[]>, nested: AnalyzeNested): void {
  if (DEX_ENTRY.test(e.name)) readDexEntry(ar, e);
  else if (NATIVE_ENTRY.test(e.name)) readNativeEntry(ar, e);
  else if (isJoinedPiece(groups, e))
    return; // read after the loop, joined with its sibling pieces
  else if (NESTED_ARCHIVE.test(e.name) || (/\.zip$/i.test(e.name) && holdsApp(ar.read, e, ar.ctx.limits)))
    readNestedEntry(ar, e, nested);
  else if (isTextCandidate(e, ar.ctx.limits)) readAssetEntry(ar, e);
}

function readDexEntry({ a, model, read, ctx, out, path }: Archive, e: ZipEntry): void {
  const bytes = read(e);
  if (!bytes) return;
  const childPath = `${path}!/${e.name}`;
  const child = out.artefact('dex', childPath, a.id, digests(bytes, ctx));
  out.yaraScan(ctx, child, { bytes });
  const dex = openDex(bytes, childPath, child, ctx, out);
  if (dex) model.dexes.push({ artefact: child, dex });
}

function readNativeEntry({ a, model, read, ctx, out, path }: Archive, e: ZipEntry): void {
  const bytes = read(e);
  if (!bytes) return;
  // A list saved under lib/ with a .so name (a game's resource, not code) is read as the text it is.
  const asText = hasElfMagic(bytes) ? null : decodeText(bytes);
  const child = out.artefact(asText ? 'text' : 'native-lib', `${path}!/${e.name}`, a.id, digests(bytes, ctx));
  out.yaraScan(ctx, child, { bytes });
  if (asText) model.texts.push(textBlob(child, asText.encoding, asText.text));
  else model.nativeLibs.push(openElf(bytes, child, out));
}

function readNestedEntry({ a, read, ctx, out, path, depth }: Archive, e: ZipEntry, nested: AnalyzeNested): void {
  const childPath = `${path}!/${e.name}`;
  const maxDepth = ctx.limits.zip.maxNestingDepth;
  if (depth + 1 > maxDepth) {
    const message = `archive nested deeper than ${maxDepth} levels (limit zip.maxNestingDepth) not opened`;
    out.warn('limit/nesting-depth', message, childPath, a.id);
    return;
  }
  const bytes = read(e);
  if (!bytes) return;
  try {
    nested(new BufferSource(bytes), childPath, a.id, digests(bytes, ctx), depth + 1);
    const inner = out.artefacts.find((x) => x.path === childPath);
    if (inner) out.yaraScan(ctx, inner, { bytes });
  } catch (err) {
    out.diag('error', err, childPath, a.id);
  }
}

function readAssetEntry({ a, model, read, ctx, out, path, depth }: Archive, e: ZipEntry): void {
  const bytes = read(e);
  if (!bytes || isBinaryXml(bytes)) return;
  const childPath = `${path}!/${e.name}`;
  const decoded = decodeText(bytes);
  const child = out.artefact(decoded ? 'text' : 'file', childPath, a.id, { sha256: sha256(bytes), size: bytes.length });
  out.yaraScan(ctx, child, { bytes });
  const formats = assetBlobs({ artefactId: child.id, path: childPath, chain: [] }, bytes, ctx.limits, depth);
  takeAssetRead(formats, model, out, a.id);
  if (formats.handled) return;
  if (decoded) model.texts.push(textBlob(child, decoded.encoding, decoded.text));
  // Anything that is not plain readable text may hide a list under an encoding.
  if (!decoded || looksEncoded(decoded.text))
    model.opaque.push({ artefactId: child.id, location: { path: childPath }, origin: 'entry', bytes });
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
