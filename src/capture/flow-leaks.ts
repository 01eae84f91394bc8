import type { RequestInspector } from './capture-model.js';
import { httpRequestLeaks, type DeviceIds } from './leaks.js';

/**
 * Leak detection over the capture model: the identifiers (device ids, advertising ids, location…) each
 * plaintext HTTP request of a flow carries, kept on the flow as `leaks`.
 */
export function leakInspector(device: DeviceIds = {}): RequestInspector {
  return (flow, requests) => {
    const leaks = requests.flatMap((r) => httpRequestLeaks(r, device));
    if (leaks.length) flow.leaks = leaks;
  };
}
