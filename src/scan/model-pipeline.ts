import { DETECTORS } from '../detectors/index.js';
import { runDetectors } from '../detectors/runner.js';
import { builtCodeModel } from '../code/model.js';
import { linkListFindings } from '../correlate/link.js';
import type { UseSignal } from '../lexicon/classify.js';
import type { AnalyzeContext } from './analyze-context.js';
import type { ApkModel, TextBlob } from './apk-model.js';
import { toApp } from './app-record.js';
import type { Collector } from './collector.js';
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
import { listUseSignal } from './list-use.js';
import { MAX_PART_WARNINGS } from './open-parts.js';

/**
 * The sequence every model goes through once its parts are parsed: derive list candidates (blobs), search
 * the opaque ones for hidden text (decode), run the detectors (detect), tie list findings to the code that
 * uses them (link), then record the app.
 */
export function finishModel(
  model: ApkModel,
  ctx: AnalyzeContext,
  out: Collector,
  isApp: boolean,
  only?: 'text-blob',
): void {
  const blobs = deriveBlobs(model, ctx, out);
  if (model.opaque.length > 0 && ctx.hiddenLists !== false) {
    const recovered = recoverHiddenText(model, ctx, out);
    model.recoveredPaths = [...new Set(recovered.map((b) => b.location.path))];
    blobs.push(...recovered);
  }
  attachAppContext(model, blobs);
  const detectors = only ? DETECTORS.filter((d) => d.meta.input === only) : DETECTORS;
  const hashOf = (id: string) => out.hashes.get(id) ?? '';
  const { findings, diagnostics } = runDetectors(detectors, model, blobs, ctx.detectors, hashOf);
  linkListFindings(findings);
  out.findings.push(...findings);
  out.diagnostics.push(...diagnostics);
  reportModelBounds(model, out);
  if (isApp) out.apps.push(toApp(model, findings));
}

/** List candidates from every part, and the opaque native strings that may hide one. */
function deriveBlobs(model: ApkModel, ctx: AnalyzeContext, out: Collector): TextBlob[] {
  const lexicon = ctx.detectors.lexicon;
  // A .NET heap holds every literal of the program: only the stretches that look like lists are candidates.
  const blobs: TextBlob[] = model.texts.flatMap((t) =>
    /^dotnet-/.test(t.encodings.at(-1) ?? '') ? clusterBlob(t, lexicon, out.lexiconCache) : [t],
  );
  if (model.resources) blobs.push(...resourceBlobs(model.artefact, model.resources));
  for (const { artefact, dex } of model.dexes) {
    try {
      blobs.push(...dexMethodBlobs(artefact, dex, lexicon, out.lexiconCache), ...dexLongStringBlobs(artefact, dex));
      const bad = dex.xrefs().badBodies;
      if (bad > 0) out.warn('dex/bad-code', `${bad} method bodies lie outside the file`, artefact.path, artefact.id);
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
  return blobs;
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

/** The bounds the code model and the DEX parser hit while the detectors queried them, as warnings. */
function reportModelBounds(model: ApkModel, out: Collector): void {
  // Dispatch fan-out, value-analysis budget, path visits.
  for (const d of builtCodeModel(model)?.diagnostics ?? [])
    out.warn(d.code, d.message, model.artefact.path, model.artefact.id);
  for (const { artefact, dex } of model.dexes)
    for (const w of dex.warnings.slice(0, MAX_PART_WARNINGS)) out.warn('dex/warning', w, artefact.path, artefact.id);
}
