import { Type } from '@sinclair/typebox';
import type { Destination, Severity } from '../../model.js';
import { gdprData, restrictionText, transferRestriction } from '../../capture/gdpr.js';
import { defineDetector, evidence, messageData, type ReportOf } from '../define.js';

/**
 * Data-transfer findings: every destination in a country that is neither in the EU/EEA nor covered by
 * an adequacy decision (data/gdpr.json), with the bytes, the cadence and whether the content could be
 * read. A steady, encrypted upload to such a country is what the 2021 assessment described: high.
 */

const MESSAGE =
  '{{host}} ({{country}}) received {{bytesUp}} bytes over {{connections}} connections{{cadence}}, ' +
  '{{readable}}; {{restriction}}';

const Adequacy = Type.Object(
  { country: Type.String(), name: Type.String(), date: Type.String(), scope: Type.String() },
  { additionalProperties: false },
);
const Evidence = evidence({
  host: Type.String(),
  ips: Type.Array(Type.String()),
  country: Type.Union([Type.String(), Type.Null()]),
  /** The partial adequacy decision that applies, or null when none does. */
  adequacy: Type.Union([Adequacy, Type.Null()]),
  bytesUp: Type.Integer({ minimum: 0 }),
  bytesDown: Type.Integer({ minimum: 0 }),
  connections: Type.Integer({ minimum: 1 }),
  periodSeconds: Type.Union([Type.Number(), Type.Null()]),
  encryptedShare: Type.Number({ minimum: 0, maximum: 1 }),
  encryption: Type.Array(Type.String()),
  frames: Type.Array(Type.Integer()),
  gdprDataAsOf: Type.String(),
});
const Data = messageData({
  host: Type.String(),
  country: Type.String(),
  bytesUp: Type.Integer(),
  connections: Type.Integer(),
  cadence: Type.String(),
  readable: Type.String(),
  restriction: Type.String(),
});

type Found = ReportOf<typeof Evidence, typeof Data>;

export default defineDetector({
  meta: {
    id: 'network/transfer-outside-eea',
    version: 1,
    input: 'scan',
    description:
      'Captured traffic to countries outside the EU/EEA without a (full) adequacy decision, rated by volume, ' +
      'cadence and encryption.',
    severity: 'low',
    confidence: 'high',
    tags: ['gdpr', 'data-transfer', 'network'],
    evidence: Evidence,
    data: Data,
    messages: { 'partial-adequacy': MESSAGE, 'no-adequacy': MESSAGE },
  },
  detect({ report }): Found[] {
    const asOf = gdprData().asOf;
    const paths = new Map(report.artefacts.map((a) => [a.id, a.path]));
    return (report.destinations ?? []).flatMap((d) => transfer(d, paths.get(d.artefactId) ?? d.artefactId, asOf));
  },
});

function transfer(d: Destination, path: string, asOf: string): Found[] {
  const restriction = d.country ? transferRestriction(d.country) : null;
  if (!restriction) return [];
  const { adequacy } = restriction;
  let severity: Severity = 'low';
  if (d.bytesUp > 0 && d.encryptedShare >= 0.9 && d.periodSeconds !== null) severity = adequacy ? 'medium' : 'high';
  else if (d.bytesUp >= 10_000) severity = adequacy ? 'low' : 'medium';
  const opaque = d.encryption?.some((e) => e.startsWith('opaque-')) ?? false;
  const readable =
    d.encryptedShare < 0.5
      ? 'readable in the capture'
      : opaque
        ? 'sent as opaque (likely encrypted) bodies over plain HTTP'
        : 'encrypted';
  return [
    {
      messageId: adequacy ? 'partial-adequacy' : 'no-adequacy',
      data: {
        host: d.host,
        country: d.country ?? '',
        bytesUp: d.bytesUp,
        connections: d.connections,
        cadence: d.periodSeconds ? `, every ${d.periodSeconds} s` : '',
        readable,
        restriction: restrictionText(restriction),
      },
      artefactId: d.artefactId,
      location: { path },
      severity,
      confidence: d.nameSource === 'ip' ? 'medium' : 'high',
      // The capture's hash joins the fingerprint in the runner: the same host in another capture is another finding.
      identity: `${d.host}|${d.country}|${d.ips.join(',')}`,
      evidence: {
        host: d.host,
        ips: d.ips,
        country: d.country,
        adequacy: adequacy ?? null,
        bytesUp: d.bytesUp,
        bytesDown: d.bytesDown,
        connections: d.connections,
        periodSeconds: d.periodSeconds,
        encryptedShare: d.encryptedShare,
        encryption: d.encryption ?? [],
        frames: d.sampleFrames,
        gdprDataAsOf: asOf,
        excerpt: `${d.host} → ${d.country}`,
      },
    },
  ];
}
