import { describe, expect, it } from 'vitest';
import { DETECTORS } from '../index.js';
import { runDetectorsOn } from '../runner.js';
import detector from './transfer-outside-eea.js';
import { testDetector } from '../../../test/rule-tester.js';
import { artefact, destination, report } from '../../../test/fixtures/models.js';

const cap = artefact('cap.pcap', 'capture', { id: 'id:cap.pcap' });
const scanOf = (...destinations: ReturnType<typeof destination>[]) => ({
  report: report({ artefacts: [cap], destinations }),
  indicators: [],
});

testDetector(detector, {
  valid: [
    { name: 'a destination in the EU', input: scanOf(destination('a.example.de', { country: 'DE', bytesUp: 50_000 })) },
    {
      name: 'a country under a full adequacy decision (Switzerland)',
      input: scanOf(destination('a.example.ch', { country: 'CH', bytesUp: 50_000 })),
    },
    {
      name: 'a destination with no known country',
      input: scanOf(destination('a.example', { country: null, bytesUp: 50_000 })),
    },
  ],
  invalid: [
    {
      name: 'a steady encrypted upload to China: high',
      input: scanOf(
        destination('beacon.example.cn', { country: 'CN', bytesUp: 900, periodSeconds: 60, encryptedShare: 1 }),
      ),
      messageId: 'no-adequacy',
      data: {
        host: 'beacon.example.cn',
        country: 'CN',
        cadence: ', every 60 s',
        readable: 'encrypted',
        restriction: 'no EU adequacy decision',
      },
      severity: 'high',
      evidence: { gdprDataAsOf: expect.any(String) },
    },
    {
      name: 'a one-off small upload to a partial-adequacy country (US): low',
      input: scanOf(destination('api.example.com', { country: 'US', bytesUp: 500, encryptedShare: 0 })),
      messageId: 'partial-adequacy',
      data: { readable: 'readable in the capture', cadence: '' },
      severity: 'low',
    },
  ],
});

describe('fingerprint', () => {
  // The runner stamps it; a transfer's fingerprint includes the capture's content hash.
  const fingerprints = (sha256: string) => {
    const input = scanOf(destination('beacon.example.cn', { country: 'CN', bytesUp: 900, periodSeconds: 60 }));
    return runDetectorsOn(DETECTORS, 'scan', [input], {}, { contentHash: () => sha256, pathOf: () => 'cap.pcap' })
      .findings.filter((f) => f.detectorId === detector.meta.id)
      .map((f) => f.fingerprint);
  };
  it('differs between two captures with the same destination, and is stable for the same capture', () => {
    expect(fingerprints('a'.repeat(64))).toHaveLength(1);
    expect(fingerprints('a'.repeat(64))).toEqual(fingerprints('a'.repeat(64)));
    expect(fingerprints('a'.repeat(64))).not.toEqual(fingerprints('b'.repeat(64)));
  });
});
