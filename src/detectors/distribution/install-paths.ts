import { Type } from '@sinclair/typebox';
import { appCodeFacts } from '../../correlate/code-facts.js';
import { loadDataFile } from '../../data-files.js';
import type { Severity } from '../../model.js';
import { defineDetector, evidence, messageData, type ReportOf } from '../define.js';

/**
 * Which components can install apps or send users to other stores: store links (market://, appmarket://,
 * store web hosts), PackageInstaller sessions, APK install intents, APK downloads, install permissions,
 * the unknown-sources settings screen and `pm install` commands. Reports the app's distribution role —
 * store, updater, installer, redirector — with the classes and strings as evidence.
 */

interface Store {
  id: string;
  name: string;
  official: boolean;
  curated?: boolean;
  schemes: string[];
  hosts: string[];
  packages: string[];
}

let stores: Store[] | null = null;
export function storeTable(): Store[] {
  if (!stores) stores = loadDataFile('stores').stores;
  return stores;
}

const INSTALL_CALLS = new Map<string, string>([
  ['Landroid/content/pm/PackageInstaller;->createSession', 'PackageInstaller session'],
  ['Landroid/content/pm/PackageInstaller$Session;->commit', 'PackageInstaller session'],
  ['Landroid/content/pm/PackageManager;->installPackage', 'hidden PackageManager.installPackage'],
  ['Landroid/content/pm/PackageManager;->installExistingPackage', 'PackageManager.installExistingPackage'],
  ['Landroid/app/DownloadManager;->enqueue', 'DownloadManager download'],
  ['Ljava/lang/Runtime;->exec', 'shell command'],
]);
const INSTALL_STRINGS = new Map<string, string>([
  ['application/vnd.android.package-archive', 'APK install intent (MIME type)'],
  ['android.intent.action.INSTALL_PACKAGE', 'ACTION_INSTALL_PACKAGE intent'],
  ['android.settings.MANAGE_UNKNOWN_APP_SOURCES', 'unknown-sources settings screen'],
  ['android.content.pm.action.REQUEST_INSTALL_PACKAGES', 'install permission request'],
]);
const PM_INSTALL = /^(?:su -c )?pm install\b/;
const APK_URL = /^(https?):\/\/[^\s"']+\.apk(?:[?#][^\s"']*)?$/i;
const VERIFY_CALLS = [
  'Landroid/content/pm/PackageManager;->getPackageArchiveInfo',
  'Ljava/security/MessageDigest;->digest',
  'Landroid/content/pm/Signature;->toByteArray',
  'Landroid/content/pm/PackageManager;->checkSignatures',
];
const SYSTEM_UIDS = new Set(['android.uid.system', 'android.uid.phone', 'android.uid.shell']);

interface StoreLink {
  store: Store;
  value: string;
  className: string;
  forwardsPackage: boolean;
}

const Evidence = evidence({
  role: Type.String(),
  installPaths: Type.Array(
    Type.Object(
      { kind: Type.String(), where: Type.String(), value: Type.Optional(Type.String()) },
      { additionalProperties: false },
    ),
  ),
  storeLinks: Type.Array(
    Type.Object(
      {
        store: Type.String(),
        official: Type.Boolean(),
        value: Type.String(),
        className: Type.String(),
        forwardsPackage: Type.Boolean(),
      },
      { additionalProperties: false },
    ),
  ),
  apkDownloads: Type.Array(Type.Object({ url: Type.String(), where: Type.String() }, { additionalProperties: false })),
  verifiesSignatures: Type.Boolean(),
  systemApp: Type.Boolean(),
  thirdPartyStores: Type.Array(Type.String()),
});
const Data = messageData({ package: Type.String(), role: Type.String(), summary: Type.String() });

type Found = ReportOf<typeof Evidence, typeof Data>;

export default defineDetector({
  meta: {
    id: 'distribution/install-paths',
    version: 2,
    input: 'app',
    description:
      'Store redirects and install capabilities (PackageInstaller, install intents, APK downloads, install ' +
      'permissions, pm install), and the resulting distribution role.',
    severity: 'medium',
    confidence: 'medium',
    tags: ['distribution'],
    evidence: Evidence,
    data: Data,
    messages: {
      role: '{{package}} is {{role}}: {{summary}}',
    },
  },
  detect(app): Found[] {
    const pkg = app.manifest?.package ?? null;
    const permissions = new Set(app.manifest?.permissions.map((p) => p.name) ?? []);
    const links: StoreLink[] = [];
    const installPaths: Array<{ kind: string; where: string; value?: string }> = [];
    const apkUrls: Array<{ url: string; where: string }> = [];
    let verifies = false;
    const facts = app.dexes.length ? appCodeFacts(app) : null;
    for (const m of facts?.methods ?? []) {
      const where = `${m.className}->${m.method}`;
      const strings = m.stringIds.length ? (facts?.memo('distribution-role', m, distributionRole) ?? []) : [];
      let texts: string[] | null = null;
      strings.forEach((role, i) => {
        if (!role) return;
        texts ??= facts?.memo('text', m, (s) => s) ?? [];
        const s = texts[i]; // memo keeps the order of the roles: one text per string of m
        if (s === undefined) return;
        if (role === 'store') {
          const store = storeFor(s);
          // A link to one's own store page (rate this app) is not a redirect to another source.
          if (store) links.push({ store, value: s, className: m.className, forwardsPackage: !pkg || !s.includes(pkg) });
        } else if (role === 'apk-url') apkUrls.push({ url: s, where });
        else if (role === 'pm-install') installPaths.push({ kind: 'pm install shell command', where, value: s });
        else installPaths.push({ kind: INSTALL_STRINGS.get(s) as string, where, value: s });
      });
      const relevant =
        m.callIds.length && facts
          ? facts.memoCalls('install-call', m, (c) => INSTALL_CALLS.has(c) || VERIFY_CALLS.includes(c))
          : [];
      const calls = facts && relevant.some(Boolean) ? facts.memoCalls('name', m, (c) => c) : [];
      for (const c of calls) {
        const kind = INSTALL_CALLS.get(c);
        if (
          kind &&
          (kind !== 'shell command' || installPaths.some((p) => p.where === where && p.kind.startsWith('pm install')))
        )
          installPaths.push({ kind, where });
        if (VERIFY_CALLS.includes(c)) verifies = true;
      }
    }
    for (const p of [
      'android.permission.INSTALL_PACKAGES',
      'android.permission.REQUEST_INSTALL_PACKAGES',
      'android.permission.DELETE_PACKAGES',
    ]) {
      if (permissions.has(p))
        installPaths.push({ kind: `permission ${p.split('.').pop()}`, where: 'AndroidManifest.xml' });
    }
    // A store registers the store schemes itself.
    const storeSchemes = new Set(storeTable().flatMap((s) => s.schemes));
    const isStore =
      (app.manifest?.components ?? []).some((c) =>
        c.intentFilters.some((f) => f.data.some((d) => d.scheme && storeSchemes.has(d.scheme))),
      ) || storeTable().some((s) => pkg !== null && s.packages.includes(pkg));
    const redirects = links.filter((l) => l.forwardsPackage);
    const unofficial = [
      ...new Map(
        redirects.filter((l) => !l.store.official && !l.store.curated).map((l) => [l.store.id, l.store]),
      ).values(),
    ];
    const canInstall =
      installPaths.some((p) => !p.kind.startsWith('DownloadManager')) ||
      permissions.has('android.permission.INSTALL_PACKAGES');
    const downloadsApks = apkUrls.length > 0 || installPaths.some((p) => p.kind.startsWith('DownloadManager'));
    const role = isStore
      ? 'store'
      : canInstall && downloadsApks
        ? 'updater'
        : canInstall
          ? 'installer'
          : redirects.length
            ? 'redirector'
            : 'none';
    if (role === 'none') return [];
    const system = SYSTEM_UIDS.has(app.manifest?.sharedUserId ?? '');
    const cleartext = apkUrls.filter((u) => u.url.startsWith('http://'));
    const offStore = apkUrls.filter(
      (u) => !storeTable().some((s) => s.official && s.hosts.some((h) => hostOf(u.url).endsWith(h))),
    );
    let severity: Severity = 'low';
    const reasons: string[] = [];
    if (permissions.has('android.permission.INSTALL_PACKAGES')) {
      severity = 'high';
      reasons.push('can install silently');
    }
    if (canInstall && cleartext.length) {
      severity = 'high';
      reasons.push('downloads APKs over plain HTTP');
    } else if (canInstall && offStore.length && !verifies) {
      severity = raise(severity, 'medium');
      reasons.push('installs APKs from outside an official store without checking signatures');
    }
    if (unofficial.length) {
      severity = raise(severity, system ? 'high' : 'medium');
      reasons.push(
        `${system ? 'system app ' : ''}sends users to third-party stores (${unofficial.map((s) => s.name).join(', ')})`,
      );
    }
    if (role === 'installer' || role === 'store') severity = raise(severity, 'medium');
    // Counted as the evidence lists them: one path per kind and place (a session's create and commit are one).
    const paths = dedupe(installPaths);
    const redirecting = dedupe(redirects.map((l) => `${l.store.id} ${l.value} ${l.className ?? ''}`));
    const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
    const summary = reasons.length
      ? reasons.join('; ')
      : `${count(paths.length, 'install path')}, ${count(redirecting.length, 'store link')}`;
    const out: Found[] = [
      {
        messageId: 'role',
        data: { package: pkg ?? app.artefact.path, role: `${/^[aeiou]/.test(role) ? 'an' : 'a'} ${role}`, summary },
        artefactId: app.artefact.id,
        location: {
          path: app.artefact.path,
          className: installPaths.find((p) => p.where.startsWith('L'))?.where.split('->')[0] ?? redirects[0]?.className,
        },
        severity,
        confidence: paths.length + redirecting.length >= 2 ? 'high' : 'medium',
        tags: [
          'distribution',
          role,
          ...(unofficial.length ? ['store-redirect'] : []),
          ...(canInstall ? ['installer'] : []),
        ],
        identity: role,
        evidence: {
          role,
          installPaths: paths.slice(0, 30),
          storeLinks: dedupe(
            links.map((l) => ({
              store: l.store.id,
              official: l.store.official,
              value: l.value,
              className: l.className,
              forwardsPackage: l.forwardsPackage,
            })),
          ).slice(0, 30),
          apkDownloads: apkUrls.slice(0, 20),
          verifiesSignatures: verifies,
          systemApp: system,
          thirdPartyStores: unofficial.map((s) => s.id),
          excerpt: redirects[0]?.value ?? apkUrls[0]?.url ?? installPaths[0]?.kind,
        },
      },
    ];
    return out;
  },
});

type DistributionRole = 'store' | 'apk-url' | 'pm-install' | 'install-string' | null;

function distributionRole(s: string): DistributionRole {
  if (s.length < 6) return null;
  if (INSTALL_STRINGS.has(s)) return 'install-string';
  if (PM_INSTALL.test(s)) return 'pm-install';
  if (APK_URL.test(s)) return 'apk-url';
  return storeFor(s) ? 'store' : null;
}

/** The store a URL or intent string points to (by scheme, or by web host for http/https). */
export function storeFor(s: string): Store | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s)?.[1]?.toLowerCase();
  if (!scheme) return undefined;
  return storeTable().find(
    (st) =>
      st.schemes.includes(scheme) ||
      ((scheme === 'http' || scheme === 'https') &&
        st.hosts.some((h) => hostOf(s) === h || hostOf(s).endsWith(`.${h}`) || s.includes(`//${h}/`))),
  );
}

function hostOf(url: string): string {
  return /^[a-z]+:\/\/([^/:?#]+)/i.exec(url)?.[1]?.toLowerCase() ?? '';
}

function raise(a: Severity, b: Severity): Severity {
  const order: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
  return order.indexOf(a) >= order.indexOf(b) ? a : b;
}

function dedupe<T>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((x) => {
    const k = JSON.stringify(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
