import { Type } from '@sinclair/typebox';
import { classifyList, type ListKind, type ListVerdict } from '../../lexicon/classify.js';
import { listNameSignals } from '../../lexicon/list-names.js';
import { loadDefaultListModel } from '../../lexicon/list-model.js';
import { splitList } from '../../lexicon/list-structure.js';
import { ownBrandTerms } from '../../lexicon/vendor-brands.js';
import type { Confidence, Severity } from '../../model.js';
import type { TextBlob } from '../../scan/apk-model.js';
import { defineDetector, evidence, KnownListRef, messageData, RelatedFinding, type ReportOf } from '../define.js';

/**
 * Flags a keyword list and says which kind it is, from its content judged against benign vocabulary,
 * the names around it and the code that uses it (lexicon/classify.ts). Severity follows what the list
 * does to users: political censorship is high; a profanity or porn filter low; competitor brands info
 * (low when code filters with them); a list of unknown purpose info (medium when code filters with it).
 */

const MAX_TERMS_IN_EVIDENCE = 20_000;

const Group = Type.Object(
  {
    entries: Type.Integer({ minimum: 0 }),
    distinctTerms: Type.Integer({ minimum: 0 }),
    background: Type.Number(),
    ratio: Type.Number(),
    log10p: Type.Number(),
  },
  { additionalProperties: false },
);
const ImportedMatch = Type.Object(
  {
    name: Type.String(),
    source: Type.String(),
    shared: Type.Integer({ minimum: 0 }),
    shareOfList: Type.Number({ minimum: 0, maximum: 1 }),
    shareOfImported: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
);
const Evidence = evidence({
  kind: Type.Union([
    Type.Literal('political'),
    Type.Literal('services'),
    Type.Literal('content-filter'),
    Type.Literal('brands'),
    Type.Literal('unknown'),
  ]),
  /** Distinct entries as written. */
  termCount: Type.Integer({ minimum: 1 }),
  duplicates: Type.Integer({ minimum: 0 }),
  distinctNormalized: Type.Integer({ minimum: 0 }),
  sensitiveCount: Type.Integer({ minimum: 0 }),
  sensitiveShare: Type.Number({ minimum: 0, maximum: 1 }),
  categories: Type.Record(
    Type.String(),
    Type.Object(
      { count: Type.Integer(), share: Type.Number({ minimum: 0, maximum: 1 }) },
      { additionalProperties: false },
    ),
  ),
  sampleTerms: Type.Array(Type.String()),
  matchedLexiconTerms: Type.Array(Type.String()),
  /** Decodings applied to reach the text, outermost first. */
  encodings: Type.Array(Type.String()),
  keyOrigin: Type.Optional(Type.String()),
  textEncoding: Type.String(),
  structure: Type.String(),
  /** For CSV tables: the column kept as the entries (0-based) and the column count. */
  column: Type.Optional(
    Type.Object(
      { index: Type.Integer({ minimum: 0 }), of: Type.Integer({ minimum: 1 }) },
      { additionalProperties: false },
    ),
  ),
  origin: Type.String(),
  cjkShare: Type.Number({ minimum: 0, maximum: 1 }),
  medianLength: Type.Number({ minimum: 0 }),
  /** Each signal the verdict weighed (lexicon/classify.ts). */
  signals: Type.Object(
    {
      content: Type.Object(
        { political: Group, services: Group, filter: Group, brands: Group, any: Group },
        { additionalProperties: false },
      ),
      names: Type.Array(Type.String()),
      use: Type.Union([
        Type.Object(
          { methods: Type.Array(Type.String()), operations: Type.Array(Type.String()), filters: Type.Boolean() },
          { additionalProperties: false },
        ),
        Type.Null(),
      ]),
      hidden: Type.Boolean(),
      /** Overlap with the published lists the user imported (`candor lexicon import`). */
      imported: Type.Array(ImportedMatch),
    },
    { additionalProperties: false },
  ),
  /** Which signals carried the verdict, strongest first. */
  carriedBy: Type.Array(Type.String()),
  /** Methods that load or apply the entries (`Lclass;->method`). */
  applyingCode: Type.Optional(Type.Array(Type.String())),
  /** The imported lists the entries overlap (the same as `signals.imported`, when not empty). */
  importedLists: Type.Optional(Type.Array(ImportedMatch)),
  terms: Type.Array(Type.String()),
  /** Added by correlate/link.ts: the refresh code and region checks of the same mechanism. */
  related: Type.Optional(Type.Array(RelatedFinding)),
  knownList: Type.Optional(KnownListRef),
});
const Data = messageData({
  sensitive: Type.Integer(),
  political: Type.Integer(),
  count: Type.Integer(),
  categories: Type.String(),
  why: Type.String(),
  path: Type.String(),
});

type Found = ReportOf<typeof Evidence, typeof Data>;

export default defineDetector({
  meta: {
    id: 'censorship/keyword-list',
    version: 2,
    input: 'text-blob',
    description:
      'A list of terms (JSON, XML, lines, CSV, string constants of one method, adjacent native strings) whose ' +
      'sensitive terms far exceed what benign vocabulary of its size shows, or that code uses to filter text.',
    severity: 'high',
    confidence: 'medium',
    tags: ['censorship'],
    evidence: Evidence,
    data: Data,
    messages: {
      political:
        'Keyword list blocking political terms: {{political}} political among {{sensitive}} sensitive of ' +
        '{{count}} terms ({{categories}}) in {{path}}',
      services: 'List of {{sensitive}} blocked services or sites among {{count}} terms ({{categories}}) in {{path}}',
      'content-filter': 'Content filter list: {{sensitive}} of {{count}} terms ({{categories}}) in {{path}}',
      brands: 'List of competitor brands: {{sensitive}} of {{count}} terms in {{path}}',
      unknown: 'Keyword list of unknown purpose: {{count}} terms ({{sensitive}} in the lexicon; {{why}}) in {{path}}',
    },
  },
  detect(blob, ctx): Found[] {
    const split = blob.entries ? { structure: 'given' as const, entries: blob.entries } : splitList(blob.text);
    if (!split) return [];
    const model = ctx.listModel ?? loadDefaultListModel();
    const names = listNameSignals(blob.location);
    const hidden = blob.encodings.some(isHidingStep);
    const ignoreTerms = ownBrandTerms(blob.appPackage);
    const forms =
      'forms' in split && split.forms ? new Map(split.entries.map((e, i) => [e.trim(), split.forms![i]!])) : undefined;
    const base = {
      names,
      hidden,
      ignoreTerms,
      ...(forms ? { forms } : {}),
      ...(ctx.importedLists ? { imported: ctx.importedLists } : {}),
    };
    let verdict = classifyList(split.entries, ctx.lexicon, model, base);
    // The code around a list is looked at only for candidates with some content or a telling name: it is
    // the costlier signal, and it can only confirm a list or raise a verdict of unknown purpose.
    if (blob.use && (verdict.sensitiveCount > 0 || names.length > 0)) {
      const use = blob.use();
      if (use) verdict = classifyList(split.entries, ctx.lexicon, model, { ...base, use });
    }
    if (!verdict.kind) return [];
    const { severity, tags } = rate(verdict.kind, verdict);
    const decoded = blob.encodings.length > 0 ? ` (decoded: ${blob.encodings.join(' → ')})` : '';
    const where = [blob.location.path, blob.location.className, blob.location.method].filter(Boolean).join(' ');
    const topCategories = Object.keys(verdict.categories).slice(0, 4).join(', ');
    return [
      {
        messageId: verdict.kind,
        data: {
          sensitive: verdict.sensitiveCount,
          political: verdict.signals.content.political.entries,
          count: verdict.termCount,
          categories: topCategories || 'none',
          why: verdict.carriedBy.join(', ') || 'structure',
          path: where + decoded,
        },
        artefactId: blob.artefactId,
        location: blob.location,
        severity,
        confidence: confidence(verdict),
        tags,
        identity: identity(blob),
        evidence: {
          kind: verdict.kind,
          termCount: verdict.termCount,
          duplicates: verdict.duplicates,
          distinctNormalized: verdict.distinctNormalized,
          sensitiveCount: verdict.sensitiveCount,
          sensitiveShare: verdict.sensitiveShare,
          categories: verdict.categories,
          sampleTerms: verdict.sampleTerms,
          matchedLexiconTerms: verdict.matchedTerms,
          encodings: blob.encodings,
          ...(blob.keyOrigin ? { keyOrigin: blob.keyOrigin } : {}),
          textEncoding: blob.encoding,
          structure: split.structure,
          ...('column' in split && split.column ? { column: split.column } : {}),
          origin: blob.origin,
          cjkShare: verdict.cjkShare,
          medianLength: verdict.medianLength,
          signals: verdict.signals,
          carriedBy: verdict.carriedBy,
          ...(verdict.signals.use ? { applyingCode: verdict.signals.use.methods } : {}),
          ...(verdict.signals.imported.length > 0 ? { importedLists: verdict.signals.imported } : {}),
          terms: split.entries.slice(0, MAX_TERMS_IN_EVIDENCE),
          excerpt: verdict.sampleTerms.slice(0, 5).join(' | '),
        },
      },
    ];
  },
});

function rate(kind: ListKind, v: ListVerdict): { severity: Severity; tags: string[] } {
  const filters = v.signals.use?.filters === true;
  switch (kind) {
    case 'political':
      return { severity: 'high', tags: ['censorship', 'keyword-list'] };
    case 'services':
      return { severity: 'low', tags: ['censorship', 'keyword-list'] };
    case 'content-filter':
      return { severity: 'low', tags: ['content-filter', 'keyword-list'] };
    case 'brands':
      return { severity: filters ? 'low' : 'info', tags: ['brands', 'keyword-list'] };
    case 'unknown':
      return { severity: filters ? 'medium' : 'info', tags: ['keyword-list'] };
  }
}

/** High when content is overwhelming and another signal agrees; low when no content signal carried it. */
function confidence(v: ListVerdict): Confidence {
  if (!v.carriedBy.includes('content')) return 'low';
  const strongest = Math.min(v.signals.content.any.log10p, v.signals.content.political.log10p);
  return strongest <= -20 || (strongest <= -8 && v.carriedBy.length > 1) ? 'high' : 'medium';
}

/**
 * Steps that hide text from a reader: encodings, byte obfuscation and ciphers. Compression and the
 * containers an asset reader opens (arsc, unityfs, luac-5.1, sqlite, xml, zip…) are how apps ship data,
 * not a reason to suspect it.
 */
function isHidingStep(step: string): boolean {
  return /^(base64|hex|percent|unicode-escape|xor|sub-|rol-|aes|des|bf-|blowfish|rc4|utf-16)/.test(step);
}

function identity(blob: TextBlob): string {
  const l = blob.location;
  // The entry tells apart blobs of one file that share an offset (SQLite columns, XML groups, Lua tables).
  const parts = [blob.origin, l.entry ?? '', l.className ?? '', l.method ?? '', l.offset ?? ''];
  return `${parts.join(':')}:${blob.encodings.join('>')}`;
}
