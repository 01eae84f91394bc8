import detector from './identifier-leak.js';
import { testDetector } from '../../../test/rule-tester.js';
import { artefact } from '../../../test/fixtures/models.js';
import type { Flow } from '../../capture/capture-model.js';
import type { Leak } from '../../capture/leaks.js';

const cap = artefact('cap.pcap', 'capture');
const har = artefact('session.har', 'capture');
const flow = (leaks: Leak[]): Flow => ({
  proto: 'tcp',
  client: '10.0.0.2',
  clientPort: 40000,
  server: '192.0.2.7',
  serverPort: 80,
  firstFrame: 4,
  firstSeen: 0,
  lastSeen: 1,
  bytesUp: 300,
  bytesDown: 200,
  packets: 6,
  http: [{ method: 'GET', host: 'ads.example.net', path: '/t' }],
  leaks,
  protocol: 'HTTP',
  encrypted: false,
});
const imei: Leak = { kind: 'imei', value: '490154203237518', field: 'url', form: 'plain' };

testDetector(detector, {
  valid: [
    { name: 'a plaintext flow without identifiers', input: { artefact: cap, flows: [flow([])], harLeaks: [] } },
    { name: 'an empty HAR', input: { artefact: har, flows: [], harLeaks: [] } },
  ],
  invalid: [
    {
      name: 'an IMEI in a request URL, named by the HTTP host and frame',
      input: { artefact: cap, flows: [flow([imei])], harLeaks: [] },
      messageId: 'leak',
      data: { kind: 'imei', clear: 'in clear ', host: 'ads.example.net', field: 'url', form: '' },
      severity: 'high',
      confidence: 'high',
      evidence: { value: '490154203237518', frame: 4, server: '192.0.2.7' },
    },
    {
      name: 'an MD5 of the Android id in a header',
      input: {
        artefact: cap,
        flows: [flow([{ kind: 'android-id', value: 'abc', field: 'X-Id', form: 'md5' }])],
        harLeaks: [],
      },
      messageId: 'leak',
      data: { form: ' (md5)' },
      severity: 'medium',
      confidence: 'medium',
    },
    {
      name: 'HAR requests: in clear over http, low over https',
      input: {
        artefact: har,
        flows: [],
        harLeaks: [
          { ...imei, host: 'a.example', entry: 1, scheme: 'http' },
          { ...imei, host: 'b.example', entry: 2, scheme: 'https' },
        ],
      },
      errors: [
        {
          messageId: 'leak',
          data: { clear: 'in clear ', host: 'a.example' },
          severity: 'high',
          evidence: { entry: 1, scheme: 'http' },
        },
        { messageId: 'leak', data: { clear: '', host: 'b.example' }, severity: 'low' },
      ],
    },
  ],
});
