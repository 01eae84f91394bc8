import type { Detector, DetectorInput } from './define.js';
import permissions from './app/permissions.js';
import keywordList from './censorship/keyword-list.js';
import listRefresh from './censorship/list-refresh.js';
import opaqueListAsset from './censorship/opaque-list-asset.js';
import regionSwitch from './censorship/region-switch.js';
import installPaths from './distribution/install-paths.js';
import packers from './integrity/packers.js';
import zipAnomalies from './integrity/zip-anomalies.js';
import endpoints from './network/endpoints.js';
import codeSignature from './trackers/code-signature.js';

/** The registry: an explicit list, so a detector that is not here does not run (and a test says so). */
export const DETECTORS: ReadonlyArray<Detector<DetectorInput>> = [
  permissions as Detector<DetectorInput>,
  keywordList as Detector<DetectorInput>,
  listRefresh as Detector<DetectorInput>,
  opaqueListAsset as Detector<DetectorInput>,
  regionSwitch as Detector<DetectorInput>,
  installPaths as Detector<DetectorInput>,
  packers as Detector<DetectorInput>,
  zipAnomalies as Detector<DetectorInput>,
  endpoints as Detector<DetectorInput>,
  codeSignature as Detector<DetectorInput>,
];
