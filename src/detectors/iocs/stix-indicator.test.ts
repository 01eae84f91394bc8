import detector from './stix-indicator.js';
import { testDetector } from '../../../test/rule-tester.js';
import { parseStixBundle } from '../../iocs/stix.js';
import { artefact, finding, report } from '../../../test/fixtures/models.js';

const bundle = (pattern: string) =>
  parseStixBundle(
    JSON.stringify({
      type: 'bundle',
      id: 'bundle--1',
      objects: [
        { type: 'indicator', id: 'indicator--1', name: 'Stalkerware C2', pattern, pattern_type: 'stix' },
        { type: 'malware', id: 'malware--1', name: 'Spyware X' },
        {
          type: 'relationship',
          id: 'relationship--1',
          relationship_type: 'indicates',
          source_ref: 'indicator--1',
          target_ref: 'malware--1',
        },
      ],
    }),
    'test.stix2',
  );
const apk = artefact('app.apk');
const seen = report({
  artefacts: [apk],
  findings: [
    finding('network/endpoints', {
      artefactId: apk.id,
      location: { path: 'app.apk!/classes.dex' },
      evidence: { host: 'cdn.evil.example', isIp: false, urls: [] },
    }),
  ],
});

testDetector(detector, {
  valid: [
    { name: 'no indicator sets', input: { report: seen, indicators: [] } },
    {
      name: 'a domain the scan never saw',
      input: { report: seen, indicators: [bundle("[domain-name:value = 'other.example']")] },
    },
    {
      name: 'a parent domain does not match its sibling',
      input: { report: seen, indicators: [bundle("[domain-name:value = 'vil.example']")] },
    },
  ],
  invalid: [
    {
      name: 'a domain indicator covers a subdomain named in code',
      input: { report: seen, indicators: [bundle("[domain-name:value = 'evil.example']")] },
      messageId: 'indicator',
      data: {
        indicator: 'Stalkerware C2',
        malware: ' (Spyware X)',
        matched: 'cdn.evil.example',
        path: 'app.apk!/classes.dex',
      },
      evidence: { indicatorId: 'indicator--1', source: 'test.stix2' },
    },
    {
      name: 'a file hash',
      input: { report: seen, indicators: [bundle(`[file:hashes.'SHA-256' = '${'0'.repeat(64)}']`)] },
      messageId: 'indicator',
      data: { path: 'app.apk' },
    },
  ],
});
