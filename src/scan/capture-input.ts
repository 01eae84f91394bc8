import type { ByteSource } from '../io/byte-source.js';
import type { Destination } from '../model.js';
import { analyzeCapture } from '../capture/analyze-capture.js';
import { countryOf } from '../capture/geo.js';
import { analyzeHar } from '../capture/har.js';
import { trackersForHost } from '../trackers/trackers.js';
import type { AnalyzeContext, Digests } from './analyze-context.js';
import { emptyModel } from './apk-model.js';
import type { Collector } from './collector.js';
import { finishModel } from './model-pipeline.js';

/**
 * Traffic inputs (pcap, pcapng, HAR): their destinations with country and trackers, the capture detectors,
 * and the plaintext HTTP responses through the list detectors, since a blocklist fetched in clear is
 * found there.
 */

export function analyzeCaptureFile(
  src: ByteSource,
  path: string,
  parentId: string | null,
  digest: Digests,
  ctx: AnalyzeContext,
  out: Collector,
): void {
  const a = out.artefact('capture', path, parentId, digest);
  try {
    const cap = analyzeCapture(src, ctx.deviceIds ?? {}, ctx.limits.capture);
    out.detect(ctx, 'capture', { artefact: a, flows: cap.flows, harLeaks: [] }, path);
    for (const p of cap.problems) out.warn(p.code, p.message, path, a.id);
    // A header and nothing after it (a capture stopped at once, or cut short) is said, not left empty.
    if (cap.packets === 0) {
      const message = `no packet in ${src.size} bytes: the capture holds only its header or was cut short`;
      out.warn('capture/no-packets', message, path, a.id);
    }
    out.destinations.push(
      ...cap.destinations.map((d) =>
        withTrackers({ ...d, country: countryOf(d.ips[0] ?? d.host), artefactId: a.id }, ctx),
      ),
    );
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
}

export function analyzeHarFile(
  src: ByteSource,
  path: string,
  parentId: string | null,
  digest: Digests,
  ctx: AnalyzeContext,
  out: Collector,
): void {
  const a = out.artefact('capture', path, parentId, digest);
  if (src.size > ctx.limits.text.maxHarBytes) {
    const message = `HAR of ${src.size} bytes not parsed (limit text.maxHarBytes ${ctx.limits.text.maxHarBytes})`;
    out.warn('limit/har-bytes', message, path, a.id);
    return;
  }
  let har;
  try {
    har = analyzeHar(src.read(0, src.size).toString('utf8'), ctx.deviceIds ?? {}, ctx.limits.capture.maxHttpBodyBytes);
  } catch (err) {
    out.diag('error', err, path, a.id);
    return;
  }
  for (const p of har.problems) out.warn(p.code, p.message, path, a.id);
  out.destinations.push(
    ...har.destinations.map((d) => withTrackers({ ...d, country: countryOf(d.ips[0] ?? ''), artefactId: a.id }, ctx)),
  );
  out.detect(ctx, 'capture', { artefact: a, flows: [], harLeaks: har.leaks }, path);
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
