import detector from './preinstalled-tracker.js';
import { testDetector } from '../../../test/rule-tester.js';
import { finding, firmware, firmwareInput, preinstalled } from '../../../test/fixtures/models.js';

const a = preinstalled('com.vendor.browser');
const b = preinstalled('com.vendor.weather');
const tracker = (app: typeof a) =>
  finding('trackers/code-signature', { artefactId: app.artefactId, evidence: { trackerId: 'adjust', name: 'Adjust' } });

testDetector(detector, {
  valid: [
    {
      name: 'apps without tracker findings',
      input: firmwareInput(firmware({ apps: [a] }), [finding('network/endpoints', { artefactId: a.artefactId })]),
    },
    {
      name: 'a tracker in an app outside the firmware',
      input: firmwareInput(firmware({ apps: [a] }), [tracker(preinstalled('com.other'))]),
    },
  ],
  invalid: [
    {
      name: 'one finding per tracker, naming every app that carries it',
      input: firmwareInput(firmware({ apps: [a, b] }), [tracker(a), tracker(b)]),
      messageId: 'preinstalled-tracker',
      data: { name: 'Adjust', count: 2, apps: 'com.vendor.browser, com.vendor.weather' },
      evidence: { tracker: 'adjust', apps: ['com.vendor.browser', 'com.vendor.weather'] },
    },
  ],
});
