import { Type } from '@sinclair/typebox';
import { loadDataFile } from '../../data-files.js';
import type { Severity } from '../../model.js';
import { severityRank } from '../../model.js';
import { defineDetector, evidence, messageData, type ReportOf } from '../define.js';

/** Reports requested permissions that matter to an audit: install rights, identifiers, location, messages. */

interface PermissionInfo {
  protectionLevel: string;
  severity: Severity;
  tags: string[];
  why?: string;
}

let table: Record<string, PermissionInfo> | null = null;
export function permissionTable(): Record<string, PermissionInfo> {
  if (!table) table = loadDataFile('permissions').permissions;
  return table;
}

const Evidence = evidence({
  permission: Type.String(),
  protectionLevel: Type.String(),
  /** The manifest element that requested it, or `implied` for permissions an old target SDK implies. */
  element: Type.String(),
  maxSdkVersion: Type.Optional(Type.Integer()),
});
const Data = messageData({
  package: Type.String(),
  permission: Type.String(),
  level: Type.String(),
  why: Type.String(),
});

type Found = ReportOf<typeof Evidence, typeof Data>;

export default defineDetector({
  meta: {
    id: 'app/permissions',
    version: 1,
    input: 'app',
    description:
      'Requested permissions that are dangerous, signature|privileged, or central to the mission (installing ' +
      'apps, identifiers, messages, location).',
    severity: 'medium',
    confidence: 'high',
    tags: ['permissions'],
    evidence: Evidence,
    data: Data,
    messages: {
      permission: '{{package}} requests {{permission}} ({{level}}): {{why}}',
    },
  },
  detect(app): Found[] {
    const perms = permissionTable();
    const seen = new Set<string>();
    const out: Found[] = [];
    for (const p of app.manifest?.permissions ?? []) {
      if (seen.has(p.name)) continue;
      seen.add(p.name);
      const info = perms[p.name];
      if (!info || severityRank(info.severity) < severityRank('low')) continue;
      out.push({
        messageId: 'permission',
        data: {
          package: app.manifest?.package ?? app.artefact.path,
          permission: p.name,
          level: info.protectionLevel,
          why: info.why ?? `${info.protectionLevel} permission`,
        },
        artefactId: app.artefact.id,
        location: { path: app.artefact.path, entry: 'AndroidManifest.xml' },
        severity: info.severity,
        tags: ['permissions', ...info.tags],
        identity: p.name,
        evidence: {
          permission: p.name,
          protectionLevel: info.protectionLevel,
          element: p.element,
          ...(p.maxSdkVersion !== undefined ? { maxSdkVersion: p.maxSdkVersion } : {}),
        },
      });
    }
    return out;
  },
});
