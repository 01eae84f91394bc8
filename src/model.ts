/**
 * The canonical data model: what a scan produces. Every renderer and the store work from these types,
 * and `schema/report.schema.json` describes their JSON form.
 */

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
export type Confidence = 'low' | 'medium' | 'high';

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export type ArtefactKind = 'apk' | 'dex' | 'zip' | 'nested-apk' | 'native-lib' | 'text' | 'binary-xml' | 'arsc' | 'file' | 'capture' | 'firmware';

export interface Artefact {
  /** Stable within one report: a short hash of the logical path. */
  id: string;
  parentId: string | null;
  kind: ArtefactKind;
  /** Logical path; nested parts are joined with `!/`, e.g. `app.apk!/assets/words.txt`. */
  path: string;
  sha256: string;
  /** MD5 and SHA-1 too, for files indicators name that way (APKs, DEX, native libraries). */
  sha1?: string;
  md5?: string;
  size: number;
}

/** Where a finding's evidence sits. `path` is always the logical artefact path. */
export interface Location {
  path: string;
  entry?: string;
  offset?: number;
  className?: string;
  method?: string;
  line?: number;
  /** Capture frame number (1-based, as Wireshark counts). */
  frame?: number;
}

export interface Finding {
  detectorId: string;
  detectorVersion: number;
  messageId: string;
  severity: Severity;
  confidence: Confidence;
  tags: string[];
  message: string;
  artefactId: string;
  location: Location;
  evidence: Record<string, unknown> & { excerpt?: string };
  /** Stable hash of detector, artefact content and evidence identity: for dedupe, baselines and diffs. */
  fingerprint: string;
}

export type DiagnosticLevel = 'warning' | 'error';

/** Something that could not be read or was cut short by a limit; the scan goes on without it. */
export interface Diagnostic {
  level: DiagnosticLevel;
  /** Machine-readable code, e.g. `zip/entry-outside-archive`, `dex/bad-offset`, `limit/inflated-bytes`. */
  code: string;
  message: string;
  path: string;
  artefactId?: string;
}

export interface Signer {
  scheme: 'v1' | 'v2' | 'v3' | 'v3.1';
  sha256: string;
  sha1: string;
  subject: string;
  issuer: string;
  serialNumber: string;
  validFrom: string;
  validTo: string;
}

export interface TrackerHit {
  id: string;
  name: string;
  source: 'builtin' | 'exodus';
  categories: string[];
  website?: string;
  matchedClasses: string[];
  /** How many classes matched in total; `matchedClasses` is capped for size. */
  matchedClassCount: number;
}

export interface Component {
  type: 'activity' | 'activity-alias' | 'service' | 'receiver' | 'provider';
  name: string;
  exported: boolean | null;
  permission?: string;
  intentFilters: IntentFilter[];
}

export interface IntentFilter {
  actions: string[];
  categories: string[];
  data: Array<Record<string, string>>;
}

export interface PermissionUse {
  name: string;
  maxSdkVersion?: number;
  /** `uses-permission`, `uses-permission-sdk-23` or `uses-permission-sdk-m`. */
  element: string;
  protectionLevel?: string;
}

export interface App {
  artefactId: string;
  path: string;
  package: string | null;
  versionCode: number | null;
  versionName: string | null;
  label: string | null;
  minSdk: number | null;
  targetSdk: number | null;
  sharedUserId: string | null;
  permissions: PermissionUse[];
  declaredPermissions: Array<{ name: string; protectionLevel?: string }>;
  components: Component[];
  signers: Signer[];
  signatureSchemes: string[];
  trackers: TrackerHit[];
  dexCount: number;
  classCount: number;
  methodCount: number;
  stringCount: number;
  nativeLibs: string[];
}

