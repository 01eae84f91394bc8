import { findingsOf, type Finding } from '../model.js';
import { matchChain, matchEntry, matchString, type KnownList } from './known-lists.js';

/**
 * Links the findings of one app that describe the same mechanism: a keyword list, the code that
 * refreshes it and the region check that switches it; and names published mechanisms. Adds
 * `evidence.related` (detector, fingerprint, reason) both ways and `evidence.knownList`.
 */

type Linked = Finding<'censorship/keyword-list' | 'censorship/list-refresh' | 'censorship/region-switch'>;

export function linkListFindings(findings: Finding[]): void {
  const lists = findingsOf(findings, 'censorship/keyword-list');
  const refreshes = findingsOf(findings, 'censorship/list-refresh');
  const switches = findingsOf(findings, 'censorship/region-switch');
  const relate = (a: Linked, b: Linked, why: string) => {
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      const rel = x.evidence.related ?? [];
      if (!rel.some((r) => r.fingerprint === y.fingerprint))
        rel.push({ detectorId: y.detectorId, fingerprint: y.fingerprint, why });
      x.evidence.related = rel;
    }
  };
  for (const r of refreshes) {
    const { storage, className: cls, appliedBy } = r.evidence;
    for (const l of lists) {
      const entry = l.location.path.slice(l.location.path.lastIndexOf('!/') + 2);
      const listClass = l.location.className;
      if (storage.some((s) => entry === s || entry.endsWith(`/${s}`))) relate(r, l, `the list is stored as ${entry}`);
      else if (listClass && (listClass === cls || appliedBy.some((a) => a.startsWith(listClass))))
        relate(r, l, 'same class');
      else if (sameApp(l, r)) relate(r, l, 'same app');
    }
    for (const s of switches) {
      if ((s.evidence.listCode ?? []).some((c) => c.startsWith(cls)))
        relate(r, s, 'the region check sits in the refresh code or calls it');
    }
  }
  for (const s of switches) {
    for (const l of lists) {
      const listClass = l.location.className;
      if (listClass && (s.evidence.listCode ?? []).some((c) => c.startsWith(listClass)))
        relate(s, l, 'the region check sits next to the list');
    }
  }
  for (const f of [...lists, ...refreshes]) {
    const known = knownFor(f);
    if (known) f.evidence.knownList = { id: known.id, name: known.name, vendor: known.vendor, source: known.source };
  }
}

function sameApp(a: Finding, b: Finding): boolean {
  const root = (p: string) => (p.includes('!/') ? p.slice(0, p.lastIndexOf('!/')) : p);
  return root(a.location.path) === root(b.location.path);
}

function knownFor(f: Finding<'censorship/keyword-list' | 'censorship/list-refresh'>): KnownList | undefined {
  if (f.detectorId === 'censorship/keyword-list') {
    const entry = f.location.path.slice(f.location.path.lastIndexOf('!/') + 2);
    return matchEntry(entry) ?? matchChain(f.evidence.encodings);
  }
  for (const s of [...f.evidence.urls, ...f.evidence.storage]) {
    const k = matchString(s);
    if (k) return k;
  }
  return undefined;
}
