import { readFileSync } from 'node:fs';
import { dataPath } from '../data-path.js';
import { shortHash } from '../io/hash.js';
import type { App, Artefact, Destination, FirmwareSummary, Finding, PreinstalledApp, Severity } from '../model.js';
import { countryOf } from '../capture/geo.js';
import { restrictionText, transferRestriction } from '../capture/gdpr.js';
import { deviceProfile } from './buildprop.js';
import type { FirmwareWalk } from './walk.js';

/**
 * Turns a firmware walk and the analysis of its apps into the firmware section of the report (profile,
 * partitions, pre-installed app inventory) and the firmware-level findings: silent installers, system
 * apps carrying keyword lists, non-AOSP system apps calling non-adequate countries, disabled verified
 * boot, permissive SELinux, debuggable or test-key builds, and trackers shipped in the system image.
 */

const INSTALL = 'android.permission.INSTALL_PACKAGES';
const SYSTEM_UIDS = new Set(['android.uid.system', 'android.uid.phone', 'android.uid.shell']);

interface PermissionInfo {
  protectionLevel: string;
}
let permissionTable: Record<string, PermissionInfo> | null = null;
function protectionOf(name: string): string | null {
  if (!permissionTable) permissionTable = (JSON.parse(readFileSync(dataPath('permissions.json'), 'utf8')) as { permissions: Record<string, PermissionInfo> }).permissions;
  return permissionTable[name]?.protectionLevel ?? null;
}

export function isAospPackage(pkg: string | null): boolean {
  return pkg === 'android' || (pkg ?? '').startsWith('com.android.');
}

export function buildFirmwareSummary(walk: FirmwareWalk, artefact: Artefact, appsByPath: Map<string, App>): FirmwareSummary {
  const props = walk.props.map((p) => ({ path: p.path, props: p.props }));
  const profile = deviceProfile(props);
  const properties: Record<string, string> = {};
  for (const p of props) for (const [k, v] of p.props) if (!(k in properties)) properties[k] = v;
  // The platform certificate is the one that signs framework-res.apk.
  let platformCert: string | null = null;
  for (const f of walk.files) {
    if (f.kind === 'apk' && /\/framework\/framework-res\.apk$/.test(f.pathInPartition)) platformCert = appsByPath.get(f.logicalPath)?.signers[0]?.sha256 ?? platformCert;
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
    const canInstall = app.permissions.some((p) => p.name === INSTALL) && (granted.includes(INSTALL) || (systemUid && platformSigned));
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
    boot: walk.boot.map((b) => ({ path: b.path, kind: b.kind, headerVersion: b.headerVersion, cmdline: b.cmdline, ...(b.bootconfig ? { bootconfig: b.bootconfig } : {}), osVersion: b.osVersion, patchLevel: b.patchLevel, ramdiskFormat: b.ramdiskFormat })),
    vbmeta: walk.vbmeta.map((v) => ({ path: v.path, algorithm: v.algorithm, flags: v.flags, hashtreeDisabled: v.hashtreeDisabled, verificationDisabled: v.verificationDisabled, rollbackIndex: v.rollbackIndex, partitions: v.partitions, publicKeySha256: v.publicKeySha256 })),
    apps,
  };
}

const DETECTOR_VERSION = 1;

function finding(id: string, artefactSha: string, severity: Severity, message: string, artefactId: string, path: string, evidence: Record<string, unknown>, identity: string, tags: string[]): Finding {
  return {
    detectorId: id,
    detectorVersion: DETECTOR_VERSION,
    messageId: id.split('/')[1],
    severity,
    confidence: 'high',
    tags: ['firmware', ...tags],
    message,
    artefactId,
    location: { path },
    evidence,
    fingerprint: shortHash(`${id}|${artefactSha}|${identity}`, 32),
  };
}

/**
 * Firmware-level findings. `findings` are the findings of the whole scan (to link keyword lists,
 * endpoints, install paths and trackers to the pre-installed apps); `destinations` come from any capture
 * in the same scan and give hard-coded hosts a country.
 */
