import detector from './system-keyword-list.js';
import { testDetector } from '../../../test/rule-tester.js';
import { finding, firmware, firmwareInput, preinstalled } from '../../../test/fixtures/models.js';

const browser = preinstalled('com.vendor.browser');
const list = (severity: 'info' | 'low' | 'medium' | 'high', termCount: number) =>
  finding('censorship/keyword-list', { artefactId: `${browser.artefactId}:asset`, location: { path: `${browser.path}!/assets/words.txt` }, severity, evidence: { termCount }, fingerprint: `fp-${severity}` });

testDetector(detector, {
  valid: [
    { name: 'an app whose only list finding is info', input: firmwareInput(firmware({ apps: [browser] }), [list('info', 40)]) },
    { name: 'a list in an app outside the firmware', input: firmwareInput(firmware({ apps: [browser] }), [finding('censorship/keyword-list', { location: { path: 'other.apk!/a.txt' }, severity: 'high' })]) },
  ],
  invalid: [
    {
      name: 'a list inside a nested part of a system app',
      input: firmwareInput(firmware({ apps: [browser] }), [list('high', 120)]),
      messageId: 'system-keyword-list',
      data: { label: 'com.vendor.browser', partition: 'system', count: 1 },
      evidence: { related: ['fp-high'], detectors: ['censorship/keyword-list'] },
    },
  ],
});
