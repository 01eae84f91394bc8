import detector from './non-adequate-endpoint.js';
import { testDetector } from '../../../test/rule-tester.js';
import { destination, finding, firmware, firmwareInput, preinstalled } from '../../../test/fixtures/models.js';

const browser = preinstalled('com.vendor.browser');
const aospApp = preinstalled('com.android.browser');
const endpoint = (app: typeof browser, host: string, isIp = false) =>
  finding('network/endpoints', {
    artefactId: app.artefactId,
    location: { path: `${app.path}!/classes.dex` },
    evidence: { host, isIp },
    fingerprint: `fp-${host}`,
  });

testDetector(detector, {
  valid: [
    {
      name: 'a host in the EU (ccTLD .de)',
      input: firmwareInput(firmware({ apps: [browser] }), [endpoint(browser, 'stats.example.de')]),
    },
    {
      name: 'an AOSP app naming a .cn host',
      input: firmwareInput(firmware({ apps: [aospApp] }), [endpoint(aospApp, 'stat.example.cn')]),
    },
    {
      name: 'a generic top-level domain that places nothing',
      input: firmwareInput(firmware({ apps: [browser] }), [endpoint(browser, 'stats.example.com')]),
    },
  ],
  invalid: [
    {
      name: 'a .cn host placed by its top-level domain: low',
      input: firmwareInput(firmware({ apps: [browser] }), [endpoint(browser, 'stat.example.cn')]),
      messageId: 'non-adequate-endpoint',
      data: {
        label: 'com.vendor.browser',
        host: 'stat.example.cn',
        country: 'CN',
        how: 'country-code top-level domain',
        adequacy: 'no EU adequacy decision',
      },
      severity: 'low',
      evidence: { related: ['fp-stat.example.cn'] },
    },
    {
      name: 'a .com host a capture of the same scan places in China: medium',
      input: firmwareInput(
        firmware({ apps: [browser] }),
        [endpoint(browser, 'api.example.com')],
        [destination('api.example.com', { country: 'CN' })],
      ),
      messageId: 'non-adequate-endpoint',
      data: { country: 'CN', how: 'seen in a capture of this scan' },
      severity: 'medium',
    },
  ],
});
