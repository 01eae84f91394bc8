import { loadDataFile } from '../data-files.js';
import type { App, Artefact, Destination, FirmwareSummary, Finding, PreinstalledApp } from '../model.js';
import type { FirmwareModel } from '../detectors/models.js';
import { countryOf } from '../capture/geo.js';
import { restrictionText, transferRestriction } from '../capture/gdpr.js';
import { deviceProfile } from '../formats/buildprop.js';
import type { FirmwareWalk } from '../acquire/walk.js';

/**
 * Turns a firmware walk and the analysis of its apps into the firmware section of the report (profile,
 * partitions, pre-installed app inventory) and into the model the firmware detectors read
 * (src/detectors/firmware/*: silent installers, system keyword lists, non-adequate endpoints, disabled
 * verified boot, permissive SELinux, development builds, pre-installed trackers).
 */

export const INSTALL = 'android.permission.INSTALL_PACKAGES';
const SYSTEM_UIDS = new Set(['android.uid.system', 'android.uid.phone', 'android.uid.shell']);

interface PermissionInfo {
  protectionLevel: string;
}
let permissionTable: Record<string, PermissionInfo> | null = null;
function protectionOf(name: string): string | null {
  if (!permissionTable) permissionTable = loadDataFile('permissions').permissions;
  return permissionTable[name]?.protectionLevel ?? null;
}

export function isAospPackage(pkg: string | null): boolean {
  return pkg === 'android' || (pkg ?? '').startsWith('com.android.');
}

export function buildFirmwareSummary(
  walk: FirmwareWalk,
  artefact: Artefact,
  appsByPath: Map<string, App>,
): FirmwareSummary {
  const props = walk.props.map((p) => ({ path: p.path, props: p.props }));
  const profile = deviceProfile(props);
  const properties: Record<string, string> = {};
  for (const p of props) for (const [k, v] of p.props) if (!(k in properties)) properties[k] = v;
  // The platform certificate is the one that signs framework-res.apk.
  let platformCert: string | null = null;
  for (const f of walk.files) {
    if (f.kind === 'apk' && /\/framework\/framework-res\.apk$/.test(f.pathInPartition))
      platformCert = appsByPath.get(f.logicalPath)?.signers[0]?.sha256 ?? platformCert;
  }
  const apps: PreinstalledApp[] = [];
  for (const f of walk.files) {
    if (f.kind !== 'apk') continue;
    const app = appsByPath.get(f.logicalPath);
    if (!app) continue;
    const signer = app.signers[0]?.sha256 ?? null;
    const platformSigned = !!platformCert && signer === platformCert;
    const privileged = /\/priv-app\//.test(f.pathInPartition);
    const pkg = app.package ?? '';
    const allow = walk.grants.privileged.get(pkg) ?? new Set<string>();
    const defaults = walk.grants.defaults.get(pkg) ?? new Set<string>();
    const denied = walk.grants.denied.get(pkg) ?? new Set<string>();
    const granted = app.permissions
      .map((p) => p.name)
      .filter((name) => {
        if (denied.has(name)) return false;
        const level = protectionOf(name) ?? '';
        if (defaults.has(name)) return true;
        if (level.includes('privileged') && privileged && allow.has(name)) return true;
        if (level.includes('signature') && platformSigned) return true;
        return false;
      });
    const systemUid = SYSTEM_UIDS.has(app.sharedUserId ?? '');
    const canInstall =
      app.permissions.some((p) => p.name === INSTALL) && (granted.includes(INSTALL) || (systemUid && platformSigned));
    apps.push({
      artefactId: app.artefactId,
      path: f.logicalPath,
      partition: f.partition,
      pathInPartition: f.pathInPartition,
      package: app.package,
      versionName: app.versionName,
      versionCode: app.versionCode,
      privileged,
      sharedUserId: app.sharedUserId,
      signerSha256: signer,
      platformSigned,
      grantedPermissions: [...new Set(granted)].sort(),
      canInstallPackages: canInstall,
      aosp: isAospPackage(app.package),
    });
  }
  return {
    artefactId: artefact.id,
    path: artefact.path,
    layers: [...walk.layers].sort(),
    partitions: walk.partitions,
    profile,
    properties,
    boot: walk.boot.map((b) => ({
      path: b.path,
      kind: b.kind,
      headerVersion: b.headerVersion,
      cmdline: b.cmdline,
      ...(b.bootconfig ? { bootconfig: b.bootconfig } : {}),
      osVersion: b.osVersion,
      patchLevel: b.patchLevel,
      ramdiskFormat: b.ramdiskFormat,
    })),
    vbmeta: walk.vbmeta.map((v) => ({
      path: v.path,
      algorithm: v.algorithm,
      flags: v.flags,
      hashtreeDisabled: v.hashtreeDisabled,
      verificationDisabled: v.verificationDisabled,
      rollbackIndex: v.rollbackIndex,
      partitions: v.partitions,
      publicKeySha256: v.publicKeySha256,
    })),
    apps,
  };
}

