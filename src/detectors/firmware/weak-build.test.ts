import detector from './weak-build.js';
import { testDetector } from '../../../test/rule-tester.js';
import { firmware, firmwareInput, profile } from '../../../test/fixtures/models.js';

testDetector(detector, {
  valid: [
    {
      name: 'a user build signed with release keys',
      input: firmwareInput(firmware({ properties: { 'ro.debuggable': '0', 'ro.secure': '1' } })),
    },
  ],
  invalid: [
    {
      name: 'a userdebug build with adb open',
      input: firmwareInput(
        firmware({
          profile: profile({ buildType: 'userdebug' }),
          properties: { 'ro.debuggable': '1', 'ro.adb.secure': '0' },
        }),
      ),
      messageId: 'weak-build',
      data: { reasons: 'build type userdebug, ro.debuggable=1, ro.adb.secure=0' },
      evidence: { buildType: 'userdebug' },
    },
    {
      name: 'a user build signed with test-keys',
      input: firmwareInput(firmware({ profile: profile({ buildTags: 'test-keys' }) })),
      messageId: 'weak-build',
      data: { reasons: 'signed with test-keys (public AOSP keys)' },
    },
  ],
});
