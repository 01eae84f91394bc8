import { errorCode, errorMessage } from '../io/errors.js';
import { shortHash } from '../io/hash.js';
import type { Diagnostic, Finding, Report } from '../model.js';
import { compare, parsePattern, type Pattern } from './stix-pattern.js';

/**
 * STIX 2.1 indicator bundles, in the indicator types MVT uses, matched against what a scan saw: package
 * names, file hashes and names, signing certificates, hosts and URLs. Malformed bundles and patterns
 * become diagnostics; a pattern Candor cannot evaluate never matches by accident.
 */

export interface Indicator {
  id: string;
  name: string;
  pattern: Pattern;
  patternText: string;
  /** Names of the malware the bundle says this indicator indicates. */
  malware: string[];
  source: string;
}

export interface IndicatorSet {
  source: string;
  indicators: Indicator[];
  diagnostics: Diagnostic[];
}

const SUPPORTED = new Set(['app:id', 'domain-name:value', 'ipv4-addr:value', 'ipv6-addr:value', 'url:value', 'file:name', 'file:hashes.MD5', 'file:hashes.SHA-1', 'file:hashes.SHA-256', 'file:hashes.SHA1', 'file:hashes.SHA256', 'x509-certificate:hashes.SHA-1', 'x509-certificate:hashes.SHA-256', 'x509-certificate:hashes.MD5', 'android-property:name']);

export function parseStixBundle(json: string, source: string): IndicatorSet {
  const diagnostics: Diagnostic[] = [];
  const diag = (code: string, message: string) => diagnostics.push({ level: 'warning', code, message, path: source });
  let data: { type?: string; objects?: unknown[] };
  try {
    data = JSON.parse(json);
  } catch (err) {
    return { source, indicators: [], diagnostics: [{ level: 'error', code: 'stix/bad-json', message: (err as Error).message, path: source }] };
  }
  if (!data || data.type !== 'bundle' || !Array.isArray(data.objects)) {
    return { source, indicators: [], diagnostics: [{ level: 'error', code: 'stix/not-a-bundle', message: 'not a STIX 2.1 bundle (type "bundle" with objects)', path: source }] };
  }
  const objects = data.objects.filter((o): o is Record<string, unknown> => !!o && typeof o === 'object');
  const malwareNames = new Map(objects.filter((o) => o.type === 'malware').map((o) => [String(o.id), String(o.name ?? o.id)]));
  const indicates = new Map<string, string[]>();
  for (const r of objects.filter((o) => o.type === 'relationship' && o.relationship_type === 'indicates')) {
    const name = malwareNames.get(String(r.target_ref));
    if (!name) continue;
    const list = indicates.get(String(r.source_ref)) ?? [];
    list.push(name);
    indicates.set(String(r.source_ref), list);
  }
  const indicators: Indicator[] = [];
  for (const o of objects.filter((x) => x.type === 'indicator')) {
    const id = String(o.id ?? '');
    if (o.pattern_type !== undefined && o.pattern_type !== 'stix') {
      diag('stix/unsupported-pattern-type', `${id}: pattern_type ${String(o.pattern_type)} is not evaluated`);
      continue;
    }
    if (typeof o.pattern !== 'string') {
      diag('stix/no-pattern', `${id}: indicator without a pattern`);
      continue;
    }
    let pattern: Pattern;
    try {
      pattern = parsePattern(o.pattern);
    } catch (err) {
      diag(errorCode(err), `${id}: ${errorMessage(err)}`);
      continue;
    }
    const unsupported = pattern.flat().filter((c) => !SUPPORTED.has(`${c.objectType}:${c.path}`));
    if (unsupported.length) {
      diag('stix/unsupported-object-path', `${id}: ${[...new Set(unsupported.map((c) => `${c.objectType}:${c.path}`))].join(', ')} cannot be evaluated; the indicator is skipped`);
      continue;
    }
    indicators.push({ id, name: String(o.name ?? id), pattern, patternText: o.pattern, malware: indicates.get(id) ?? [], source });
  }
  return { source, indicators, diagnostics };
}

interface Observable {
  value: string;
  artefactId: string;
  path: string;
}

/** What a report lets indicators see, by `type:path`. */
function observables(report: Report): Map<string, Observable[]> {
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
  for (const f of report.findings) {
    if (f.detectorId !== 'network/endpoints') continue;
    const e = f.evidence as { host: string; isIp: boolean; urls: string[] };
    add(e.isIp ? (e.host.includes(':') ? 'ipv6-addr:value' : 'ipv4-addr:value') : 'domain-name:value', e.host, f.artefactId, f.location.path);
    for (const u of e.urls ?? []) add('url:value', u, f.artefactId, f.location.path);
  }
  for (const d of report.destinations ?? []) {
    const path = report.artefacts.find((a) => a.id === d.artefactId)?.path ?? d.host;
    if (d.nameSource !== 'ip') add('domain-name:value', d.host, d.artefactId, path);
    for (const ip of d.ips) add(ip.includes(':') ? 'ipv6-addr:value' : 'ipv4-addr:value', ip, d.artefactId, path);
  }
  // Properties from the firmware's build.prop files (MVT's android-property indicators name them).
  for (const fw of report.firmware ?? []) for (const name of Object.keys(fw.properties)) add('android-property:name', name, fw.artefactId, fw.path);
  for (const [alias, canonical] of [
    ['file:hashes.SHA256', 'file:hashes.SHA-256'],
    ['file:hashes.SHA1', 'file:hashes.SHA-1'],
  ]) m.set(alias, m.get(canonical) ?? []);
  return m;
}

export const IOC_DETECTOR = { id: 'iocs/stix-indicator', version: 1 };

export function matchIndicators(report: Report, sets: IndicatorSet[]): Finding[] {
  const obs = observables(report);
  const out: Finding[] = [];
  for (const set of sets) {
    for (const ind of set.indicators) {
      for (const conj of ind.pattern) {
        const matched: Observable[] = [];
        for (const c of conj) {
          let candidates = obs.get(`${c.objectType}:${c.path}`) ?? [];
          // A domain indicator also covers its subdomains (evil.com matches cdn.evil.com), as MVT does.
          if (c.objectType === 'domain-name' && c.op === '=' && !c.negated) candidates = candidates.filter((o) => o.value.toLowerCase() === c.values[0].toLowerCase() || o.value.toLowerCase().endsWith(`.${c.values[0].toLowerCase()}`));
          const hit = c.objectType === 'domain-name' && c.op === '=' && !c.negated ? candidates[0] : candidates.find((o) => compare(c, [o.value]) !== null);
          if (!hit) break;
          matched.push(hit);
        }
        if (matched.length !== conj.length) continue;
        const first = matched[0];
        out.push({
          detectorId: IOC_DETECTOR.id,
          detectorVersion: IOC_DETECTOR.version,
          messageId: 'indicator',
          severity: 'high',
          confidence: 'high',
          tags: ['ioc', 'malware'],
          message: `${ind.name}${ind.malware.length ? ` (${ind.malware.join(', ')})` : ''} matched ${matched.map((m) => m.value).join(' and ')} in ${first.path}`,
          artefactId: first.artefactId,
          location: { path: first.path },
          evidence: { indicatorId: ind.id, indicator: ind.name, malware: ind.malware, source: ind.source, pattern: ind.patternText, matched, excerpt: matched.map((m) => m.value).join(', ') },
          fingerprint: shortHash(`${IOC_DETECTOR.id}|${ind.id}|${matched.map((m) => `${m.path}=${m.value}`).join('|')}`, 32),
        });
        break;
      }
    }
  }
  return out;
}
