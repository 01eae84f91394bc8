import detector from './silent-installer.js';
import { testDetector } from '../../../test/rule-tester.js';
import { finding, firmware, firmwareInput, preinstalled } from '../../../test/fixtures/models.js';

const INSTALL = 'android.permission.INSTALL_PACKAGES';
const store = preinstalled('com.vendor.appstore', {
  canInstallPackages: true,
  grantedPermissions: [INSTALL],
  platformSigned: true,
  privileged: true,
});

testDetector(detector, {
  valid: [
    {
      name: 'an app that cannot install packages',
      input: firmwareInput(firmware({ apps: [preinstalled('com.vendor.browser')] })),
    },
    { name: 'a firmware without apps', input: firmwareInput(firmware()) },
  ],
  invalid: [
    {
      name: 'a platform-signed store granted INSTALL_PACKAGES, linked to its install-path findings',
      input: firmwareInput(firmware({ apps: [store] }), [
        finding('distribution/install-paths', { artefactId: store.artefactId, fingerprint: 'fp-install' }),
      ]),
      messageId: 'silent-installer',
      data: { label: 'com.vendor.appstore', partition: 'system', how: 'platform-signed' },
      severity: 'high',
      evidence: { package: 'com.vendor.appstore', grantedBy: 'platform-signed', related: ['fp-install'] },
    },
    {
      name: 'an app on the system shared uid with the platform key',
      input: firmwareInput(
        firmware({
          apps: [
            preinstalled('com.vendor.updater', {
              canInstallPackages: true,
              sharedUserId: 'android.uid.system',
              platformSigned: true,
            }),
          ],
        }),
      ),
      messageId: 'silent-installer',
      data: { how: 'shared uid android.uid.system with the platform key' },
    },
  ],
});
