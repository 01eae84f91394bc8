import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { DEFAULT_LIMITS } from '../../io/limits.js';

/**
 * HTTP/1.x responses from the server's side of a plaintext stream: status, headers, and bodies delimited
 * by Content-Length or chunked transfer coding, decoded from gzip, deflate or brotli, each bounded by
 * capture.maxHttpBodyBytes. A body over it is read up to the limit (a compressed one is skipped) and
 * `cut` hears of it, so the caller can say which limit cut what.
 */

export function parseHttpResponses(
  stream: Buffer,
  max = 50,
  MAX_BODY = DEFAULT_LIMITS.capture.maxHttpBodyBytes,
  cut: (message: string) => void = () => {},
): Array<{ contentType: string; text: string; encodings: string[] }> {
  const out: Array<{ contentType: string; text: string; encodings: string[] }> = [];
  let p = 0;
  while (p < stream.length && out.length < max) {
    const headEnd = stream.indexOf('\r\n\r\n', p);
    if (headEnd < 0) break;
    const head = stream.toString('latin1', p, headEnd);
    if (!/^HTTP\/1\.[01] \d{3}/.test(head)) break;
    const header = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'im').exec(head)?.[1]?.trim();
    let body: Buffer;
    let next: number;
    const start = headEnd + 4;
    if (/chunked/i.test(header('transfer-encoding') ?? '')) {
      const parts: Buffer[] = [];
      let q = start;
      let total = 0;
      for (;;) {
        const lineEnd = stream.indexOf('\r\n', q);
        if (lineEnd < 0) break;
        const size = parseInt(stream.toString('latin1', q, lineEnd).split(';')[0] ?? '', 16);
        if (!Number.isFinite(size) || size < 0) break;
        q = lineEnd + 2;
        if (size === 0) {
          const trailerEnd = stream.indexOf('\r\n', q);
          q = trailerEnd < 0 ? stream.length : trailerEnd + 2;
          break;
        }
        total += size;
        if (total > MAX_BODY) {
          cut(`a chunked body passes ${MAX_BODY} bytes; the chunks past the limit are not read`);
          break;
        }
        parts.push(stream.subarray(q, Math.min(stream.length, q + size)));
        q += size + 2;
        if (q > stream.length) break;
      }
      body = Buffer.concat(parts);
      next = q;
    } else {
      const len = Number(header('content-length') ?? NaN);
      if (len > MAX_BODY) cut(`a body of ${len} bytes (Content-Length) is read up to the limit`);
      const end = Number.isFinite(len) ? Math.min(stream.length, start + Math.min(len, MAX_BODY)) : stream.length;
      body = stream.subarray(start, end);
      next = end;
    }
    const coding = (header('content-encoding') ?? '').toLowerCase();
    const encodings: string[] = [];
    try {
      const opts = { maxOutputLength: MAX_BODY };
      if (coding === 'gzip' || coding === 'x-gzip') {
        body = gunzipSync(body, opts);
        encodings.push('gzip');
      } else if (coding === 'deflate') {
        try {
          body = inflateSync(body, opts);
        } catch {
          body = inflateRawSync(body, opts);
        }
        encodings.push('deflate');
      } else if (coding === 'br') {
        body = brotliDecompressSync(body, opts);
        encodings.push('brotli');
      }
    } catch (err) {
      // A body cut short by the capture or over the limit is skipped, not reported half-decoded.
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
        cut(`a ${coding} body decodes past the limit and is skipped`);
      p = next;
      continue;
    }
    const contentType = header('content-type') ?? '';
    if (body.length && !/^(image|video|audio|font)\//i.test(contentType))
      out.push({ contentType, text: body.toString('utf8'), encodings });
    p = next;
  }
  return out;
}