/**
 * The input of the firmware detectors (src/detectors/firmware/*): the summary, and the findings of the
 * whole scan that lie inside each pre-installed app (to link keyword lists, endpoints, install paths and
 * trackers to it); `destinations` come from any capture in the same scan and give hard-coded hosts a country.
 */
export function firmwareModel(
  summary: FirmwareSummary,
  artefact: Artefact,
  findings: Finding[],
  destinations: Destination[],
): FirmwareModel {
  const appOfArtefact = new Map(summary.apps.map((a) => [a.artefactId, a]));
  // Findings inside an app's nested parts belong to the app too: map each finding by its path prefix.
  const appForPath = (path: string) => summary.apps.find((a) => path === a.path || path.startsWith(`${a.path}!/`));
  const own = new Map<string, Finding[]>();
  const nested = new Map<string, Finding[]>();
  for (const f of findings) {
    const app = appOfArtefact.get(f.artefactId) ?? appForPath(f.location.path);
    if (!app) continue;
    const into = insideNestedApk(f.location.path, app.path) ? nested : own;
    const l = into.get(app.artefactId);
    if (l) l.push(f);
    else into.set(app.artefactId, [f]);
  }
  const appFindings = new Map<string, Finding[]>();
  for (const a of summary.apps) {
    const mine = own.get(a.artefactId) ?? [];
    // An APK stored inside another is analysed, and its lists and hosts ship with the app; but what it may
    // do (its permissions, its install paths) is the outer app's only if the outer app installs APKs.
    const installs = mine.some((f) => f.detectorId === 'distribution/install-paths');
    const inner = (nested.get(a.artefactId) ?? []).filter(
      (f) => installs || !APP_CAPABILITY_DETECTORS.has(f.detectorId),
    );
    if (mine.length + inner.length > 0) appFindings.set(a.artefactId, [...mine, ...inner]);
  }
  return { artefact, summary, appFindings, destinations };
}

/** Findings about what an app may do, as opposed to what it carries. */
const APP_CAPABILITY_DETECTORS: ReadonlySet<string> = new Set(['app/permissions', 'distribution/install-paths']);

/** Whether a path lies inside an APK (or JAR) that is itself stored inside the app at `appPath`. */
export function insideNestedApk(path: string, appPath: string): boolean {
  if (!path.startsWith(`${appPath}!/`)) return false;
  return /\.(apk|jar)(!\/|$)/i.test(path.slice(appPath.length + 2));
}

/** Where a host named by a system app lies, and how Candor knows. */
export function countryForHost(
  host: string,
  isIp: boolean,
  destinations: Destination[],
): { country: string; how: string } | null {
  if (isIp) {
    const c = countryOf(host);
    return c ? { country: c, how: 'IP geolocation' } : null;
  }
  const seen = destinations.find((d) => d.host === host && d.country);
  if (seen?.country) return { country: seen.country, how: 'seen in a capture of this scan' };
  const tld = host.split('.').pop()?.toUpperCase() ?? '';
  if (
    /^[A-Z]{2}$/.test(tld) &&
    ![
      'EU',
      'IO',
      'CO',
      'ME',
      'TV',
      'CC',
      'LY',
      'AI',
      'GG',
      'FM',
      'AM',
      'TO',
      'WS',
      'NU',
      'SH',
      'AC',
      'VC',
      'GL',
      'LA',
    ].includes(tld)
  ) {
    return { country: tld === 'UK' ? 'GB' : tld, how: 'country-code top-level domain' };
  }
  return null;
}

export function outsideAdequacy(country: string): string | null {
  const r = transferRestriction(country);
  return r ? restrictionText(r) : null;
}
