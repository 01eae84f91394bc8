import { createHash } from 'node:crypto';
import { parse } from 'tldts';

/** An address whose domain has a real public suffix and a registrable name (cookie fields such as
 * `clicks@0.scroll` look like addresses but are not). */
function isEmail(m: string): boolean {
  const [local, domain] = m.split('@');
  if (local === undefined || domain === undefined || !/[a-z]/i.test(local)) return false;
  const p = parse(domain);
  return p.isIcann === true && !!p.domain && !/^\d/.test(p.domain);
}

/**
 * Identifiers in plaintext traffic: IMEI/MEID (Luhn-checked), IMSI, ICCID (Luhn), Android ID, advertising
 * ID, MAC address, e-mail, phone number, GPS coordinates and package lists, in URLs, headers and bodies,
 * including inside percent-encoding and Base64. With the device's own identifiers given, those are found
 * also as MD5, SHA-1 and SHA-256 hashes, in upper or lower case.
 */

export interface Leak {
  kind: string;
  value: string;
  /** Where in the message: url, header name, body. */
  field: string;
  /** How the value was found: plain, percent-decoded, base64, md5-of-imei... */
  form: string;
}

export type DeviceIds = Record<string, string>;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

const PATTERNS: Array<{ kind: string; re: RegExp; check?: (m: string) => boolean }> = [
  // A bare 15-digit number passes the Luhn check one time in ten: an IMEI needs a field that names it.
  {
    kind: 'imei',
    re: /(?:imei|meid|device_?id|deviceid|did)["'=:\s]+(\d{15})(?![0-9])/gi,
    check: (m) => luhn(m) && !/^(\d)\1+$/.test(m),
  },
  { kind: 'iccid', re: /(?<![0-9])(89\d{17,18})(?![0-9])/g, check: luhn },
  { kind: 'imsi', re: /(?:imsi|subscriberid)["'=:\s]+(\d{14,15})(?![0-9])/gi },
  { kind: 'android-id', re: /(?:android_?id|androidid|aid)["'=:\s]+([0-9a-f]{16})(?![0-9a-f])/gi },
  {
    kind: 'advertising-id',
    re: new RegExp(`(?:gaid|adid|advertising_?id|idfa|oaid)["'=:\\s]+(${UUID})`, 'gi'),
  },
  {
    kind: 'mac-address',
    re: /(?<![0-9a-f:])((?:[0-9a-f]{2}[:-]){5}[0-9a-f]{2})(?![0-9a-f:])/gi,
    check: (m) => !/^(00[:-]){5}00$/i.test(m) && !/^(ff[:-]){5}ff$/i.test(m),
  },
  { kind: 'email', re: /([a-z0-9._%+-]{1,64}@[a-z0-9.-]+\.[a-z]{2,24})(?![a-z0-9.-])/gi, check: isEmail },
  { kind: 'phone-number', re: /(?:phone|mobile|msisdn|tel)["'=:\s]+(\+?\d[\d -]{7,16}\d)/gi },
  {
    kind: 'gps',
    re: /(?:lat(?:itude)?)["'=:\s]+(-?\d{1,2}\.\d{3,})[\s\S]{0,40}?(?:lon|lng|longitude)["'=:\s]+(-?\d{1,3}\.\d{3,})/gi,
  },
  { kind: 'serial-number', re: /(?:serial(?:no|_?number)?|sn)["'=:\s]+([A-Z0-9]{8,20})(?![A-Z0-9])/g },
  { kind: 'installed-packages', re: /((?:(?:com|org|net|cn|io)\.[a-z0-9_]+\.[a-z0-9_.]+[,;|\s"]+){5,})/gi },
];

/** Cheap substrings a pattern cannot match without: long bodies skip the regex entirely. */
const NEEDS: Record<string, (t: string) => boolean> = {
  email: (t) => t.includes('@'),
  'mac-address': (t) => t.includes(':') || t.includes('-'),
  gps: (t) => /lat/i.test(t),
};

/**
 * E-mail addresses around each '@' only: the address pattern tried at every offset of a long body
 * costs 64 steps per byte (a 10 KB upload took milliseconds).
 */
function* emailMatches(text: string, re: RegExp): Generator<RegExpMatchArray> {
  let last = -1;
  for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
    const from = Math.max(last + 1, at - 64);
    const window = text.slice(from, Math.min(text.length, at + 256));
    for (const m of window.matchAll(re)) {
      const end = from + (m.index ?? 0) + m[0].length;
      if (from + (m.index ?? 0) > at || end <= at) continue;
      last = end - 1;
      yield m;
    }
  }
}

function scanText(text: string, field: string, form: string, out: Leak[]): void {
  for (const p of PATTERNS) {
    const needs = NEEDS[p.kind];
    if (needs && !needs(text)) continue;
    for (const m of p.kind === 'email' ? emailMatches(text, p.re) : text.matchAll(p.re)) {
      const value = m[2] ? `${m[1]},${m[2]}` : (m[1] ?? '');
      if (p.check && !p.check(value)) continue;
      out.push({ kind: p.kind, value: p.kind === 'installed-packages' ? value.slice(0, 200) : value, field, form });
      if (out.length > 500) return;
    }
  }
}

function hashes(value: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const algo of ['md5', 'sha1', 'sha256']) {
    const h = createHash(algo).update(value).digest('hex');
    out.push([algo, h], [algo, h.toUpperCase()]);
  }
  return out;
}

/** Identifiers in one plaintext message part, in every form the issue lists. */
export function findLeaks(text: string, field: string, device: DeviceIds = {}): Leak[] {
  const out: Leak[] = [];
  scanText(text, field, 'plain', out);
  if (/%[0-9a-f]{2}/i.test(text)) {
    try {
      const decoded = decodeURIComponent(text.replace(/\+/g, ' '));
      if (decoded !== text) scanText(decoded, field, 'percent-decoded', out);
    } catch {
      /* malformed escapes: the plain pass already ran */
    }
  }
  for (const token of text.match(/[A-Za-z0-9+/_-]{16,}={0,2}/g) ?? []) {
    const b = Buffer.from(token, /[_-]/.test(token) ? 'base64url' : 'base64').toString('utf8');
    if (/^[\x20-\x7e]+$/.test(b)) scanText(b, field, 'base64', out);
  }
  for (const [name, value] of Object.entries(device)) {
    if (!value) continue;
    const lower = text.toLowerCase();
    if (lower.includes(value.toLowerCase())) out.push({ kind: `device-${name}`, value, field, form: 'plain' });
    for (const [algo, h] of hashes(value))
      if (text.includes(h))
        out.push({
          kind: `device-${name}`,
          value: h,
          field,
          form: `${algo}-of-${name}${h === h.toUpperCase() ? '-upper' : ''}`,
        });
  }
  const seen = new Set<string>();
  return out.filter((l) => {
    const k = `${l.kind}|${l.value}|${l.field}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Splits an HTTP/1.x request into URL, headers and body and looks for leaks in each. */
export function httpRequestLeaks(raw: string, device: DeviceIds = {}): Leak[] {
  const end = raw.indexOf('\r\n\r\n');
  const head = end < 0 ? raw : raw.slice(0, end);
  const body = end < 0 ? '' : raw.slice(end + 4, end + 4 + 64 * 1024);
  const [requestLine, ...headers] = head.split('\r\n');
  const out = findLeaks(requestLine ?? '', 'url', device);
  for (const h of headers) {
    const i = h.indexOf(':');
    if (i > 0 && !/^(host|content-length|accept[\w-]*|connection|content-type)$/i.test(h.slice(0, i).trim()))
      out.push(...findLeaks(h.slice(i + 1), `header ${h.slice(0, i).trim()}`, device));
  }
  if (body) out.push(...findLeaks(body, 'body', device));
  return out;
}
