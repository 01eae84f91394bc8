import { parse } from 'tldts';

/**
 * URL and host-name extraction from strings found in apps. A bare host name is only accepted when its
 * suffix is a real ICANN public suffix and it does not look like a Java package or a file name, which
 * share its dotted shape (`com.example.app`, `config.json`).
 */

export interface Endpoint {
  host: string;
  registrableDomain: string | null;
  publicSuffix: string | null;
  isIp: boolean;
  url?: string;
  scheme?: string;
}

const URL_RE = /\b((?:https?|wss?|ftp):\/\/[^\s"'<>\\^`{|}]+)/gi;
const BARE_HOST_RE = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}$/i;
const FILE_EXTENSIONS = new Set(
  [
    'json xml png jpg jpeg gif webp svg txt html htm js css so dex apk jar zip db dat properties java class kt',
    'smali log tmp bin conf cfg ini yml yaml proto mp3 mp4 ogg wav ttf otf woff pdf csv md sh py lua arsc pem crt',
    'key der gz tar bz2 xz 7z rar mov avi mkv sql sqlite jks bks p12',
  ]
    .join(' ')
    .split(' '),
);
const PACKAGE_ROOTS = new Set(
  'com org net io android androidx java javax kotlin dalvik junit sun de fr uk cn jp ru me co app dev'.split(' '),
);

export function endpointFromHost(hostRaw: string): Endpoint | null {
  const host = hostRaw.toLowerCase().replace(/\.$/, '');
  const p = parse(host, { allowPrivateDomains: false });
  if (p.isIp) return { host, registrableDomain: null, publicSuffix: null, isIp: true };
  if (!p.isIcann || !p.domain || !p.publicSuffix) return null;
  return { host, registrableDomain: p.domain, publicSuffix: p.publicSuffix, isIp: false };
}

export function extractEndpoints(text: string, maxResults = 1000): Endpoint[] {
  const out: Endpoint[] = [];
  if (text.length < 4) return out;
  if (text.includes('://')) {
    for (const m of text.matchAll(URL_RE)) {
      if (out.length >= maxResults) break;
      let url = (m[1] ?? '').replace(/[).,;:!?\]]+$/, '');
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        continue;
      }
      if (!u.hostname) continue;
      const hostname = u.hostname.replace(/^\[|\]$/g, '');
      const ep = endpointFromHost(hostname);
      if (!ep) continue;
      url = u.toString();
      out.push({ ...ep, url, scheme: u.protocol.replace(/:$/, '') });
    }
    return out;
  }
  const candidate = text.trim();
  if (!BARE_HOST_RE.test(candidate)) return out;
  const labels = candidate.toLowerCase().split('.');
  const last = labels.at(-1) ?? '';
  if (FILE_EXTENSIONS.has(last)) return out;
  // Reverse-DNS shaped names are Java packages and class names, not hosts.
  if (PACKAGE_ROOTS.has(labels[0] ?? '') && labels.length >= 3) return out;
  if (/[A-Z]/.test(candidate) && labels.length >= 3) return out;
  const ep = endpointFromHost(candidate);
  if (ep && !ep.isIp) out.push(ep);
  return out;
}
