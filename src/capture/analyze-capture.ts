import type { ByteSource } from '../io/byte-source.js';
import { DEFAULT_LIMITS, type Limits } from '../io/limits.js';
import type { CaptureAnalysis } from './capture-model.js';
import { leakInspector } from './flow-leaks.js';
import type { DeviceIds } from './leaks.js';
import { parseCapture } from './parse-capture.js';

export type { CaptureAnalysis, Destination, Flow, HttpBody } from './capture-model.js';
export { beaconPeriod, isoTime } from './destinations.js';
export { opaqueBody } from './opaque-body.js';

/**
 * A capture's model (flows, destinations, DNS names, plaintext responses) with the identifiers each
 * plaintext request leaks, given the device's own identifiers to look for.
 */
export function analyzeCapture(
  src: ByteSource,
  device: DeviceIds = {},
  limits: Limits['capture'] = DEFAULT_LIMITS.capture,
): CaptureAnalysis {
  return parseCapture(src, limits, leakInspector(device));
}
