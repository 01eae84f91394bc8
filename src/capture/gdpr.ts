import { readFileSync } from 'node:fs';
import { dataPath } from '../data-path.js';
import { shortHash } from '../io/hash.js';
import type { Destination, Finding, Severity } from '../model.js';

/**
 * Data-transfer findings: every destination in a country that is neither in the EU/EEA nor covered by
 * an adequacy decision (data/gdpr.json), with the bytes, the cadence and whether the content could be
 * read. A steady, encrypted upload to such a country is what the 2021 assessment described: high.
 */

interface GdprData {
  version: number;
  asOf: string;
  eu: string[];
  eea: string[];
  adequacy: Array<{ country: string; name: string; date: string; scope: string }>;
}

let data: GdprData | null = null;
export function gdprData(): GdprData {
  if (!data) data = JSON.parse(readFileSync(dataPath('gdpr.json'), 'utf8')) as GdprData;
  return data;
}

export const TRANSFER_DETECTOR = { id: 'network/transfer-outside-eea', version: 1 };

type Adequacy = GdprData['adequacy'][number];

/**
 * Whether data sent to a country leaves the GDPR's protection: null inside the EU/EEA or under a full
 * adequacy decision; otherwise the partial decision that applies (US, Canada, Japan cover only some
 * recipients: say so rather than clear them), or none.
 */
export function transferRestriction(country: string): { adequacy: Adequacy | null } | null {
  const g = gdprData();
  if (g.eu.includes(country) || g.eea.includes(country)) return null;
  const adequacy = g.adequacy.find((a) => a.country === country) ?? null;
  if (adequacy && adequacy.scope === 'full') return null;
  return { adequacy };
}

/** How a restriction reads in a finding's message. */
export function restrictionText(r: { adequacy: Adequacy | null }): string {
  return r.adequacy ? `adequacy decision covers only ${r.adequacy.scope}` : 'no EU adequacy decision';
}

export function transferFindings(destinations: Destination[], pathOf: (artefactId: string) => string): Finding[] {
  const g = gdprData();
  const out: Finding[] = [];
  for (const d of destinations) {
    const restriction = d.country ? transferRestriction(d.country) : null;
    if (!restriction) continue;
    const { adequacy } = restriction;
    let severity: Severity = 'low';
    if (d.bytesUp > 0 && d.encryptedShare >= 0.9 && d.periodSeconds !== null) severity = adequacy ? 'medium' : 'high';
    else if (d.bytesUp >= 10_000) severity = adequacy ? 'low' : 'medium';
    const opaque = d.encryption?.some((e) => e.startsWith('opaque-')) ?? false;
    const readable = d.encryptedShare < 0.5 ? 'readable in the capture' : opaque ? 'sent as opaque (likely encrypted) bodies over plain HTTP' : 'encrypted';
    out.push({
      detectorId: TRANSFER_DETECTOR.id,
      detectorVersion: TRANSFER_DETECTOR.version,
      messageId: adequacy ? 'partial-adequacy' : 'no-adequacy',
      severity,
      confidence: d.nameSource === 'ip' ? 'medium' : 'high',
      tags: ['gdpr', 'data-transfer', 'network'],
      message: `${d.host} (${d.country}) received ${d.bytesUp} bytes over ${d.connections} connections${d.periodSeconds ? `, every ${d.periodSeconds} s` : ''}, ${readable}; ${restrictionText(restriction)}`,
      artefactId: d.artefactId,
      location: { path: pathOf(d.artefactId) },
      evidence: { host: d.host, ips: d.ips, country: d.country, adequacy: adequacy ?? null, bytesUp: d.bytesUp, bytesDown: d.bytesDown, connections: d.connections, periodSeconds: d.periodSeconds, encryptedShare: d.encryptedShare, encryption: d.encryption ?? [], frames: d.sampleFrames, gdprDataAsOf: g.asOf, excerpt: `${d.host} → ${d.country}` },
      fingerprint: shortHash(`${TRANSFER_DETECTOR.id}|${d.host}|${d.country}|${d.ips.join(',')}`, 32),
    });
  }
  return out;
}
