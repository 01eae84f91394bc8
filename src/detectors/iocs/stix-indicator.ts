import { Type } from '@sinclair/typebox';
import { findingsOf, type Report as ScanReport } from '../../model.js';
import { compare } from '../../iocs/stix-pattern.js';
import { defineDetector, evidence, messageData, type ReportOf } from '../define.js';

/** STIX 2.1 indicators (MVT's indicator types) matched against everything the scan saw. */

interface Observable {
  value: string;
  artefactId: string;
  path: string;
}

const Evidence = evidence({
  indicatorId: Type.String(),
  indicator: Type.String(),
  malware: Type.Array(Type.String()),
  source: Type.String(),
  pattern: Type.String(),
  matched: Type.Array(
    Type.Object(
      { value: Type.String(), artefactId: Type.String(), path: Type.String() },
      { additionalProperties: false },
    ),
  ),
});
const Data = messageData({
  indicator: Type.String(),
  malware: Type.String(),
  matched: Type.String(),
  path: Type.String(),
});

type Found = ReportOf<typeof Evidence, typeof Data>;

export default defineDetector({
  meta: {
    id: 'iocs/stix-indicator',
    version: 1,
    input: 'scan',
    description:
      'STIX 2.1 indicators matched against package names, file hashes and names, signing certificates, hosts, ' +
      'URLs and firmware properties.',
    severity: 'high',
    confidence: 'high',
    tags: ['ioc', 'malware'],
    evidence: Evidence,
    data: Data,
    messages: { indicator: '{{indicator}}{{malware}} matched {{matched}} in {{path}}' },
  },
  detect({ report, indicators }): Found[] {
    if (!indicators.length) return [];
    const obs = observables(report);
    const out: Found[] = [];
    for (const set of indicators) {
      for (const ind of set.indicators) {
        for (const conj of ind.pattern) {
          const matched: Observable[] = [];
          for (const c of conj) {
            let candidates = obs.get(`${c.objectType}:${c.path}`) ?? [];
            // A domain indicator also covers its subdomains (evil.com matches cdn.evil.com), as MVT does.
            const domain = c.objectType === 'domain-name' && c.op === '=' && !c.negated;
            if (domain) {
              const v = (c.values[0] ?? '').toLowerCase();
              if (!v) break; // parsePattern gives '=' exactly one value
              candidates = candidates.filter(
                (o) => o.value.toLowerCase() === v || o.value.toLowerCase().endsWith(`.${v}`),
              );
            }
            const hit = domain ? candidates[0] : candidates.find((o) => compare(c, [o.value]) !== null);
            if (!hit) break;
            matched.push(hit);
          }
          const first = matched[0];
          if (!first || matched.length !== conj.length) continue;
          out.push({
            messageId: 'indicator',
            data: {
              indicator: ind.name,
              malware: ind.malware.length ? ` (${ind.malware.join(', ')})` : '',
              matched: matched.map((m) => m.value).join(' and '),
              path: first.path,
            },
            artefactId: first.artefactId,
            location: { path: first.path },
            identity: `${ind.id}|${matched.map((m) => `${m.path}=${m.value}`).join('|')}`,
            evidence: {
              indicatorId: ind.id,
              indicator: ind.name,
              malware: ind.malware,
              source: ind.source,
              pattern: ind.patternText,
              matched,
              excerpt: matched.map((m) => m.value).join(', '),
            },
          });
          break;
        }
      }
    }
    return out;
  },
});

/** What a report lets indicators see, by `type:path`. */
function observables(report: ScanReport): Map<string, Observable[]> {
  const m = new Map<string, Observable[]>();
  const add = (key: string, value: string | null | undefined, artefactId: string, path: string) => {
    if (!value) return;
    let l = m.get(key);
    if (!l) m.set(key, (l = []));
    l.push({ value, artefactId, path });
  };
  for (const a of report.apps) {
    add('app:id', a.package, a.artefactId, a.path);
    for (const s of a.signers) {
      add('x509-certificate:hashes.SHA-256', s.sha256, a.artefactId, a.path);
      add('x509-certificate:hashes.SHA-1', s.sha1, a.artefactId, a.path);
    }
  }
  for (const a of report.artefacts) {
    add('file:hashes.SHA-256', a.sha256, a.id, a.path);
    add('file:hashes.SHA-1', a.sha1, a.id, a.path);
    add('file:hashes.MD5', a.md5, a.id, a.path);
    add('file:name', a.path.slice(Math.max(a.path.lastIndexOf('/'), a.path.lastIndexOf('!/') + 1) + 1), a.id, a.path);
  }
  for (const f of findingsOf(report.findings, 'network/endpoints')) {
    const e = f.evidence;
    add(
      e.isIp ? (e.host.includes(':') ? 'ipv6-addr:value' : 'ipv4-addr:value') : 'domain-name:value',
      e.host,
      f.artefactId,
      f.location.path,
    );
    for (const u of e.urls) add('url:value', u, f.artefactId, f.location.path);
  }
  for (const d of report.destinations ?? []) {
    const path = report.artefacts.find((a) => a.id === d.artefactId)?.path ?? d.host;
    if (d.nameSource !== 'ip') add('domain-name:value', d.host, d.artefactId, path);
    for (const ip of d.ips) add(ip.includes(':') ? 'ipv6-addr:value' : 'ipv4-addr:value', ip, d.artefactId, path);
  }
  // Properties from the firmware's build.prop files (MVT's android-property indicators name them).
  for (const fw of report.firmware ?? [])
    for (const name of Object.keys(fw.properties)) add('android-property:name', name, fw.artefactId, fw.path);
  for (const [alias, canonical] of [
    ['file:hashes.SHA256', 'file:hashes.SHA-256'],
    ['file:hashes.SHA1', 'file:hashes.SHA-1'],
  ] as const)
    m.set(alias, m.get(canonical) ?? []);
  return m;
}
