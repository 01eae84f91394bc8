import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import type { DetectorId, EvidenceOf } from './detectors/evidence.js';

/**
 * The canonical data model: what a scan produces. Every renderer and the store work from these types.
 * Each type is declared once, as a TypeBox schema value with its TypeScript type derived by `Static<>`;
 * `schema/report.schema.json` is generated from these values and the detectors' evidence schemas
 * (`npm run schema`, src/report/schema.ts), so the types and the published schema cannot drift.
 */

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Int = (min?: number) => Type.Integer(min === undefined ? {} : { minimum: min });
const Strings = () => Type.Array(Type.String());
const Hex = (n: number) => Type.String({ pattern: `^[0-9a-f]{${n}}$` });
/** Closed objects: a field the schema does not name is an error, so a renamed field is caught. */
const Closed = <P extends Record<string, TSchema>>(props: P, description?: string) =>
  Type.Object(props, { additionalProperties: false, ...(description ? { description } : {}) });

export const SeveritySchema = Type.Union([
  Type.Literal('info'),
  Type.Literal('low'),
  Type.Literal('medium'),
  Type.Literal('high'),
  Type.Literal('critical'),
]);
export type Severity = Static<typeof SeveritySchema>;
export const SEVERITIES: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
export const ConfidenceSchema = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]);
export type Confidence = Static<typeof ConfidenceSchema>;

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

const ARTEFACT_KINDS = [
  'apk',
  'dex',
  'zip',
  'nested-apk',
  'native-lib',
  'text',
  'binary-xml',
  'arsc',
  'file',
  'capture',
  'firmware',
] as const;
export const ArtefactKindSchema = Type.Union(ARTEFACT_KINDS.map((k) => Type.Literal(k)));
export type ArtefactKind = (typeof ARTEFACT_KINDS)[number];

export const ArtefactSchema = Closed({
  /** Stable within one report: a short hash of the logical path. */
  id: Type.String(),
  parentId: Nullable(Type.String()),
  kind: ArtefactKindSchema,
  /** Logical path; nested parts are joined with `!/`, e.g. `app.apk!/assets/words.txt`. */
  path: Type.String({ description: "Logical path; nested parts are joined with '!/'." }),
  sha256: Hex(64),
  /** MD5 and SHA-1 too, for files indicators name that way (APKs, DEX, native libraries). */
  sha1: Type.Optional(Hex(40)),
  md5: Type.Optional(Hex(32)),
  size: Int(0),
});
export type Artefact = Static<typeof ArtefactSchema>;

/** Where a finding's evidence sits. `path` is always the logical artefact path. */
export const LocationSchema = Closed({
  path: Type.String(),
  entry: Type.Optional(Type.String()),
  offset: Type.Optional(Int(0)),
  className: Type.Optional(Type.String()),
  method: Type.Optional(Type.String()),
  line: Type.Optional(Type.Integer()),
  /** Capture frame number (1-based, as Wireshark counts). */
  frame: Type.Optional(Int(1)),
});
export type Location = Static<typeof LocationSchema>;

/** The fields every finding has; `evidence` is typed per detector (src/detectors/evidence.ts). */
export const FindingFields = {
  detectorId: Type.String({ pattern: '^[a-z0-9-]+/[a-z0-9-]+$' }),
  detectorVersion: Int(1),
  messageId: Type.String(),
  severity: SeveritySchema,
  confidence: ConfidenceSchema,
  tags: Strings(),
  message: Type.String(),
  artefactId: Type.String(),
  location: LocationSchema,
  /** Stable hash of detector, artefact content and evidence identity: for dedupe, baselines and diffs. */
  fingerprint: Type.String({ pattern: '^[0-9a-f]{32}$' }),
};
type FindingBase = Static<TObject<typeof FindingFields>>;

