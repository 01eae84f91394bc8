import type { Destination, Flow } from './capture-model.js';

/**
 * Groups flows by the name of their server (SNI, HTTP Host, DNS answer, the capture's name-resolution
 * block, else the address) into destinations with totals, cadence and encrypted share.
 */

interface DestinationTally {
  d: Destination;
  starts: number[];
  encrypted: number;
  first: number;
  last: number;
  ips: Set<string>;
  ports: Set<number>;
  protocols: Set<string>;
  apps: Set<string>;
  encryption: Set<string>;
}

export function destinations(flows: Flow[], ipToName: Map<string, string>, names: Map<string, string>): Destination[] {
  // Sets and running min/max: a capture can hold thousands of connections to one host.
  const by = new Map<string, DestinationTally>();
  for (const f of flows) {
    if (f.protocol === 'dns' && f.serverPort !== 53) continue;
    const [host, nameSource] = serverName(f, ipToName, names);
    let e = by.get(host);
    if (!e) {
      e = emptyTally(host, nameSource);
      by.set(host, e);
    }
    addFlow(e, f);
  }
  const out = [...by.values()].map(finishTally);
  return out.sort((a, b) => b.bytesUp + b.bytesDown - (a.bytesUp + a.bytesDown));
}

function serverName(
  f: Flow,
  ipToName: Map<string, string>,
  names: Map<string, string>,
): [string, Destination['nameSource']] {
  if (f.sni) return [f.sni, 'sni'];
  const httpHost = f.http?.find((h) => h.host)?.host ?? undefined;
  if (httpHost) return [httpHost, 'http'];
  const resolved = ipToName.get(f.server);
  if (resolved !== undefined) return [resolved, 'dns'];
  const named = names.get(f.server);
  if (named !== undefined) return [named, 'capture-names'];
  return [f.server, 'ip'];
}

function emptyTally(host: string, nameSource: Destination['nameSource']): DestinationTally {
  const d: Destination = {
    host,
    ips: [],
    ports: [],
    protocols: [],
    bytesUp: 0,
    bytesDown: 0,
    connections: 0,
    firstSeen: '',
    lastSeen: '',
    periodSeconds: null,
    encryptedShare: 0,
    nameSource,
    apps: [],
    sampleFrames: [],
  };
  return {
    d,
    starts: [],
    encrypted: 0,
    first: Infinity,
    last: -Infinity,
    ips: new Set(),
    ports: new Set(),
    protocols: new Set(),
    apps: new Set(),
    encryption: new Set(),
  };
}

function addFlow(e: DestinationTally, f: Flow): void {
  const d = e.d;
  e.ips.add(f.server);
  e.ports.add(f.serverPort);
  e.protocols.add(f.protocol);
  if (f.app) e.apps.add(f.app);
  d.bytesUp += f.bytesUp;
  d.bytesDown += f.bytesDown;
  d.connections++;
  if (d.sampleFrames.length < 5) d.sampleFrames.push(f.firstFrame);
  e.starts.push(f.firstSeen);
  if (f.encrypted || f.opaque) e.encrypted += f.bytesUp + f.bytesDown;
  if (f.encrypted) e.encryption.add(f.protocol);
  if (f.opaque) e.encryption.add(`opaque-${f.opaque}`);
  e.first = Math.min(e.first, f.firstSeen);
  e.last = Math.max(e.last, f.lastSeen);
}

function finishTally({ d, starts, encrypted, first, last, ips, ports, protocols, apps, encryption }: DestinationTally) {
  if (encryption.size) d.encryption = [...encryption].sort();
  d.ips = [...ips];
  d.ports = [...ports];
  d.protocols = [...protocols];
  d.apps = [...apps];
  d.firstSeen = isoTime(first);
  d.lastSeen = isoTime(last);
  d.encryptedShare = d.bytesUp + d.bytesDown ? Math.round((1000 * encrypted) / (d.bytesUp + d.bytesDown)) / 1000 : 0;
  d.periodSeconds = beaconPeriod(starts);
  return d;
}

/** A steady rhythm: at least four connections whose gaps vary by less than a fifth of their median. */
export function beaconPeriod(starts: number[]): number | null {
  if (starts.length < 4) return null;
  const s = [...starts].sort((a, b) => a - b);
  const gaps = s
    .slice(1)
    .map((t, i) => t - (s[i] ?? t))
    .filter((g) => g > 0.5);
  if (gaps.length < 3) return null;
  const sorted = [...gaps].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
  return sd / median < 0.2 ? Math.round(median * 10) / 10 : null;
}

/** ISO time of capture seconds; empty when the value is outside what Date holds (never a RangeError). */
export function isoTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}
