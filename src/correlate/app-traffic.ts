import { findingsOf, type Destination, type Report } from '../model.js';

/**
 * Links the apps and the captures of one scan both ways: each destination gets the apps whose code or
 * resources name its host, and each hard-coded endpoint gets whether the captures show the device
 * talking to it.
 */

/** Adds to each destination the apps of the same scan whose code or resources name its host. */
export function linkDestinations(
  destinations: NonNullable<Report['destinations']>,
  report: Report,
): NonNullable<Report['destinations']> {
  const appOf = new Map(report.apps.map((a) => [a.artefactId, a.package ?? a.path]));
  const hostApps = new Map<string, Set<string>>();
  for (const f of findingsOf(report.findings, 'network/endpoints')) {
    const host = f.evidence.host;
    const app = appOf.get(f.artefactId);
    if (!app) continue;
    let s = hostApps.get(host);
    if (!s) hostApps.set(host, (s = new Set()));
    s.add(app);
  }
  return destinations.map((d) => ({ ...d, apps: [...new Set([...d.apps, ...(hostApps.get(d.host) ?? [])])] }));
}

/**
 * Tells, for each hard-coded endpoint of the scan's apps, whether the captures of the same scan show the
 * device talking to it (by host name, or by address for IP literals), with the capture and first frames.
 */
export function markEndpointsSeen(report: Report): void {
  const byHost = destinationsByHost(report.destinations ?? []);
  const paths = new Map(report.artefacts.map((a) => [a.id, a.path]));
  // List-refresh findings carry the host of the list's URL as built by the code.
  const withHost = [
    ...findingsOf(report.findings, 'network/endpoints'),
    ...findingsOf(report.findings, 'censorship/list-refresh'),
  ];
  for (const f of withHost) {
    if (typeof f.evidence.host !== 'string') continue;
    const seen = byHost.get(f.evidence.host) ?? [];
    f.evidence.seenInCapture = seen.length
      ? seen.map((d) => ({
          capture: paths.get(d.artefactId) ?? d.artefactId,
          host: d.host,
          connections: d.connections,
          frames: d.sampleFrames,
          country: d.country,
        }))
      : false;
  }
}

/** Destinations by host name and by each address they were reached at. */
function destinationsByHost(destinations: Destination[]): Map<string, Destination[]> {
  const byHost = new Map<string, Destination[]>();
  for (const d of destinations) {
    for (const key of [d.host, ...d.ips]) {
      const l = byHost.get(key);
      if (l) l.push(d);
      else byHost.set(key, [d]);
    }
  }
  return byHost;
}
