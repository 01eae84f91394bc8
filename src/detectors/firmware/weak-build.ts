import { Type } from '@sinclair/typebox';
import { defineDetector, evidence, messageData, type ReportOf } from '../define.js';

/** A development build: userdebug/eng type, debuggable, adb without authentication, or test-keys. */

const Evidence = evidence({
  reasons: Type.Array(Type.String()),
  buildType: Type.Union([Type.String(), Type.Null()]),
  buildTags: Type.Union([Type.String(), Type.Null()]),
});
const Data = messageData({ reasons: Type.String() });

type Found = ReportOf<typeof Evidence, typeof Data>;

export default defineDetector({
  meta: {
    id: 'firmware/weak-build',
    version: 1,
    input: 'firmware',
    description:
      'A development build (userdebug/eng, ro.debuggable=1, ro.secure=0, ro.adb.secure=0, or signed with public ' +
      'test-keys).',
    severity: 'medium',
    confidence: 'high',
    tags: ['firmware', 'integrity'],
    evidence: Evidence,
    data: Data,
    messages: { 'weak-build': 'the firmware is a development build: {{reasons}}' },
  },
  detect(fw): Found[] {
    const { profile, properties } = fw.summary;
    const weak: string[] = [];
    const type = profile.buildType;
    if (type === 'userdebug' || type === 'eng') weak.push(`build type ${type}`);
    if (properties['ro.debuggable'] === '1') weak.push('ro.debuggable=1');
    if (properties['ro.secure'] === '0') weak.push('ro.secure=0');
    if (properties['ro.adb.secure'] === '0') weak.push('ro.adb.secure=0');
    if ((profile.buildTags ?? '').includes('test-keys')) weak.push('signed with test-keys (public AOSP keys)');
    if (!weak.length) return [];
    return [
      {
        messageId: 'weak-build',
        data: { reasons: weak.join(', ') },
        artefactId: fw.summary.artefactId,
        location: { path: fw.summary.path },
        identity: 'weak-build',
        evidence: { reasons: weak, buildType: type, buildTags: profile.buildTags, excerpt: weak.join('; ') },
      },
    ];
  },
});
