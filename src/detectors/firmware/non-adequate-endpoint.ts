import { Type } from '@sinclair/typebox';
import { countryForHost, outsideAdequacy } from '../../firmware/inventory.js';
import { findingsOf } from '../../model.js';
import { defineDetector, evidence, messageData, type ReportOf } from '../define.js';
import { appsWithFindings } from '../models.js';

/** A non-AOSP system app that names a host in a country the GDPR's adequacy decisions do not cover. */

const Evidence = evidence({
  package: Type.Union([Type.String(), Type.Null()]),
  host: Type.String(),
  country: Type.String(),
  how: Type.String(),
  adequacy: Type.String(),
  related: Type.Array(Type.String()),
});
const Data = messageData({
  label: Type.String(),
  host: Type.String(),
  country: Type.String(),
  how: Type.String(),
  adequacy: Type.String(),
});

type Found = ReportOf<typeof Evidence, typeof Data>;

export default defineDetector({
  meta: {
    id: 'firmware/non-adequate-endpoint',
    version: 1,
    input: 'firmware',
    description:
      'A hard-coded endpoint of a non-AOSP system app located (by a capture, IP geolocation or ccTLD) outside ' +
      'the EU/EEA and adequacy decisions.',
    severity: 'medium',
    confidence: 'high',
    tags: ['firmware', 'gdpr', 'network'],
    evidence: Evidence,
    data: Data,
    messages: {
      'non-adequate-endpoint':
        'non-AOSP system app {{label}} names {{host}}, located in {{country}} ({{how}}), {{adequacy}}',
    },
  },
  detect(fw): Found[] {
    const out: Found[] = [];
    for (const { app: a, findings } of appsWithFindings(fw)) {
      if (a.aosp) continue;
      for (const f of findingsOf(findings, 'network/endpoints')) {
        const e = f.evidence;
        const placed = countryForHost(e.host, e.isIp, fw.destinations);
        if (!placed) continue;
        const verdict = outsideAdequacy(placed.country);
        if (!verdict) continue;
        out.push({
          messageId: 'non-adequate-endpoint',
          data: {
            label: a.package ?? a.pathInPartition,
            host: e.host,
            country: placed.country,
            how: placed.how,
            adequacy: verdict,
          },
          artefactId: a.artefactId,
          location: { path: f.location.path },
          // A top-level domain is a weaker placement than a capture or the IP's location.
          severity: placed.how === 'country-code top-level domain' ? 'low' : 'medium',
          identity: `${a.package}|${e.host}`,
          evidence: {
            package: a.package,
            host: e.host,
            country: placed.country,
            how: placed.how,
            adequacy: verdict,
            related: [f.fingerprint],
            excerpt: `${e.host} → ${placed.country}`,
          },
        });
      }
    }
    return out;
  },
});
