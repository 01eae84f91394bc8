import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DEFAULT_LIMITS, type Limits } from '../io/limits.js';
import { ImportedListIndex, type ImportedList } from '../lexicon/imported-lists.js';
import { loadDefaultLexicon, type Lexicon } from '../lexicon/lexicon.js';
import { loadBuiltinTrackers, loadExodusTrackers } from '../trackers/trackers.js';
import { analyzerIdentity, type AnalyzerIdentity } from './analyzer-identity.js';
import type { AnalyzeContext } from './analyze-context.js';
import { compileRules, deserializeRules, type RuleSource, type SerializedRules } from '../yara/rules.js';

/** What a worker needs to rebuild the analysis context: plain data, cloneable across threads. */
export interface AnalyzeSettings {
  limits: Limits;
  trackersPath: string | null;
  /** Search encoded, compressed and encrypted blobs for hidden lists (on by default). */
  hiddenLists?: boolean;
  /** YARA rule sources (includes resolved): identify the rules in the cache key. */
  yaraSources?: RuleSource[];
  /** The same rules compiled once by the main thread, loaded as they are by each worker. */
  yaraCompiled?: SerializedRules;
  /** Compute MD5 and SHA-1 of files too (when indicators may name them so). */
  fileDigests?: boolean;
  /** The device's own identifiers (imei, mac, androidId...), searched in traffic also as hashes. */
  deviceIds?: Record<string, string>;
  /** Published blocklists the user imported into the store, matched against every list candidate. */
  importedLists?: ImportedList[];
}

export function buildContext(settings: AnalyzeSettings): AnalyzeContext {
  // The lexicon takes ~50 ms to build: a scan of captures alone may never need it.
  let lexicon: Lexicon | null = null;
  return {
    limits: settings.limits,
    hiddenLists: settings.hiddenLists !== false,
    fileDigests: settings.fileDigests === true,
    ...(settings.deviceIds ? { deviceIds: settings.deviceIds } : {}),
    ...(settings.yaraCompiled
      ? { yara: deserializeRules(settings.yaraCompiled) }
      : settings.yaraSources?.length
        ? { yara: compileRules(settings.yaraSources) }
        : {}),
    detectors: {
      limits: settings.limits,
      get lexicon(): Lexicon {
        return (lexicon ??= loadDefaultLexicon());
      },
      trackers: settings.trackersPath ? loadExodusTrackers(settings.trackersPath) : loadBuiltinTrackers(),
      ...(settings.importedLists?.length ? { importedLists: new ImportedListIndex(settings.importedLists) } : {}),
    },
  };
}

/** JSON with object keys sorted at every depth, so a nested limits tree hashes the same in any key order. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Identifies everything that shapes a file's result: the code that runs, every data file (lexicon and
 * tables), the pinned dependencies, the limits and options, a user-supplied tracker list and YARA rules.
 * A cached result is reused only under the same key. `identity` is injectable for tests.
 */
export function analyzerKey(settings: AnalyzeSettings, identity: AnalyzerIdentity = analyzerIdentity()): string {
  const h = createHash('sha256');
  h.update(
    `code ${identity.code}\ndata ${identity.data}\npackages ${identity.packages}\n` +
      `natives ${identity.natives.join(',')}\n`,
  );
  const options = {
    limits: { ...DEFAULT_LIMITS, ...settings.limits },
    hiddenLists: settings.hiddenLists !== false,
    fileDigests: settings.fileDigests === true,
    deviceIds: settings.deviceIds ?? {},
  };
  h.update(stableJson(options));
  if (settings.trackersPath) h.update(readFileSync(settings.trackersPath));
  for (const r of settings.yaraSources ?? []) h.update(`yara ${r.path}\n${r.source}\n`);
  for (const l of settings.importedLists ?? []) h.update(`list ${l.name}\n${l.terms.join('\n')}\n`);
  return h.digest('hex').slice(0, 32);
}
