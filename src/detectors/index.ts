import type { AnyDetector } from './define.js';
import permissions from './app/permissions.js';
import keywordList from './censorship/keyword-list.js';
import listRefresh from './censorship/list-refresh.js';
import opaqueListAsset from './censorship/opaque-list-asset.js';
import regionSwitch from './censorship/region-switch.js';
import installPaths from './distribution/install-paths.js';
import nonAdequateEndpoint from './firmware/non-adequate-endpoint.js';
import preinstalledTracker from './firmware/preinstalled-tracker.js';
import selinuxPermissive from './firmware/selinux-permissive.js';
import silentInstaller from './firmware/silent-installer.js';
import systemKeywordList from './firmware/system-keyword-list.js';
import verifiedBootDisabled from './firmware/verified-boot-disabled.js';
import weakBuild from './firmware/weak-build.js';
import packers from './integrity/packers.js';
import zipAnomalies from './integrity/zip-anomalies.js';
import stixIndicator from './iocs/stix-indicator.js';
import endpoints from './network/endpoints.js';
import identifierLeak from './network/identifier-leak.js';
import transferOutsideEea from './network/transfer-outside-eea.js';
import codeSignature from './trackers/code-signature.js';
import ruleMatch from './yara/rule-match.js';

/**
 * The registry: an explicit list, so a detector that is not here does not run (and a test says so).
 * Order matters where detectors read each other's findings: scan-level detectors run after every file
 * and firmware detector (see scan/scan.ts), and the runner keeps this order within one input kind.
 */
export const REGISTRY = [
  permissions,
  keywordList,
  listRefresh,
  opaqueListAsset,
  regionSwitch,
  installPaths,
  packers,
  zipAnomalies,
  endpoints,
  codeSignature,
  identifierLeak,
  ruleMatch,
  silentInstaller,
  systemKeywordList,
  nonAdequateEndpoint,
  preinstalledTracker,
  verifiedBootDisabled,
  selinuxPermissive,
  weakBuild,
  transferOutsideEea,
  stixIndicator,
] as const;

export const DETECTORS: ReadonlyArray<AnyDetector> = REGISTRY;
