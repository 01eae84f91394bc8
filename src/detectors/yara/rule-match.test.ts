import detector from './rule-match.js';
import { testDetector } from '../../../test/rule-tester.js';
import type { YaraRuleMatch } from '../models.js';

const artefact = { id: 'id:a', path: 'app.apk!/classes.dex', sha256: '0'.repeat(64) };
const match = (meta: Record<string, unknown>): YaraRuleMatch => ({
  rule: 'SpyKit',
  ruleFile: '/rules/spy.yar',
  tags: ['spyware'],
  meta,
  matches: [{ identifier: '$a', offset: 96, length: 6, data: 'spykit' }],
});

testDetector(detector, {
  valid: [{ name: 'no rule matched', input: { artefact, matches: [] } }],
  invalid: [
    {
      name: "a match rated by the rule's severity meta",
      input: { artefact, matches: [match({ severity: 'High' })] },
      messageId: 'match',
      data: { rule: 'SpyKit', file: 'spy.yar', path: 'app.apk!/classes.dex', at: ' at offset 96' },
      severity: 'high',
      evidence: { ruleFile: '/rules/spy.yar', excerpt: '$a=spykit' },
    },
    {
      name: 'an unknown severity meta falls back to medium',
      input: { artefact, matches: [match({ severity: 'urgent' })] },
      messageId: 'match',
      severity: 'medium',
    },
  ],
});
