import type { App, Finding, Report } from '../model.js';

/**
 * `candor diff`: what changed between two scans (two firmware versions, two phones, two versions of an
 * app). Apps are matched by package, keyword lists by the app that holds them and where inside it, so a
 * list that moved to another partition or whose firmware file was renamed is still "the same list".
 * The headline is a list that appeared or grew.
 */

export interface ListRef {
  key: string;
  app: string | null;
  where: string;
  termCount: number;
  encodings: string[];
}

export interface ScanDiff {
  a: { id: string; inputs: string[]; startedAt: string };
  b: { id: string; inputs: string[]; startedAt: string };
  apps: {
    added: Array<{ package: string; version: string | null; path: string }>;
    removed: Array<{ package: string; version: string | null; path: string }>;
    changed: Array<{ package: string; from: string | null; to: string | null; signerChanged: boolean }>;
  };
  lists: {
    appeared: Array<ListRef & { terms: string[] }>;
    disappeared: ListRef[];
    changed: Array<ListRef & { from: number; to: number; termsAdded: string[]; termsRemoved: string[] }>;
  };
  trackers: {
    added: Array<{ package: string; tracker: string }>;
    removed: Array<{ package: string; tracker: string }>;
  };
  hosts: { added: Array<{ host: string; apps: string[] }>; removed: Array<{ host: string; apps: string[] }> };
  permissions: {
    added: Array<{ package: string; permission: string }>;
    removed: Array<{ package: string; permission: string }>;
  };
  regionProperties: {
    added: Record<string, string>;
    removed: Record<string, string>;
    changed: Array<{ key: string; from: string; to: string }>;
  };
  profile: Array<{ field: string; from: string | null; to: string | null }>;
  findings: { new: Array<{ severity: string; detectorId: string; message: string; path: string }>; resolved: number };
}

/** Apps by package, leaving out APKs nested inside other APKs (their own detectors already cover them). */
function topLevelApps(r: Report): Map<string, App> {
  const nested = new Set(r.artefacts.filter((x) => x.kind === 'nested-apk').map((x) => x.id));
  return new Map(r.apps.filter((x) => !nested.has(x.artefactId)).map((x) => [appKey(x), x]));
}

function appKey(a: App): string {
  return a.package ?? a.path.split(/!\/|\//).pop() ?? a.path;
}

function version(a: App): string | null {
  return a.versionName ?? (a.versionCode !== null ? String(a.versionCode) : null);
}

/** The top-level app holding a path (the longest app path that prefixes it). */
function ownerOf(apps: App[], path: string): App | null {
  let best: App | null = null;
  for (const a of apps)
    if ((path === a.path || path.startsWith(`${a.path}!/`)) && (!best || a.path.length > best.path.length)) best = a;
  return best;
}

/** A path without the scan's own input root, so the same file in two differently named inputs matches. */
function withoutRoot(path: string, inputs: string[]): string {
  for (const i of inputs)
    if (path === i || path.startsWith(`${i}!`) || path.startsWith(`${i}/`))
      return path.slice(i.length).replace(/^!?\/?/, '');
  return path;
}

function listsOf(r: Report): Map<string, ListRef & { terms: string[] }> {
  const out = new Map<string, ListRef & { terms: string[] }>();
  for (const f of r.findings) {
    if (f.detectorId !== 'censorship/keyword-list') continue;
    // Stored reports may predate a field: read list evidence defensively.
    const e: Partial<typeof f.evidence> = f.evidence;
    const owner = ownerOf(r.apps, f.location.path);
    const inner = owner ? f.location.path.slice(owner.path.length) : withoutRoot(f.location.path, r.scan.inputs);
    const where = [inner, f.location.entry, f.location.className, f.location.method].filter(Boolean).join(' ');
    const key = `${owner ? appKey(owner) : ''}|${where}|${(e.encodings ?? []).join('>')}`;
    out.set(key, {
      key,
      app: owner ? appKey(owner) : null,
      where: where || f.location.path,
      termCount: e.termCount ?? e.terms?.length ?? 0,
      encodings: e.encodings ?? [],
      terms: e.terms ?? [],
    });
  }
  return out;
}

function hostsOf(r: Report): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (host: string, app: string) => {
    let s = out.get(host);
    if (!s) out.set(host, (s = new Set()));
    if (app) s.add(app);
  };
  for (const f of r.findings) {
    if (f.detectorId !== 'network/endpoints') continue;
    const owner = ownerOf(r.apps, f.location.path);
    add(f.evidence.host, owner ? appKey(owner) : '');
  }
  for (const d of r.destinations ?? []) for (const a of d.apps.length ? d.apps : ['']) add(d.host, a);
  return out;
}

function regionOf(r: Report): Record<string, string> {
  const out: Record<string, string> = {};
  for (const fw of r.firmware ?? [])
    for (const [k, v] of Object.entries(fw.profile.region)) if (!(k in out)) out[k] = v;
  return out;
}

