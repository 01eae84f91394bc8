import { appKeyCandidates } from '../decode/app-keys.js';
import { dexKeyContext, digestKeys, keysNearName, type DigestBase } from '../decode/keys.js';
import { searchDecodings, type CipherBudget, type LimitHit } from '../decode/search.js';
import { splitList } from '../lexicon/list-structure.js';
import type { Lexicon, LexiconHit } from '../lexicon/lexicon.js';
import type { ApkModel, TextBlob } from './apk-model.js';
import type { AnalyzeContext } from './analyze-context.js';

/**
 * Runs the decoding search over an app's opaque blobs, with the keys its code carries, and returns the
 * hidden texts that turned out to be lists, each tagged with its decoding chain and key origin.
 */

export function recoverHiddenText(
  model: ApkModel,
  ctx: AnalyzeContext,
  out: {
    lexiconCache: Map<string, LexiconHit[]>;
    diagnostics: { level: 'warning' | 'error'; code: string; message: string; path: string }[];
  },
): TextBlob[] {
  const dexes = model.dexes.map((d) => d.dex);
  let keyCtxCache: ReturnType<typeof dexKeyContext> | null = null;
  const keyCtx = () => {
    if (keyCtxCache) return keyCtxCache;
    const base = dexKeyContext(dexes, {
      packageName: model.manifest?.package,
      maxIterations: ctx.limits.assets.maxKeyDerivationIterations,
    });
    // Keys kept in string resources or native libraries come after the code's own constants.
    return (keyCtxCache = { ...base, keys: [...base.keys, ...appKeyCandidates(model)] });
  };
  const accept = (text: string) => isListLike(text, ctx.detectors.lexicon, out.lexiconCache);
  const blobs: TextBlob[] = [];
  const shared: CipherBudget = { cipher: 0 };
  // Caps for one app: how many blobs are searched, and how many decryptions all searches may try.
  const d = ctx.limits.decode;
  const MAX_BLOBS = d.maxBlobsPerApp;
  const limits = {
    maxDepth: d.maxDepth,
    maxNodes: d.maxNodes,
    maxBytes: d.maxBytes,
    maxOutput: d.maxOutput,
    maxCipherAttempts: d.maxCipherAttemptsPerApp,
  };
  const candidates = model.opaque.slice(0, MAX_BLOBS);
  if (model.opaque.length > MAX_BLOBS) {
    out.diagnostics.push({
      level: 'warning',
      code: 'limit/decode-blobs',
      message:
        `${model.opaque.length - MAX_BLOBS} encoded-looking blobs were not searched ` +
        `(limit decode.maxBlobsPerApp ${MAX_BLOBS})`,
      path: model.artefact.path,
    });
  }
  for (const blob of candidates) {
    // Keys from the code that opens this very file come first.
    const nearConstants =
      blob.origin === 'entry'
        ? keysNearName(dexes, blob.location.path.slice(blob.location.path.lastIndexOf('/') + 1))
        : [];
    // The code that opens the file may hash one of its constants into the key.
    const near = nearConstants.length ? [...nearConstants, ...digestKeys(textBases(nearConstants))] : [];
    const ctxForBlob = near.length
      ? () => {
          const base = keyCtx();
          return {
            ...base,
            keys: [...near, ...base.keys],
            ivs: [...near.filter((k) => k.bytes.length === 8 || k.bytes.length === 16), ...base.ivs],
          };
        }
      : keyCtx;
    const hits: LimitHit[] = [];
    const found = searchDecodings(blob.bytes, ctxForBlob, accept, limits, shared, hits);
    // A bomb or a budget spent is said once per blob and limit, so a report never covers less in silence.
    const path = blob.location.path + (blob.location.offset !== undefined ? ` @${blob.location.offset}` : '');
    for (const code of new Set(hits.map((h) => h.code))) {
      const first = hits.find((h) => h.code === code) as LimitHit;
      out.diagnostics.push({ level: 'warning', code, message: first.message, path });
    }
    for (const r of found) {
      blobs.push({
        artefactId: blob.artefactId,
        location: blob.location,
        encoding: r.textEncoding,
        // A text encoding other than UTF-8 is part of how the list was hidden (YY: Base64 of UTF-16).
        encodings: /^utf-16|gb18030|big5/.test(r.textEncoding) ? [...r.chain, r.textEncoding] : r.chain,
        origin: blob.origin,
        text: r.text,
        ...(r.keyOrigin ? { keyOrigin: r.keyOrigin } : {}),
      });
    }
  }
  return blobs;
}

function textBases(keys: Array<{ bytes: Uint8Array; origin: string }>): DigestBase[] {
  const out: DigestBase[] = [];
  for (const k of keys) {
    const text = Buffer.from(k.bytes).toString('utf8');
    if (/^[\x20-\x7e]{4,88}$/.test(text) && !out.some((b) => b.text === text))
      out.push({ text, origin: `"${text}" in ${k.origin}` });
  }
  return out;
}

/** A decoded text is worth reporting when it is a list with several lexicon hits, or a long CJK list. */
function isListLike(text: string, lexicon: Lexicon, cache: Map<string, LexiconHit[]>): boolean {
  const split = splitList(text);
  if (!split) return false;
  let hits = 0;
  let cjk = 0;
  for (const e of split.entries.slice(0, 5000)) {
    let h = cache.get(e);
    if (!h) {
      h = lexicon.match(e);
      cache.set(e, h);
    }
    if (h.length > 0) hits++;
    if (/[\u3400-\u9fff]/.test(e)) cjk++;
    if (hits >= 3) return true;
  }
  return split.entries.length >= 50 && cjk / split.entries.length >= 0.6;
}
