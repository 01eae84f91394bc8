import { Type } from '@sinclair/typebox';
import { SEVERITIES, type Severity } from '../../model.js';
import { defineDetector, evidence, messageData, type ReportOf } from '../define.js';

/** A user's YARA rule that matched an artefact; the rule's `severity` meta, when valid, rates it. */

const Evidence = evidence({
  rule: Type.String(),
  ruleFile: Type.String(),
  tags: Type.Array(Type.String()),
  /** The rule's meta section as written (any keys). */
  meta: Type.Record(Type.String(), Type.Unknown()),
  matches: Type.Array(
    Type.Object(
      {
        identifier: Type.String(),
        offset: Type.Integer({ minimum: 0 }),
        length: Type.Integer({ minimum: 0 }),
        data: Type.String(),
      },
      { additionalProperties: false },
    ),
  ),
});
const Data = messageData({ rule: Type.String(), file: Type.String(), path: Type.String(), at: Type.String() });

type Found = ReportOf<typeof Evidence, typeof Data>;

export default defineDetector({
  meta: {
    id: 'yara/rule-match',
    version: 1,
    input: 'yara-matches',
    description: "A loaded YARA rule matched an artefact's bytes (rated by the rule's severity meta, else medium).",
    severity: 'medium',
    confidence: 'medium',
    tags: ['yara'],
    evidence: Evidence,
    data: Data,
    messages: { match: 'YARA rule {{rule}} ({{file}}) matched {{path}}{{at}}' },
  },
  detect({ artefact, matches }): Found[] {
    return matches.map((m) => {
      // Only a text meta can name a severity; numbers and booleans leave the default.
      const severity = m.meta?.severity;
      const declared = typeof severity === 'string' ? severity.toLowerCase() : '';
      const first = m.matches[0];
      return {
        messageId: 'match',
        data: {
          rule: m.rule,
          file: m.ruleFile.slice(m.ruleFile.lastIndexOf('/') + 1),
          path: artefact.path,
          at: first ? ` at offset ${first.offset}` : '',
        },
        artefactId: artefact.id,
        location: { path: artefact.path, ...(first ? { offset: first.offset } : {}) },
        severity: (SEVERITIES as readonly string[]).includes(declared) ? (declared as Severity) : 'medium',
        tags: ['yara', ...m.tags],
        identity: `${m.ruleFile}|${m.rule}`,
        evidence: {
          rule: m.rule,
          ruleFile: m.ruleFile,
          tags: m.tags,
          meta: m.meta,
          matches: m.matches,
          excerpt: m.matches
            .map((x) => `${x.identifier}=${x.data}`)
            .join(' ')
            .slice(0, 200),
        },
      };
    });
  },
});