function identity(f: Finding, r: Report): string {
  const owner = ownerOf(r.apps, f.location.path);
  return `${f.detectorId}|${owner ? appKey(owner) : ''}|${f.messageId}|${f.message.replace(/\/[^\s]*!/g, '')}`;
}

export function diffScans(a: Report, b: Report): ScanDiff {
  const appsA = topLevelApps(a);
  const appsB = topLevelApps(b);
  const d: ScanDiff = {
    a: { id: a.scan.id, inputs: a.scan.inputs, startedAt: a.scan.startedAt },
    b: { id: b.scan.id, inputs: b.scan.inputs, startedAt: b.scan.startedAt },
    apps: { added: [], removed: [], changed: [] },
    lists: { appeared: [], disappeared: [], changed: [] },
    trackers: { added: [], removed: [] },
    hosts: { added: [], removed: [] },
    permissions: { added: [], removed: [] },
    regionProperties: { added: {}, removed: {}, changed: [] },
    profile: [],
    findings: { new: [], resolved: 0 },
  };
  for (const [k, x] of appsB) if (!appsA.has(k)) d.apps.added.push({ package: k, version: version(x), path: x.path });
  for (const [k, x] of appsA) if (!appsB.has(k)) d.apps.removed.push({ package: k, version: version(x), path: x.path });
  for (const [k, xb] of appsB) {
    const xa = appsA.get(k);
    if (!xa) continue;
    const signerChanged = (xa.signers[0]?.sha256 ?? '') !== (xb.signers[0]?.sha256 ?? '');
    if (version(xa) !== version(xb) || signerChanged)
      d.apps.changed.push({ package: k, from: version(xa), to: version(xb), signerChanged });
    const pa = new Set(xa.permissions.map((p) => p.name));
    const pb = new Set(xb.permissions.map((p) => p.name));
    for (const p of pb) if (!pa.has(p)) d.permissions.added.push({ package: k, permission: p });
    for (const p of pa) if (!pb.has(p)) d.permissions.removed.push({ package: k, permission: p });
    const ta = new Set(xa.trackers.map((t) => t.name));
    const tb = new Set(xb.trackers.map((t) => t.name));
    for (const t of tb) if (!ta.has(t)) d.trackers.added.push({ package: k, tracker: t });
    for (const t of ta) if (!tb.has(t)) d.trackers.removed.push({ package: k, tracker: t });
  }
  // Apps new in B bring all their permissions and trackers with them.
  for (const added of d.apps.added) {
    const x = appsB.get(added.package) as App;
    for (const p of x.permissions) d.permissions.added.push({ package: added.package, permission: p.name });
    for (const t of x.trackers) d.trackers.added.push({ package: added.package, tracker: t.name });
  }

  const la = listsOf(a);
  const lb = listsOf(b);
  for (const [k, l] of lb) {
    const prev = la.get(k);
    if (!prev) {
      d.lists.appeared.push(l);
      continue;
    }
    const before = new Set(prev.terms);
    const after = new Set(l.terms);
    const termsAdded = l.terms.filter((t) => !before.has(t));
    const termsRemoved = prev.terms.filter((t) => !after.has(t));
    if (termsAdded.length || termsRemoved.length || prev.termCount !== l.termCount) {
      const { terms: _t, ...ref } = l;
      void _t;
      d.lists.changed.push({ ...ref, from: prev.termCount, to: l.termCount, termsAdded, termsRemoved });
    }
  }
  for (const [k, l] of la) {
    if (lb.has(k)) continue;
    const { terms: _t, ...ref } = l;
    void _t;
    d.lists.disappeared.push(ref);
  }
  // Growth first: the headline is a list that got longer.
  d.lists.changed.sort((x, y) => y.to - y.from - (x.to - x.from));

  const ha = hostsOf(a);
  const hb = hostsOf(b);
  for (const [h, apps] of hb) if (!ha.has(h)) d.hosts.added.push({ host: h, apps: [...apps].sort() });
  for (const [h, apps] of ha) if (!hb.has(h)) d.hosts.removed.push({ host: h, apps: [...apps].sort() });

  const ra = regionOf(a);
  const rb = regionOf(b);
  for (const [k, v] of Object.entries(rb)) {
    const from = ra[k];
    if (from === undefined) d.regionProperties.added[k] = v;
    else if (from !== v) d.regionProperties.changed.push({ key: k, from, to: v });
  }
  for (const [k, v] of Object.entries(ra)) if (!(k in rb)) d.regionProperties.removed[k] = v;

  const pa = a.firmware?.[0]?.profile;
  const pb = b.firmware?.[0]?.profile;
  if (pa || pb) {
    for (const field of [
      'brand',
      'model',
      'device',
      'fingerprint',
      'firmwareVersion',
      'androidVersion',
      'securityPatch',
      'buildType',
      'buildTags',
      'skin',
    ] as const) {
      const from = pa?.[field] ?? null;
      const to = pb?.[field] ?? null;
      if (from !== to) d.profile.push({ field, from, to });
    }
  }

  const idsA = new Set(a.findings.map((f) => identity(f, a)));
  const idsB = new Set(b.findings.map((f) => identity(f, b)));
  for (const f of b.findings)
    if (!idsA.has(identity(f, b)) && f.severity !== 'info')
      d.findings.new.push({
        severity: f.severity,
        detectorId: f.detectorId,
        message: f.message,
        path: f.location.path,
      });
  d.findings.resolved = [...idsA].filter((x) => !idsB.has(x)).length;
  return d;
}