type FindingUnion = {
  [K in DetectorId]: Omit<FindingBase, 'detectorId'> & { detectorId: K; evidence: EvidenceOf<K> };
}[DetectorId];
/** A finding of detector `Id`: a discriminated union on `detectorId`, with that detector's evidence. */
export type Finding<Id extends DetectorId = DetectorId> = Extract<FindingUnion, { detectorId: Id }>;

/** Narrows a finding to one detector's (or one of several), so its evidence is typed. */
export function isFinding<Id extends DetectorId>(f: Finding, ...ids: Id[]): f is Finding<Id> {
  return (ids as string[]).includes(f.detectorId);
}

/** The findings of one detector (or several), typed. */
export function findingsOf<Id extends DetectorId>(findings: readonly Finding[], ...ids: Id[]): Array<Finding<Id>> {
  return findings.filter((f): f is Finding<Id> => isFinding(f, ...ids));
}

export const DiagnosticLevelSchema = Type.Union([Type.Literal('warning'), Type.Literal('error')]);
export type DiagnosticLevel = Static<typeof DiagnosticLevelSchema>;

/** Something that could not be read or was cut short by a limit; the scan goes on without it. */
export const DiagnosticSchema = Closed({
  level: DiagnosticLevelSchema,
  /** Machine-readable code, e.g. `zip/entry-outside-archive`, `dex/bad-offset`, `limit/inflated-bytes`. */
  code: Type.String({ pattern: '^[a-z0-9-]+/[a-z0-9-]+$' }),
  message: Type.String(),
  path: Type.String(),
  artefactId: Type.Optional(Type.String()),
});
export type Diagnostic = Static<typeof DiagnosticSchema>;

export const SignerSchema = Closed({
  scheme: Type.Union([Type.Literal('v1'), Type.Literal('v2'), Type.Literal('v3'), Type.Literal('v3.1')]),
  sha256: Hex(64),
  sha1: Type.String(),
  subject: Type.String(),
  issuer: Type.String(),
  serialNumber: Type.String(),
  validFrom: Type.String(),
  validTo: Type.String(),
});
export type Signer = Static<typeof SignerSchema>;

export const TrackerHitSchema = Closed({
  id: Type.String(),
  name: Type.String(),
  source: Type.Union([Type.Literal('builtin'), Type.Literal('exodus')]),
  categories: Strings(),
  website: Type.Optional(Type.String()),
  matchedClasses: Type.Array(Type.String(), { minItems: 1 }),
  /** How many classes matched in total; `matchedClasses` is capped for size. */
  matchedClassCount: Int(1),
});
export type TrackerHit = Static<typeof TrackerHitSchema>;

export const IntentFilterSchema = Closed({
  actions: Strings(),
  categories: Strings(),
  data: Type.Array(Type.Record(Type.String(), Type.String())),
});
export type IntentFilter = Static<typeof IntentFilterSchema>;

export const ComponentSchema = Closed({
  type: Type.Union([
    Type.Literal('activity'),
    Type.Literal('activity-alias'),
    Type.Literal('service'),
    Type.Literal('receiver'),
    Type.Literal('provider'),
  ]),
  name: Type.String(),
  exported: Nullable(Type.Boolean()),
  permission: Type.Optional(Type.String()),
  intentFilters: Type.Array(IntentFilterSchema),
});
export type Component = Static<typeof ComponentSchema>;

export const PermissionUseSchema = Closed({
  name: Type.String(),
  maxSdkVersion: Type.Optional(Type.Integer()),
  /** `uses-permission`, `uses-permission-sdk-23` or `uses-permission-sdk-m`. */
  element: Type.String(),
  protectionLevel: Type.Optional(Type.String()),
});
export type PermissionUse = Static<typeof PermissionUseSchema>;