export function firmwareFindings(fw: FirmwareSummary, firmwareSha: string, findings: Finding[], destinations: Destination[]): Finding[] {
  const out: Finding[] = [];
  const appOfArtefact = new Map(fw.apps.map((a) => [a.artefactId, a]));
  // Findings inside an app's nested parts belong to the app too: map each finding by its path prefix.
  const appForPath = (path: string) => fw.apps.find((a) => path === a.path || path.startsWith(`${a.path}!/`));
  const findingsOf = new Map<string, Finding[]>();
  for (const f of findings) {
    const app = appOfArtefact.get(f.artefactId) ?? appForPath(f.location.path);
    if (!app) continue;
    const l = findingsOf.get(app.artefactId);
    if (l) l.push(f);
    else findingsOf.set(app.artefactId, [f]);
  }

  for (const a of fw.apps) {
    const own = findingsOf.get(a.artefactId) ?? [];
    const label = a.package ?? a.pathInPartition;
    if (a.canInstallPackages) {
      const how = a.grantedPermissions.includes(INSTALL) ? (a.platformSigned ? 'platform-signed' : 'privileged allow-list') : `shared uid ${a.sharedUserId} with the platform key`;
      const related = own.filter((f) => f.detectorId === 'distribution/install-paths').map((f) => f.fingerprint);
      out.push(finding('firmware/silent-installer', firmwareSha, 'high', `${label} in ${a.partition} can install apps without asking the user (INSTALL_PACKAGES granted: ${how})`, a.artefactId, a.path, { package: a.package, partition: a.partition, path: a.pathInPartition, grantedBy: how, privileged: a.privileged, platformSigned: a.platformSigned, related, excerpt: `${label}: ${INSTALL}` }, `${a.package}|install`, ['installer', 'distribution']));
    }
    const lists = own.filter((f) => f.detectorId.startsWith('censorship/') && f.severity !== 'info');
    if (lists.length) {
      const terms = lists.reduce((n, f) => n + (Number((f.evidence as { termCount?: number }).termCount) || 0), 0);
      out.push(finding('firmware/system-keyword-list', firmwareSha, 'high', `pre-installed ${label} (${a.partition}) carries ${lists.length} censorship finding(s)${terms ? ` covering ${terms} listed terms` : ''}`, a.artefactId, a.path, { package: a.package, partition: a.partition, path: a.pathInPartition, related: lists.map((f) => f.fingerprint), detectors: [...new Set(lists.map((f) => f.detectorId))], excerpt: lists[0].message.slice(0, 200) }, `${a.package}|lists`, ['censorship']));
    }
    if (!a.aosp) {
      for (const f of own.filter((x) => x.detectorId === 'network/endpoints')) {
        const e = f.evidence as { host: string; isIp?: boolean };
        const placed = countryForHost(e.host, e.isIp === true, destinations);
        if (!placed) continue;
        const verdict = outsideAdequacy(placed.country);
        if (!verdict) continue;
        out.push(finding('firmware/non-adequate-endpoint', firmwareSha, placed.how === 'country-code top-level domain' ? 'low' : 'medium', `non-AOSP system app ${label} names ${e.host}, located in ${placed.country} (${placed.how}), ${verdict}`, a.artefactId, f.location.path, { package: a.package, host: e.host, country: placed.country, how: placed.how, adequacy: verdict, related: [f.fingerprint], excerpt: `${e.host} → ${placed.country}` }, `${a.package}|${e.host}`, ['gdpr', 'network']));
      }
    }
  }

  // Trackers shipped in the system image: one finding per tracker, naming every app that carries it.
  const trackers = new Map<string, { name: string; apps: PreinstalledApp[] }>();
  for (const a of fw.apps) {
    for (const f of findingsOf.get(a.artefactId) ?? []) {
      if (!f.detectorId.startsWith('trackers/')) continue;
      const t = f.evidence as { trackerId?: string; id?: string; name?: string };
      const id = t.trackerId ?? t.id ?? t.name ?? f.message;
      const entry = trackers.get(id) ?? { name: t.name ?? id, apps: [] };
      if (!entry.apps.includes(a)) entry.apps.push(a);
      trackers.set(id, entry);
    }
  }
  for (const [id, t] of trackers) {
    const names = t.apps.map((a) => a.package ?? a.pathInPartition);
    out.push(finding('firmware/preinstalled-tracker', firmwareSha, 'medium', `${t.name} is pre-installed in ${names.length} system app(s): ${names.slice(0, 8).join(', ')}${names.length > 8 ? '…' : ''}`, fw.artefactId, fw.path, { tracker: id, name: t.name, apps: names, excerpt: `${t.name}: ${names.length} apps` }, `tracker|${id}`, ['tracker']));
  }

  for (const v of fw.vbmeta) {
    if (v.verificationDisabled || v.hashtreeDisabled) {
      const what = [v.verificationDisabled ? 'verification' : '', v.hashtreeDisabled ? 'dm-verity hashtree' : ''].filter(Boolean).join(' and ');
      out.push(finding('firmware/verified-boot-disabled', firmwareSha, 'high', `${v.path.split('!/').pop()} disables Android Verified Boot ${what} (flags ${v.flags}): modified system partitions would still boot`, fw.artefactId, v.path, { flags: v.flags, verificationDisabled: v.verificationDisabled, hashtreeDisabled: v.hashtreeDisabled, partitions: v.partitions.map((p) => p.partition), excerpt: `vbmeta flags=${v.flags}` }, `vbmeta|${v.path}`, ['integrity', 'boot']));
    }
  }
  const permissive: Array<{ where: string; text: string }> = [];
  for (const b of fw.boot) {
    for (const text of [b.cmdline, b.bootconfig ?? '']) if (/androidboot\.selinux\s*=\s*"?permissive/.test(text)) permissive.push({ where: b.path, text: /androidboot\.selinux\s*=\s*"?permissive"?/.exec(text)?.[0] ?? '' });
  }
  if (fw.properties['ro.boot.selinux'] === 'permissive') permissive.push({ where: 'ro.boot.selinux', text: 'ro.boot.selinux=permissive' });
  for (const p of permissive) out.push(finding('firmware/selinux-permissive', firmwareSha, 'high', `SELinux is set to permissive (${p.text}) in ${p.where.split('!/').pop()}: its policy is logged, not enforced`, fw.artefactId, p.where.includes('!/') ? p.where : fw.path, { where: p.where, excerpt: p.text }, `selinux|${p.where}`, ['integrity', 'selinux']));
  const weak: string[] = [];
  const type = fw.profile.buildType;
  if (type === 'userdebug' || type === 'eng') weak.push(`build type ${type}`);
  if (fw.properties['ro.debuggable'] === '1') weak.push('ro.debuggable=1');
  if (fw.properties['ro.secure'] === '0') weak.push('ro.secure=0');
  if (fw.properties['ro.adb.secure'] === '0') weak.push('ro.adb.secure=0');
  if ((fw.profile.buildTags ?? '').includes('test-keys')) weak.push('signed with test-keys (public AOSP keys)');
  if (weak.length) out.push(finding('firmware/weak-build', firmwareSha, 'medium', `the firmware is a development build: ${weak.join(', ')}`, fw.artefactId, fw.path, { reasons: weak, buildType: type, buildTags: fw.profile.buildTags, excerpt: weak.join('; ') }, 'weak-build', ['integrity']));
  return out;
}

function countryForHost(host: string, isIp: boolean, destinations: Destination[]): { country: string; how: string } | null {
  if (isIp) {
    const c = countryOf(host);
    return c ? { country: c, how: 'IP geolocation' } : null;
  }
  const seen = destinations.find((d) => d.host === host && d.country);
  if (seen?.country) return { country: seen.country, how: 'seen in a capture of this scan' };
  const tld = host.split('.').pop()?.toUpperCase() ?? '';
  if (/^[A-Z]{2}$/.test(tld) && !['EU', 'IO', 'CO', 'ME', 'TV', 'CC', 'LY', 'AI', 'GG', 'FM', 'AM', 'TO', 'WS', 'NU', 'SH', 'AC', 'VC', 'GL', 'LA'].includes(tld)) {
    return { country: tld === 'UK' ? 'GB' : tld, how: 'country-code top-level domain' };
  }
  return null;
}

function outsideAdequacy(country: string): string | null {
  const r = transferRestriction(country);
  return r ? restrictionText(r) : null;
}
