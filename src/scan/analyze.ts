import { BufferSource, FileSource, type ByteSource } from '../io/byte-source.js';
import { MalformedInputError, errorMessage } from '../io/errors.js';
import { InflateBudget, readZipDirectory, type ZipDirectory } from '../containers/zip.js';
import { hasDexMagic, hasElfMagic, hasZipMagic, headOf, isCapture, isHar } from '../containers/sniff.js';
import { decodeText } from '../formats/text.js';
import { failedResult, hashSource, type AnalyzeContext, type Digests, type FileResult } from './analyze-context.js';
import { emptyModel, textBlob } from './apk-model.js';
import { analyzeArchive } from './apk-assembly.js';
import { analyzeCaptureFile, analyzeHarFile } from './capture-input.js';
import { Collector } from './collector.js';
import { finishModel } from './model-pipeline.js';
import { openDex, openElf } from './open-parts.js';

export { failedResult, type AnalyzeContext, type FileResult } from './analyze-context.js';

/**
 * Analyses one input file completely: tells its format from its content (`containers/sniff.ts`), opens
 * containers, builds the model of each app or blob, runs it through the pipeline (`model-pipeline.ts`) and
 * returns artefacts, apps, findings and diagnostics. Runs inside a worker thread; every failure of a part
 * becomes a diagnostic and the rest of the file is still analysed.
 */

/** Names that promise a format text never is. */
const NAMED_FORMAT = /\.(apk|jar|zip|dex|odex|so|img|bin|pcap|pcapng|cap|har|br|gz|lz4|xz|zst)$/i;
/** A DEX header is 0x70 bytes: a longer file that starts with one may still be a zip behind it (Janus). */
const DEX_HEADER_BYTES = 0x70;

export function analyzeFile(fsPath: string, logicalPath: string, ctx: AnalyzeContext): FileResult {
  let src: ByteSource;
  try {
    src = new FileSource(fsPath);
  } catch (err) {
    return failedResult(logicalPath, 0, 'io/unreadable', errorMessage(err));
  }
  return analyzeOpened(src, logicalPath, ctx, { file: fsPath });
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

/** One source by its content: capture, HAR, zip (an APK or not), DEX, ELF, text, or an unknown file. */
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
  const head = headOf(src, 8);
  if (isCapture(src, head, path)) return analyzeCaptureFile(src, path, parentId, digest, ctx, out);
  if (isHar(src, head)) return analyzeHarFile(src, path, parentId, digest, ctx, out);
  const startsWithDex = hasDexMagic(head);
  let dir: ZipDirectory | null = null;
  let zipError: unknown = null;
  if (!startsWithDex || src.size > DEX_HEADER_BYTES) {
    try {
      dir = readZipDirectory(src, ctx.limits);
    } catch (err) {
      zipError = err;
    }
  }
  if (dir && dir.entries.length > 0) {
    const nested = (s: ByteSource, p: string, parent: string, d: Digests, level: number) =>
      analyzeSource(s, p, parent, d, level, budget, ctx, out);
    const prepended = startsWithDex ? 'dex' : null;
    return analyzeArchive(src, dir, path, parentId, digest, depth, budget, ctx, out, prepended, nested);
  }
  if (hasZipMagic(head)) {
    const a = out.artefact('zip', path, parentId, digest);
    out.diag('error', zipError ?? new MalformedInputError('zip/empty', 'archive has no entries'), path, a.id);
    return;
  }
  analyzeLooseFile(src.read(0, src.size), startsWithDex, path, parentId, digest, ctx, out);
}

/** A file that is no container: a bare DEX, an ELF library, text, or something Candor does not read. */
function analyzeLooseFile(
  bytes: Buffer,
  startsWithDex: boolean,
  path: string,
  parentId: string | null,
  digest: Digests,
  ctx: AnalyzeContext,
  out: Collector,
): void {
  if (startsWithDex) {
    const a = out.artefact('dex', path, parentId, digest);
    const dex = openDex(bytes, path, a, ctx, out);
    const model = emptyModel(a);
    if (dex) model.dexes.push({ artefact: a, dex });
    return finishModel(model, ctx, out, true);
  }
  if (hasElfMagic(bytes)) {
    const a = out.artefact('native-lib', path, parentId, digest);
    const model = emptyModel(a);
    model.nativeLibs.push(openElf(bytes, a, out));
    return finishModel(model, ctx, out, false);
  }
  const decoded = bytes.length <= ctx.limits.text.maxBytes ? decodeText(bytes) : null;
  if (!decoded) {
    const a = out.artefact('file', path, parentId, digest);
    out.warn('input/unknown-format', 'not an APK, DEX, ELF, zip or text file', path, a.id);
    return;
  }
  const a = out.artefact('text', path, parentId, digest);
  const named = NAMED_FORMAT.exec(path);
  if (named) {
    // Read as text, but named as a binary format (or a HAR): most likely a file cut short, and never silent.
    const message =
      `named .${named[1] ?? ''} but its ${bytes.length} bytes are not that format ` +
      '(cut short or mislabelled); read as text';
    out.warn('input/format-mismatch', message, path, a.id);
  }
  const model = emptyModel(a);
  model.texts.push(textBlob(a, decoded.encoding, decoded.text));
  finishModel(model, ctx, out, false);
}