export const AppSchema = Closed({
  artefactId: Type.String(),
  path: Type.String(),
  package: Nullable(Type.String()),
  versionCode: Nullable(Type.Integer()),
  versionName: Nullable(Type.String()),
  label: Nullable(Type.String()),
  minSdk: Nullable(Type.Integer()),
  targetSdk: Nullable(Type.Integer()),
  sharedUserId: Nullable(Type.String()),
  permissions: Type.Array(PermissionUseSchema),
  declaredPermissions: Type.Array(Closed({ name: Type.String(), protectionLevel: Type.Optional(Type.String()) })),
  components: Type.Array(ComponentSchema),
  signers: Type.Array(SignerSchema),
  signatureSchemes: Strings(),
  trackers: Type.Array(TrackerHitSchema),
  dexCount: Int(0),
  classCount: Int(0),
  methodCount: Int(0),
  stringCount: Int(0),
  nativeLibs: Strings(),
});
export type App = Static<typeof AppSchema>;

/** A host the device talked to in a capture, with totals over every connection to it. */
export const DestinationSchema = Closed({
  host: Type.String(),
  ips: Strings(),
  ports: Type.Array(Type.Integer()),
  protocols: Strings(),
  /** ISO 3166 country of the first IP, when offline geolocation is available; null until then. */
  country: Nullable(Type.String()),
  bytesUp: Int(0),
  bytesDown: Int(0),
  connections: Int(1),
  firstSeen: Type.String(),
  lastSeen: Type.String(),
  periodSeconds: Nullable(Type.Number()),
  /** Share of the bytes that could not be read: TLS, QUIC, DoT, or plain HTTP with opaque bodies. */
  encryptedShare: Type.Number({ minimum: 0, maximum: 1 }),
  /** Which kinds made up `encryptedShare`: tls, quic, dot, opaque-http-body, opaque-http-body-base64. */
  encryption: Type.Optional(Strings()),
  nameSource: Type.Union([
    Type.Literal('sni'),
    Type.Literal('http'),
    Type.Literal('dns'),
    Type.Literal('capture-names'),
    Type.Literal('ip'),
  ]),
  /** Apps that made the connections (PCAPdroid captures) and apps of the same scan whose code or
   * resources name this host. */
  apps: Strings(),
  /** Tracker and telemetry services whose host signatures match (built-in hosts, Exodus network signatures). */
  trackers: Type.Optional(Strings()),
  /** Capture artefact and first frames, for evidence. */
  artefactId: Type.String(),
  sampleFrames: Type.Array(Type.Integer()),
});
export type Destination = Static<typeof DestinationSchema>;

const Count = Int(0);
export const ScanSummarySchema = Closed({
  artefacts: Count,
  apps: Count,
  findings: Closed({ info: Count, low: Count, medium: Count, high: Count, critical: Count }),
  diagnostics: Count,
  durationMs: Type.Number({ minimum: 0 }),
});
export type ScanSummary = Static<typeof ScanSummarySchema>;

/** One partition (or top-level folder) of a firmware and what was found in it. */
export const FirmwarePartitionSchema = Closed({
  path: Type.String(),
  name: Type.String(),
  layers: Strings(),
  size: Int(0),
  fileSystem: Type.Union([Type.Literal('ext4'), Type.Literal('erofs'), Type.Null()]),
  files: Int(0),
  apks: Int(0),
});
export type FirmwarePartition = Static<typeof FirmwarePartitionSchema>;

const Text = Nullable(Type.String());
/** The device described by the firmware's property files. */
export const DeviceProfileSchema = Closed({
  brand: Text,
  manufacturer: Text,
  model: Text,
  device: Text,
  name: Text,
  fingerprint: Text,
  firmwareVersion: Text,
  androidVersion: Text,
  sdk: Text,
  securityPatch: Text,
  buildType: Text,
  buildTags: Text,
  buildDate: Text,
  skin: Text,
  /** Region, locale and carrier properties, by name. */
  region: Type.Record(Type.String(), Type.String()),
  /** Which file and key each field came from. */
  sources: Type.Record(Type.String(), Type.String()),
});
export type DeviceProfile = Static<typeof DeviceProfileSchema>;

