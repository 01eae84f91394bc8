import { Type } from '@sinclair/typebox';
import { LocationSchema } from '../../model.js';
import { stringUsers } from '../../formats/dex-queries.js';
import { extractEndpoints, type Endpoint } from '../../network/hosts.js';
import type { Location } from '../../model.js';
import { defineDetector, evidence, messageData, type ReportOf } from '../define.js';

/**
 * Every URL and host name an app carries, from DEX strings, resources, assets and native libraries,
 * normalised with its registrable domain and the classes whose code loads it.
 */

const MAX_URLS = 20;
const MAX_REFS = 20;

interface HostAccumulator {
  endpoint: Endpoint;
  urls: Set<string>;
  schemes: Set<string>;
  refs: Location[];
  sources: Set<string>;
}

const Evidence = evidence({
  host: Type.String(),
  registrableDomain: Type.Union([Type.String(), Type.Null()]),
  publicSuffix: Type.Union([Type.String(), Type.Null()]),
  isIp: Type.Boolean(),
  schemes: Type.Array(Type.String()),
  urls: Type.Array(Type.String()),
  sources: Type.Array(Type.String()),
  references: Type.Array(LocationSchema),
  /** Added by the scan when it also read captures: the destinations of this host, or false if none. */
  seenInCapture: Type.Optional(
    Type.Union([
      Type.Literal(false),
      Type.Array(
        Type.Object(
          {
            capture: Type.String(),
            host: Type.String(),
            connections: Type.Integer(),
            frames: Type.Array(Type.Integer()),
            country: Type.Union([Type.String(), Type.Null()]),
          },
          { additionalProperties: false },
        ),
      ),
    ]),
  ),
});
const Data = messageData({
  package: Type.String(),
  host: Type.String(),
  domain: Type.String(),
  sources: Type.String(),
  schemes: Type.String(),
});

type Found = ReportOf<typeof Evidence, typeof Data>;

export default defineDetector({
  meta: {
    id: 'network/endpoints',
    version: 1,
    input: 'app',
    description: 'Hosts and URLs hard-coded in the app, with the code that references them.',
    severity: 'info',
    confidence: 'medium',
    tags: ['network', 'endpoint'],
    evidence: Evidence,
    data: Data,
    messages: {
      host: '{{package}} references {{host}} ({{domain}}) from {{sources}}',
      cleartext: '{{package}} references {{host}} over cleartext {{schemes}} from {{sources}}',
    },
  },
  detect(app): Found[] {
    const hosts = new Map<string, HostAccumulator>();
    const add = (ep: Endpoint, source: string, loc: Location) => {
      let acc = hosts.get(ep.host);
      if (!acc)
        hosts.set(ep.host, (acc = { endpoint: ep, urls: new Set(), schemes: new Set(), refs: [], sources: new Set() }));
      if (ep.url && acc.urls.size < MAX_URLS) acc.urls.add(ep.url);
      if (ep.scheme) acc.schemes.add(ep.scheme);
      acc.sources.add(source);
      if (
        acc.refs.length < MAX_REFS &&
        !acc.refs.some((r) => r.path === loc.path && r.className === loc.className && r.method === loc.method)
      )
        acc.refs.push(loc);
    };
    for (const { artefact, dex } of app.dexes) {
      const found = new Map<number, Endpoint[]>();
      for (let i = 0; i < dex.stringCount; i++) {
        const range = dex.stringBytes(i);
        // Cheap byte-level pre-filter: a host needs a dot and at least four bytes.
        if (
          !range ||
          range[1] - range[0] < 4 ||
          range[1] - range[0] > 8192 ||
          dex.buf.indexOf(0x2e, range[0]) >= range[1] ||
          dex.buf.indexOf(0x2e, range[0]) < 0
        )
          continue;
        const s = dex.string(i);
        if (!s) continue;
        const eps = extractEndpoints(s);
        if (eps.length > 0) found.set(i, eps);
      }
      const users = stringUsers(dex, new Set(found.keys()));
      for (const [i, eps] of found) {
        const refs = users.get(i) ?? [];
        for (const ep of eps) {
          if (refs.length === 0) add(ep, 'dex', { path: artefact.path });
          for (const r of refs) add(ep, 'dex', { path: artefact.path, className: r.className, method: r.method });
        }
      }
    }
    const pool = app.resources?.strings;
    if (pool) {
      for (let i = 0; i < pool.count; i++) {
        const s = pool.tryGet(i);
        if (!s || !s.includes('.')) continue;
        for (const ep of extractEndpoints(s)) add(ep, 'resources', { path: `${app.artefact.path}!/resources.arsc` });
      }
    }
    for (const blob of app.texts) {
      if (blob.origin !== 'entry') continue;
      for (const token of blob.text.includes('://') ? [blob.text] : blob.text.split(/[\s"',;<>()[\]{}|]+/)) {
        for (const ep of extractEndpoints(token)) add(ep, 'asset', { path: blob.location.path });
      }
    }
    for (const lib of app.nativeLibs) {
      for (const s of lib.strings) {
        if (!s.text.includes('.')) continue;
        for (const ep of extractEndpoints(s.text)) add(ep, 'native', { path: lib.artefact.path, offset: s.offset });
      }
    }
    const pkg = app.manifest?.package ?? app.artefact.path;
    const out: Found[] = [];
    for (const [host, acc] of [...hosts].sort((a, b) => a[0].localeCompare(b[0]))) {
      const cleartext = [...acc.schemes].some((s) => s === 'http' || s === 'ws' || s === 'ftp');
      out.push({
        messageId: cleartext ? 'cleartext' : 'host',
        data: {
          package: pkg,
          host,
          domain: acc.endpoint.registrableDomain ?? host,
          sources: [...acc.sources].join(', '),
          schemes: [...acc.schemes].join('/'),
        },
        artefactId: app.artefact.id,
        location: acc.refs[0] ?? { path: app.artefact.path },
        severity: cleartext ? ('low' as const) : ('info' as const),
        tags: cleartext ? ['network', 'endpoint', 'cleartext'] : ['network', 'endpoint'],
        identity: host,
        evidence: {
          host,
          registrableDomain: acc.endpoint.registrableDomain,
          publicSuffix: acc.endpoint.publicSuffix,
          isIp: acc.endpoint.isIp,
          schemes: [...acc.schemes],
          urls: [...acc.urls],
          sources: [...acc.sources],
          references: acc.refs,
          excerpt: [...acc.urls][0] ?? host,
        },
      });
    }
    return out;
  },
});