const MAX_TERMS_SHOWN = 30;

export function renderDiffText(d: ScanDiff): string {
  const out: string[] = [];
  out.push(
    `candor diff  ${d.a.id.slice(0, 8)} (${d.a.inputs.join(' ')})  →  ${d.b.id.slice(0, 8)} (${d.b.inputs.join(' ')})`,
    '',
  );
  const grew = d.lists.changed.filter((l) => l.to > l.from);
  if (d.lists.appeared.length || grew.length) {
    out.push('KEYWORD LISTS');
    for (const l of d.lists.appeared)
      out.push(`  + new list, ${l.termCount} terms: ${l.app ?? ''} ${l.where}`, ...termLines('+', l.terms));
    for (const l of d.lists.changed) {
      out.push(
        `  ~ ${l.from} → ${l.to} terms (+${l.termsAdded.length} −${l.termsRemoved.length}): ${l.app ?? ''} ${l.where}`,
        ...termLines('+', l.termsAdded),
        ...termLines('−', l.termsRemoved),
      );
    }
    for (const l of d.lists.disappeared) out.push(`  − list gone (${l.termCount} terms): ${l.app ?? ''} ${l.where}`);
    out.push('');
  } else if (d.lists.changed.length || d.lists.disappeared.length) {
    out.push('KEYWORD LISTS');
    for (const l of d.lists.changed)
      out.push(`  ~ ${l.from} → ${l.to} terms: ${l.app ?? ''} ${l.where}`, ...termLines('−', l.termsRemoved));
    for (const l of d.lists.disappeared) out.push(`  − list gone (${l.termCount} terms): ${l.app ?? ''} ${l.where}`);
    out.push('');
  } else out.push('KEYWORD LISTS  no change', '');
  const section = (title: string, lines: string[]) => {
    if (lines.length) out.push(title, ...lines, '');
  };
  section('APPS', [
    ...d.apps.added.map((x) => `  + ${x.package} ${x.version ?? ''}`),
    ...d.apps.removed.map((x) => `  − ${x.package} ${x.version ?? ''}`),
    ...d.apps.changed.map(
      (x) =>
        `  ~ ${x.package} ${x.from ?? '?'} → ${x.to ?? '?'}${x.signerChanged ? ' (signing certificate changed)' : ''}`,
    ),
  ]);
  section('TRACKERS', [
    ...d.trackers.added.map((x) => `  + ${x.tracker} in ${x.package}`),
    ...d.trackers.removed.map((x) => `  − ${x.tracker} in ${x.package}`),
  ]);
  section('HOSTS', [
    ...d.hosts.added.map((x) => `  + ${x.host}${x.apps.length ? ` (${x.apps.join(', ')})` : ''}`),
    ...d.hosts.removed.map((x) => `  − ${x.host}`),
  ]);
  section('PERMISSIONS', [
    ...d.permissions.added.map((x) => `  + ${x.permission} in ${x.package}`),
    ...d.permissions.removed.map((x) => `  − ${x.permission} in ${x.package}`),
  ]);
  section('REGION PROPERTIES', [
    ...Object.entries(d.regionProperties.added).map(([k, v]) => `  + ${k}=${v}`),
    ...Object.entries(d.regionProperties.removed).map(([k, v]) => `  − ${k}=${v}`),
    ...d.regionProperties.changed.map((x) => `  ~ ${x.key}: ${x.from} → ${x.to}`),
  ]);
  section(
    'DEVICE',
    d.profile.map((x) => `  ~ ${x.field}: ${x.from ?? '—'} → ${x.to ?? '—'}`),
  );
  section(
    'NEW FINDINGS',
    d.findings.new.map((f) => `  [${f.severity}] ${f.detectorId}: ${f.message.slice(0, 160)}`),
  );
  out.push(`${d.findings.new.length} new finding(s), ${d.findings.resolved} no longer present`);
  return out.join('\n') + '\n';
}

function termLines(sign: string, terms: string[]): string[] {
  const shown = terms.slice(0, MAX_TERMS_SHOWN).map((t) => `      ${sign} ${t}`);
  if (terms.length > MAX_TERMS_SHOWN) shown.push(`      … ${terms.length - MAX_TERMS_SHOWN} more (use --format json)`);
  return shown;
}
