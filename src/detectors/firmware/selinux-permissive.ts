import { Type } from '@sinclair/typebox';
import { defineDetector, evidence, messageData, type ReportOf } from '../define.js';

/** SELinux set to permissive by the kernel command line, bootconfig or a build property. */

const PERMISSIVE = /androidboot\.selinux\s*=\s*"?permissive"?/;

const Evidence = evidence({ where: Type.String() });
const Data = messageData({ setting: Type.String(), where: Type.String() });

type Found = ReportOf<typeof Evidence, typeof Data>;

export default defineDetector({
  meta: {
    id: 'firmware/selinux-permissive',
    version: 1,
    input: 'firmware',
    description:
      'SELinux set to permissive (androidboot.selinux in a boot image, or ro.boot.selinux): policy logged, not ' +
      'enforced.',
    severity: 'high',
    confidence: 'high',
    tags: ['firmware', 'integrity', 'selinux'],
    evidence: Evidence,
    data: Data,
    messages: {
      'selinux-permissive':
        'SELinux is set to permissive ({{setting}}) in {{where}}: its policy is logged, not enforced',
    },
  },
  detect(fw): Found[] {
    const permissive: Array<{ where: string; text: string }> = [];
    for (const b of fw.summary.boot) {
      for (const text of [b.cmdline, b.bootconfig ?? '']) {
        const m = PERMISSIVE.exec(text);
        if (m) permissive.push({ where: b.path, text: m[0] });
      }
    }
    if (fw.summary.properties['ro.boot.selinux'] === 'permissive')
      permissive.push({ where: 'ro.boot.selinux', text: 'ro.boot.selinux=permissive' });
    return permissive.map((p) => ({
      messageId: 'selinux-permissive',
      data: { setting: p.text, where: p.where.split('!/').pop() ?? p.where },
      artefactId: fw.summary.artefactId,
      location: { path: p.where.includes('!/') ? p.where : fw.summary.path },
      identity: `selinux|${p.where}`,
      evidence: { where: p.where, excerpt: p.text },
    }));
  },
});
