import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Reader, type Response } from 'maxmind';

/**
 * Offline IP-to-country lookup with the `@ip-location-db/geo-whois-asn-country-mmdb` data (merged RIR
 * WHOIS and ASN data; CC BY 4.0 by the NRO, nro.net). Private, loopback, link-local, multicast and
 * other special-purpose ranges have no country: the database assigns some of them one anyway.
 */

export const GEO_ATTRIBUTION =
  'IP country data: geo-whois-asn-country (ip-location-db), CC BY 4.0 by the Number Resource Organization (nro.net)';

let reader: Reader<Response> | null = null;
let built: string | null = null;

function db(): Reader<Response> {
  if (!reader) {
    const path = createRequire(import.meta.url).resolve(
      '@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb',
    );
    reader = new Reader<Response>(readFileSync(path));
    built = reader.metadata.buildEpoch.toISOString().slice(0, 10);
  }
  return reader;
}

/** The date the geolocation data was built, for the report. */
export function geoDataDate(): string {
  db();
  return built ?? '';
}

const SPECIAL_V4: Array<[number, number]> = [
  [0x00000000, 8],
  [0x0a000000, 8],
  [0x64400000, 10],
  [0x7f000000, 8],
  [0xa9fe0000, 16],
  [0xac100000, 12],
  [0xc0000000, 24],
  [0xc0000200, 24],
  [0xc0a80000, 16],
  [0xc6120000, 15],
  [0xc6336400, 24],
  [0xcb007100, 24],
  [0xe0000000, 3],
];

export function isSpecialAddress(ip: string): boolean {
  if (ip.includes(':')) {
    const first = parseInt(ip.split(':')[0] || '0', 16);
    return (
      ip === '::1' ||
      ip === '::' ||
      (first & 0xfe00) === 0xfc00 ||
      (first & 0xffc0) === 0xfe80 ||
      (first & 0xff00) === 0xff00
    );
  }
  const parts = ip.split('.').map(Number);
  const [a, b, c, d] = parts;
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) return true;
  const v = (((a ?? 0) << 24) | ((b ?? 0) << 16) | ((c ?? 0) << 8) | (d ?? 0)) >>> 0;
  return SPECIAL_V4.some(([net, bits]) => v >>> (32 - bits) === net >>> (32 - bits));
}

export function countryOf(ip: string): string | null {
  if (isSpecialAddress(ip)) return null;
  try {
    return (db().get(ip) as { country_code?: string } | null)?.country_code ?? null;
  } catch {
    return null;
  }
}
