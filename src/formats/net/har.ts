/**
 * HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), as browsers, mitmproxy and Charles write
 * it: the recognition test and the typed reading of one entry. What a HAR says about destinations,
 * leaks and responses is `capture/har.ts`.
 */

export interface HarEntry {
  startedDateTime?: string;
  serverIPAddress?: string;
  connection?: string;
  request?: {
    method?: string;
    url?: string;
    headers?: Array<{ name: string; value: string }>;
    postData?: { text?: string };
    headersSize?: number;
    bodySize?: number;
  };
  response?: {
    status?: number;
    headers?: Array<{ name: string; value: string }>;
    content?: { text?: string; encoding?: string; mimeType?: string; size?: number };
    headersSize?: number;
    bodySize?: number;
  };
}

export function looksLikeHar(head: string): boolean {
  return /^\s*\{[\s\S]{0,200}"log"\s*:/.test(head);
}

/** Entries read from one HAR; the rest are not looked at. */
export const MAX_HAR_ENTRIES = 200_000;

export type Problems = Map<string, { count: number; first: string }>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/**
 * One entry as HAR 1.2 types it. A field of another type (a number for `serverIPAddress`, a null for
 * `request`) is dropped and counted, so one odd field costs that field, not the HAR.
 */
export function readHarEntry(raw: unknown, index: number, problems: Problems): HarEntry | null {
  const note = (field: string, v: unknown) => {
    const key = `har/bad-field ${field}`;
    const p = problems.get(key);
    if (p) p.count++;
    else problems.set(key, { count: 1, first: `entry ${index + 1}: ${field} is ${v === null ? 'null' : typeof v}` });
  };
  const e = obj(raw);
  if (!e) {
    note('entry', raw);
    return null;
  }
  const pick = <T>(
    from: Record<string, unknown> | undefined,
    name: string,
    path: string,
    as: (v: unknown) => T | undefined,
  ): T | undefined => {
    if (!from || from[name] === undefined) return undefined;
    const v = as(from[name]);
    if (v === undefined) note(path, from[name]);
    return v;
  };
  const headers = (from: Record<string, unknown> | undefined, path: string) =>
    pick(from, 'headers', path, (v) => (Array.isArray(v) ? v : undefined))?.flatMap((h, k) => {
      const o = obj(h);
      const name = str(o?.name);
      const value = str(o?.value);
      if (name === undefined || value === undefined) {
        note(`${path}[${k}]`, h);
        return [];
      }
      return [{ name, value }];
    });
  const req = pick(e, 'request', 'request', obj);
  const res = pick(e, 'response', 'response', obj);
  const post = pick(req, 'postData', 'request.postData', obj);
  const content = pick(res, 'content', 'response.content', obj);
  return {
    startedDateTime: pick(e, 'startedDateTime', 'startedDateTime', str),
    serverIPAddress: pick(e, 'serverIPAddress', 'serverIPAddress', str),
    connection: pick(e, 'connection', 'connection', str),
    request: req && {
      method: pick(req, 'method', 'request.method', str),
      url: pick(req, 'url', 'request.url', str),
      headers: headers(req, 'request.headers'),
      postData: post && { text: pick(post, 'text', 'request.postData.text', str) },
      headersSize: pick(req, 'headersSize', 'request.headersSize', num),
      bodySize: pick(req, 'bodySize', 'request.bodySize', num),
    },
    response: res && {
      status: pick(res, 'status', 'response.status', num),
      headers: headers(res, 'response.headers'),
      content: content && {
        text: pick(content, 'text', 'response.content.text', str),
        encoding: pick(content, 'encoding', 'response.content.encoding', str),
        mimeType: pick(content, 'mimeType', 'response.content.mimeType', str),
        size: pick(content, 'size', 'response.content.size', num),
      },
      headersSize: pick(res, 'headersSize', 'response.headersSize', num),
      bodySize: pick(res, 'bodySize', 'response.bodySize', num),
    },
  };
}
