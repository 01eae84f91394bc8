import { Type } from '@sinclair/typebox';
import { defineDetector, evidence, messageData, type ReportOf } from '../define.js';

/** A vbmeta image that turns off Android Verified Boot: a modified system would still boot. */

const Evidence = evidence({
  flags: Type.Integer({ minimum: 0 }),
  verificationDisabled: Type.Boolean(),
  hashtreeDisabled: Type.Boolean(),
  partitions: Type.Array(Type.String()),
});
const Data = messageData({ image: Type.String(), what: Type.String(), flags: Type.Integer() });

type Found = ReportOf<typeof Evidence, typeof Data>;

export default defineDetector({
  meta: {
    id: 'firmware/verified-boot-disabled',
    version: 1,
    input: 'firmware',
    description: 'A vbmeta image whose flags disable verification or the dm-verity hashtree.',
    severity: 'high',
    confidence: 'high',
    tags: ['firmware', 'integrity', 'boot'],
    evidence: Evidence,
    data: Data,
    messages: {
      'verified-boot-disabled':
        '{{image}} disables Android Verified Boot {{what}} (flags {{flags}}): modified system partitions would ' +
        'still boot',
    },
  },
  detect(fw): Found[] {
    return fw.summary.vbmeta
      .filter((v) => v.verificationDisabled || v.hashtreeDisabled)
      .map((v) => ({
        messageId: 'verified-boot-disabled',
        data: {
          image: v.path.split('!/').pop() ?? v.path,
          what: [v.verificationDisabled ? 'verification' : '', v.hashtreeDisabled ? 'dm-verity hashtree' : '']
            .filter(Boolean)
            .join(' and '),
          flags: v.flags,
        },
        artefactId: fw.summary.artefactId,
        location: { path: v.path },
        identity: `vbmeta|${v.path}`,
        evidence: {
          flags: v.flags,
          verificationDisabled: v.verificationDisabled,
          hashtreeDisabled: v.hashtreeDisabled,
          partitions: v.partitions.map((p) => p.partition),
          excerpt: `vbmeta flags=${v.flags}`,
        },
      }));
  },
});
