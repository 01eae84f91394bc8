import { Type } from '@sinclair/typebox';
import { INSTALL } from '../../firmware/inventory.js';
import { defineDetector, evidence, messageData, type ReportOf } from '../define.js';
import { appsWithFindings } from '../models.js';

/** A pre-installed app the firmware lets install other apps without asking the user. */

const Evidence = evidence({
  package: Type.Union([Type.String(), Type.Null()]),
  partition: Type.String(),
  path: Type.String(),
  grantedBy: Type.String(),
  privileged: Type.Boolean(),
  platformSigned: Type.Boolean(),
  /** Fingerprints of the app's distribution/install-paths findings. */
  related: Type.Array(Type.String()),
});
const Data = messageData({ label: Type.String(), partition: Type.String(), how: Type.String() });

type Found = ReportOf<typeof Evidence, typeof Data>;

export default defineDetector({
  meta: {
    id: 'firmware/silent-installer',
    version: 1,
    input: 'firmware',
    description:
      'A pre-installed app granted INSTALL_PACKAGES (platform-signed, privileged allow-list or system shared ' +
      'uid): it can install apps silently.',
    severity: 'high',
    confidence: 'high',
    tags: ['firmware', 'installer', 'distribution'],
    evidence: Evidence,
    data: Data,
    messages: {
      'silent-installer':
        '{{label}} in {{partition}} can install apps without asking the user (INSTALL_PACKAGES granted: {{how}})',
    },
  },
  detect(fw): Found[] {
    return appsWithFindings(fw)
      .filter(({ app }) => app.canInstallPackages)
      .map(({ app: a, findings }) => {
        const label = a.package ?? a.pathInPartition;
        const how = a.grantedPermissions.includes(INSTALL)
          ? a.platformSigned
            ? 'platform-signed'
            : 'privileged allow-list'
          : `shared uid ${a.sharedUserId} with the platform key`;
        const related = findings.filter((f) => f.detectorId === 'distribution/install-paths').map((f) => f.fingerprint);
        return {
          messageId: 'silent-installer',
          data: { label, partition: a.partition, how },
          artefactId: a.artefactId,
          location: { path: a.path },
          identity: `${a.package}|install`,
          evidence: {
            package: a.package,
            partition: a.partition,
            path: a.pathInPartition,
            grantedBy: how,
            privileged: a.privileged,
            platformSigned: a.platformSigned,
            related,
            excerpt: `${label}: ${INSTALL}`,
          },
        };
      });
  },
});