/** A host the device talked to in a capture, with totals over every connection to it. */
export interface Destination {
  host: string;
  ips: string[];
  ports: number[];
  protocols: string[];
  /** ISO 3166 country of the first IP, when offline geolocation is available; null until then. */
  country: string | null;
  bytesUp: number;
  bytesDown: number;
  connections: number;
  firstSeen: string;
  lastSeen: string;
  periodSeconds: number | null;
  /** Share of the bytes that could not be read: TLS, QUIC, DoT, or plain HTTP with opaque bodies. */
  encryptedShare: number;
  /** Which kinds made up `encryptedShare`: tls, quic, dot, opaque-http-body, opaque-http-body-base64. */
  encryption?: string[];
  nameSource: 'sni' | 'http' | 'dns' | 'capture-names' | 'ip';
  /** Apps that made the connections (PCAPdroid captures) and apps of the same scan whose code or
   * resources name this host. */
  apps: string[];
  /** Tracker and telemetry services whose host signatures match (built-in hosts, Exodus network signatures). */
  trackers?: string[];
  /** Capture artefact and first frames, for evidence. */
  artefactId: string;
  sampleFrames: number[];
}

export interface ScanSummary {
  artefacts: number;
  apps: number;
  findings: Record<Severity, number>;
  diagnostics: number;
  durationMs: number;
}

export interface Report {
  schemaVersion: string;
  tool: { name: 'candor'; version: string };
  scan: { id: string; startedAt: string; finishedAt: string; inputs: string[]; options: Record<string, unknown> };
  summary: ScanSummary;
  artefacts: Artefact[];
  apps: App[];
  findings: Finding[];
  diagnostics: Diagnostic[];
  /** Present when the scan read network captures. */
  destinations?: Destination[];
  /** Present when the scan read firmware images or extracted firmware folders. */
  firmware?: FirmwareSummary[];
}

/** One partition (or top-level folder) of a firmware and what was found in it. */
export interface FirmwarePartition {
  path: string;
  name: string;
  layers: string[];
  size: number;
  fileSystem: 'ext4' | 'erofs' | null;
  files: number;
  apks: number;
}

/** The device described by the firmware's property files. */
export interface DeviceProfile {
  brand: string | null;
  manufacturer: string | null;
  model: string | null;
  device: string | null;
  name: string | null;
  fingerprint: string | null;
  firmwareVersion: string | null;
  androidVersion: string | null;
  sdk: string | null;
  securityPatch: string | null;
  buildType: string | null;
  buildTags: string | null;
  buildDate: string | null;
  skin: string | null;
  /** Region, locale and carrier properties, by name. */
  region: Record<string, string>;
  /** Which file and key each field came from. */
  sources: Record<string, string>;
}

/** A pre-installed app as the firmware installs it. */
export interface PreinstalledApp {
  artefactId: string;
  path: string;
  partition: string;
  pathInPartition: string;
  package: string | null;
  versionName: string | null;
  versionCode: number | null;
  /** Under a priv-app folder: eligible for privileged permissions. */
  privileged: boolean;
  sharedUserId: string | null;
  signerSha256: string | null;
  /** Signed with the same certificate as framework-res.apk (the platform key). */
  platformSigned: boolean;
  /** Requested permissions the firmware grants without asking: privileged allow-lists, default grants,
   * signature permissions of platform-signed apps. */
  grantedPermissions: string[];
  /** Can install other apps without the user (INSTALL_PACKAGES granted). */
  canInstallPackages: boolean;
  /** Package is part of AOSP (android, com.android.*). */
  aosp: boolean;
}

export interface FirmwareSummary {
  artefactId: string;
  path: string;
  /** Container layers seen: zip, tar, gzip, payload, block-ota, sparse, super, ext4, erofs, boot, vbmeta, folder. */
  layers: string[];
  partitions: FirmwarePartition[];
  profile: DeviceProfile;
  /** Every property from every property file (later files do not override earlier ones). */
  properties: Record<string, string>;
  boot: Array<{ path: string; kind: string; headerVersion: number; cmdline: string; bootconfig?: string; osVersion: string | null; patchLevel: string | null; ramdiskFormat: string | null }>;
  vbmeta: Array<{ path: string; algorithm: string; flags: number; hashtreeDisabled: boolean; verificationDisabled: boolean; rollbackIndex: string; partitions: Array<{ partition: string; kind: string }>; publicKeySha256: string | null }>;
  apps: PreinstalledApp[];
}

export const REPORT_SCHEMA_VERSION = '1.0.0';
