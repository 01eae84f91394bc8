import { Type } from '@sinclair/typebox';
import { scoreEntries } from '../../lexicon/classify.js';
import { splitList } from '../../lexicon/list-structure.js';
import type { Severity } from '../../model.js';
import { defineDetector, evidence, KnownListRef, messageData, RelatedFinding, type ReportOf } from '../define.js';

/** Flags a keyword list whose entries are largely sensitive terms, and says which kind of list it is. */

const MAX_TERMS_IN_EVIDENCE = 20_000;

const Evidence = evidence({
  kind: Type.String({ description: 'political, services, content-filter or unknown' }),
  termCount: Type.Integer({ minimum: 1 }),
  sensitiveCount: Type.Integer({ minimum: 1 }),
  sensitiveShare: Type.Number({ minimum: 0, maximum: 1 }),
  categories: Type.Record(Type.String(), Type.Object({ count: Type.Integer(), share: Type.Number({ minimum: 0, maximum: 1 }) }, { additionalProperties: false })),
  sampleTerms: Type.Array(Type.String()),
  matchedLexiconTerms: Type.Array(Type.String()),
  /** Decodings applied to reach the text, outermost first. */
  encodings: Type.Array(Type.String()),
  keyOrigin: Type.Optional(Type.String()),
  textEncoding: Type.String(),
  structure: Type.String(),
  origin: Type.String(),
  cjkShare: Type.Number({ minimum: 0, maximum: 1 }),
  terms: Type.Array(Type.String()),
  /** Added by correlate/link.ts: the refresh code and region checks of the same mechanism. */
  related: Type.Optional(Type.Array(RelatedFinding)),
  knownList: Type.Optional(KnownListRef),
});
const Data = messageData({ sensitive: Type.Integer(), count: Type.Integer(), categories: Type.String(), path: Type.String() });

type Found = ReportOf<typeof Evidence, typeof Data>;

export default defineDetector({
  meta: {
    id: 'censorship/keyword-list',
    version: 1,
    input: 'text-blob',
    description: 'A list of terms (JSON, XML, lines, delimited, string constants of one method, adjacent native strings) whose entries are largely sensitive.',
    severity: 'high',
    confidence: 'medium',
    tags: ['censorship'],
    evidence: Evidence,
    data: Data,
    messages: {
      political: 'Keyword list with {{sensitive}} of {{count}} terms politically sensitive ({{categories}}) in {{path}}',
      services: 'List of {{sensitive}} blocked services or sites among {{count}} terms ({{categories}}) in {{path}}',
      'content-filter': 'Content filter list: {{sensitive}} of {{count}} terms ({{categories}}) in {{path}}',
      unknown: 'Keyword list of unknown purpose: {{count}} short, mostly Chinese entries ({{sensitive}} in the lexicon) in {{path}}',
    },
  },
  detect(blob, ctx): Found[] {
    const split = blob.entries ? { structure: 'given' as const, entries: blob.entries } : splitList(blob.text);
    if (!split) return [];
    const score = scoreEntries(split.entries, ctx.lexicon);
    if (!score.kind) return [];
    const topCategories = Object.keys(score.categories).slice(0, 4).join(', ');
    let severity: Severity = 'low';
    let tags = ['censorship', 'keyword-list'];
    if (score.kind === 'political') severity = 'high';
    else if (score.kind === 'unknown') severity = 'medium';
    else if (score.kind === 'services') severity = score.cjkShare >= 0.3 ? 'medium' : 'low';
    else tags = ['content-filter', 'keyword-list'];
    const decoded = blob.encodings.length > 0 ? ` (decoded: ${blob.encodings.join(' → ')})` : '';
    const where = [blob.location.path, blob.location.className, blob.location.method].filter(Boolean).join(' ');
    return [
      {
        messageId: score.kind,
        data: { sensitive: score.sensitiveCount, count: score.termCount, categories: topCategories || 'none', path: where + decoded },
        artefactId: blob.artefactId,
        location: blob.location,
        severity,
        confidence: score.strongCount >= 10 || score.sensitiveShare >= 0.6 ? 'high' : 'medium',
        tags,
        identity: `${blob.origin}:${blob.location.className ?? ''}:${blob.location.method ?? ''}:${blob.location.offset ?? ''}:${blob.encodings.join('>')}`,
        evidence: {
          kind: score.kind,
          termCount: score.termCount,
          sensitiveCount: score.sensitiveCount,
          sensitiveShare: score.sensitiveShare,
          categories: score.categories,
          sampleTerms: score.sampleTerms,
          matchedLexiconTerms: score.matchedTerms,
          encodings: blob.encodings,
          ...(blob.keyOrigin ? { keyOrigin: blob.keyOrigin } : {}),
          textEncoding: blob.encoding,
          structure: split.structure,
          origin: blob.origin,
          cjkShare: score.cjkShare,
          terms: split.entries.slice(0, MAX_TERMS_IN_EVIDENCE),
          excerpt: score.sampleTerms.slice(0, 5).join(' | '),
        },
      },
    ];
  },
});
