import detector from './verified-boot-disabled.js';
import { testDetector } from '../../../test/rule-tester.js';
import { firmware, firmwareInput } from '../../../test/fixtures/models.js';
import type { FirmwareSummary } from '../../model.js';

const vbmeta = (flags: number): FirmwareSummary['vbmeta'][number] => ({
  path: 'fw.zip!/vbmeta.img',
  algorithm: 'SHA256_RSA4096',
  flags,
  hashtreeDisabled: (flags & 1) !== 0,
  verificationDisabled: (flags & 2) !== 0,
  rollbackIndex: '0',
  partitions: [{ partition: 'system', kind: 'hashtree' }],
  publicKeySha256: null,
});

testDetector(detector, {
  valid: [
    { name: 'a vbmeta with flags 0', input: firmwareInput(firmware({ vbmeta: [vbmeta(0)] })) },
    { name: 'no vbmeta at all', input: firmwareInput(firmware()) },
  ],
  invalid: [
    {
      name: 'flags 3: verification and hashtree off',
      input: firmwareInput(firmware({ vbmeta: [vbmeta(3)] })),
      messageId: 'verified-boot-disabled',
      data: { image: 'vbmeta.img', what: 'verification and dm-verity hashtree', flags: 3 },
      evidence: { partitions: ['system'] },
    },
    {
      name: 'flags 1: hashtree off only',
      input: firmwareInput(firmware({ vbmeta: [vbmeta(1)] })),
      messageId: 'verified-boot-disabled',
      data: { what: 'dm-verity hashtree' },
    },
  ],
});