/** A pre-installed app as the firmware installs it. */
export const PreinstalledAppSchema = Closed({
  artefactId: Type.String(),
  path: Type.String(),
  partition: Type.String(),
  pathInPartition: Type.String(),
  package: Nullable(Type.String()),
  versionName: Nullable(Type.String()),
  versionCode: Nullable(Type.Integer()),
  /** Under a priv-app folder: eligible for privileged permissions. */
  privileged: Type.Boolean(),
  sharedUserId: Nullable(Type.String()),
  signerSha256: Nullable(Type.String()),
  /** Signed with the same certificate as framework-res.apk (the platform key). */
  platformSigned: Type.Boolean(),
  /** Requested permissions the firmware grants without asking: privileged allow-lists, default grants,
   * signature permissions of platform-signed apps. */
  grantedPermissions: Strings(),
  /** Can install other apps without the user (INSTALL_PACKAGES granted). */
  canInstallPackages: Type.Boolean(),
  /** Package is part of AOSP (android, com.android.*). */
  aosp: Type.Boolean(),
});
export type PreinstalledApp = Static<typeof PreinstalledAppSchema>;

export const BootImageSchema = Closed({
  path: Type.String(),
  kind: Type.String(),
  headerVersion: Type.Integer(),
  cmdline: Type.String(),
  bootconfig: Type.Optional(Type.String()),
  osVersion: Text,
  patchLevel: Text,
  ramdiskFormat: Text,
});

export const VbmetaSchema = Closed({
  path: Type.String(),
  algorithm: Type.String(),
  flags: Int(0),
  hashtreeDisabled: Type.Boolean(),
  verificationDisabled: Type.Boolean(),
  rollbackIndex: Type.String(),
  partitions: Type.Array(Closed({ partition: Type.String(), kind: Type.String() })),
  publicKeySha256: Text,
});

export const FirmwareSummarySchema = Closed({
  artefactId: Type.String(),
  path: Type.String(),
  /** Container layers seen: zip, tar, gzip, payload, block-ota, sparse, super, ext4, erofs, boot, vbmeta, folder. */
  layers: Strings(),
  partitions: Type.Array(FirmwarePartitionSchema),
  profile: DeviceProfileSchema,
  /** Every property from every property file (later files do not override earlier ones). */
  properties: Type.Record(Type.String(), Type.String()),
  boot: Type.Array(BootImageSchema),
  vbmeta: Type.Array(VbmetaSchema),
  apps: Type.Array(PreinstalledAppSchema),
});
export type FirmwareSummary = Static<typeof FirmwareSummarySchema>;

/** Every field of a report except `findings`, whose schema src/report/schema.ts builds from the registry. */
export const ReportFields = {
  schemaVersion: Type.String({ pattern: '^1\\.\\d+\\.\\d+$' }),
  tool: Closed({ name: Type.Literal('candor'), version: Type.String() }),
  scan: Closed({
    id: Type.String({ minLength: 1 }),
    startedAt: Type.String({ format: 'date-time' }),
    finishedAt: Type.String({ format: 'date-time' }),
    inputs: Strings(),
    /** Options and provenance of the run (trackers, jobs, analyzer key, YARA files, indicator sets...). */
    options: Type.Record(Type.String(), Type.Unknown()),
  }),
  summary: ScanSummarySchema,
  artefacts: Type.Array(ArtefactSchema),
  apps: Type.Array(AppSchema),
  diagnostics: Type.Array(DiagnosticSchema),
  /** Present when the scan read network captures. */
  destinations: Type.Optional(Type.Array(DestinationSchema)),
  /** Present when the scan read firmware images or extracted firmware folders. */
  firmware: Type.Optional(Type.Array(FirmwareSummarySchema)),
};
export type Report = Static<TObject<typeof ReportFields>> & { findings: Finding[] };

export const REPORT_SCHEMA_VERSION = '1.0.0';
