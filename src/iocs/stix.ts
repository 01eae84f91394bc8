import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { errorCode, errorMessage } from '../io/errors.js';
import type { Diagnostic } from '../model.js';
import { parsePattern, type Pattern } from './stix-pattern.js';

/**
 * STIX 2.1 indicator bundles, in the indicator types MVT uses, matched against what a scan saw: package
 * names, file hashes and names, signing certificates, hosts and URLs (matched by the detector
 * iocs/stix-indicator). Malformed bundles and patterns become diagnostics; a pattern Candor cannot
 * evaluate never matches by accident.
 */

export interface Indicator {
  id: string;
  name: string;
  pattern: Pattern;
  patternText: string;
  /** Names of the malware the bundle says this indicator indicates. */
  malware: string[];
  source: string;
}

export interface IndicatorSet {
  source: string;
  indicators: Indicator[];
  diagnostics: Diagnostic[];
}

const SUPPORTED = new Set([
  'app:id',
  'domain-name:value',
  'ipv4-addr:value',
  'ipv6-addr:value',
  'url:value',
  'file:name',
  'file:hashes.MD5',
  'file:hashes.SHA-1',
  'file:hashes.SHA-256',
  'file:hashes.SHA1',
  'file:hashes.SHA256',
  'x509-certificate:hashes.SHA-1',
  'x509-certificate:hashes.SHA-256',
  'x509-certificate:hashes.MD5',
  'android-property:name',
]);

/** What a bundle must be before its objects are looked at; each object is then read field by field. */
const Bundle = Type.Object({ type: Type.Literal('bundle'), objects: Type.Array(Type.Unknown()) });

/** A property of an object as text: ids and names are strings in STIX, anything else is written out as JSON. */
function propertyText(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
}

export function parseStixBundle(json: string, source: string): IndicatorSet {
  const diagnostics: Diagnostic[] = [];
  const diag = (code: string, message: string) => diagnostics.push({ level: 'warning', code, message, path: source });
  let data: unknown;
  try {
    data = JSON.parse(json) as unknown;
  } catch (err) {
    return {
      source,
      indicators: [],
      diagnostics: [{ level: 'error', code: 'stix/bad-json', message: (err as Error).message, path: source }],
    };
  }
  if (!Value.Check(Bundle, data)) {
    return {
      source,
      indicators: [],
      diagnostics: [
        {
          level: 'error',
          code: 'stix/not-a-bundle',
          message: 'not a STIX 2.1 bundle (type "bundle" with objects)',
          path: source,
        },
      ],
    };
  }
  const objects = data.objects.filter((o): o is Record<string, unknown> => !!o && typeof o === 'object');
  const malwareNames = new Map(
    objects.filter((o) => o.type === 'malware').map((o) => [propertyText(o.id), propertyText(o.name ?? o.id)]),
  );
  const indicates = new Map<string, string[]>();
  for (const r of objects.filter((o) => o.type === 'relationship' && o.relationship_type === 'indicates')) {
    const name = malwareNames.get(propertyText(r.target_ref));
    if (!name) continue;
    const list = indicates.get(propertyText(r.source_ref)) ?? [];
    list.push(name);
    indicates.set(propertyText(r.source_ref), list);
  }
  const indicators: Indicator[] = [];
  for (const o of objects.filter((x) => x.type === 'indicator')) {
    const id = propertyText(o.id ?? '');
    if (o.pattern_type !== undefined && o.pattern_type !== 'stix') {
      diag('stix/unsupported-pattern-type', `${id}: pattern_type ${propertyText(o.pattern_type)} is not evaluated`);
      continue;
    }
    if (typeof o.pattern !== 'string') {
      diag('stix/no-pattern', `${id}: indicator without a pattern`);
      continue;
    }
    let pattern: Pattern;
    try {
      pattern = parsePattern(o.pattern);
    } catch (err) {
      diag(errorCode(err), `${id}: ${errorMessage(err)}`);
      continue;
    }
    const unsupported = pattern.flat().filter((c) => !SUPPORTED.has(`${c.objectType}:${c.path}`));
    if (unsupported.length) {
      diag(
        'stix/unsupported-object-path',
        `${id}: ${[...new Set(unsupported.map((c) => `${c.objectType}:${c.path}`))].join(', ')} ` +
          'cannot be evaluated; the indicator is skipped',
      );
      continue;
    }
    indicators.push({
      id,
      name: propertyText(o.name ?? id),
      pattern,
      patternText: o.pattern,
      malware: indicates.get(id) ?? [],
      source,
    });
  }
  return { source, indicators, diagnostics };
}
