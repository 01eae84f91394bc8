import detector from './selinux-permissive.js';
import { testDetector } from '../../../test/rule-tester.js';
import { firmware, firmwareInput } from '../../../test/fixtures/models.js';
import type { FirmwareSummary } from '../../model.js';

const boot = (cmdline: string, bootconfig?: string): FirmwareSummary['boot'][number] => ({
  path: 'fw.zip!/boot.img',
  kind: 'boot',
  headerVersion: 4,
  cmdline,
  ...(bootconfig ? { bootconfig } : {}),
  osVersion: null,
  patchLevel: null,
  ramdiskFormat: null,
});

testDetector(detector, {
  valid: [
    {
      name: 'enforcing on the command line',
      input: firmwareInput(firmware({ boot: [boot('console=ttyMSM0 androidboot.selinux=enforcing')] })),
    },
    {
      name: 'ro.boot.selinux=enforcing',
      input: firmwareInput(firmware({ properties: { 'ro.boot.selinux': 'enforcing' } })),
    },
  ],
  invalid: [
    {
      name: 'permissive on the kernel command line',
      input: firmwareInput(firmware({ boot: [boot('androidboot.selinux=permissive buildvariant=user')] })),
      messageId: 'selinux-permissive',
      data: { setting: 'androidboot.selinux=permissive', where: 'boot.img' },
    },
    {
      name: 'permissive in bootconfig, quoted',
      input: firmwareInput(firmware({ boot: [boot('', 'androidboot.selinux = "permissive"\n')] })),
      messageId: 'selinux-permissive',
      data: { setting: 'androidboot.selinux = "permissive"' },
    },
    {
      name: 'the build property',
      input: firmwareInput(firmware({ properties: { 'ro.boot.selinux': 'permissive' } })),
      messageId: 'selinux-permissive',
      data: { where: 'ro.boot.selinux' },
    },
  ],
});
