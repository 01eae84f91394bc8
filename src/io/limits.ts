import { CandorError } from './errors.js';

/**
 * Every limit Candor applies, in one tree. Everything Candor reads was made by someone else; these bound
 * the memory and time a hostile file can make a scan spend. Each limit hit is a `limit/*` diagnostic that
 * names the limit and its value. The whole tree is part of the result cache key (`scan/context.ts`), and
 * any leaf can be set from the CLI (`--limit zip.maxEntries=1000`) or the API (`scan({ limits })`).
 */
export interface Limits {
  zip: {
    /** Entries read from one zip central directory. */
    maxEntries: number;
    /** Bytes inflated from one entry. */
    maxEntryBytes: number;
    /**
     * Bytes inflated from all entries of one file tree (an APK and every archive nested in it), failed attempts
     * included.
     */
    maxTotalInflatedBytes: number;
    /** Ratio of inflated to compressed size of one entry (zip-bomb guard). */
    maxCompressionRatio: number;
    /** Nesting of archives inside archives (APK inside APK assets...). */
    maxNestingDepth: number;
  };
  text: {
    /** Text files and entries larger than this are not decoded for keyword-list detection. */
    maxBytes: number;
    /** HAR files larger than this are not parsed (JSON needs about three times the file in memory). */
    maxHarBytes: number;
  };
  dex: {
    /** Strings in one DEX string pool. */
    maxStrings: number;
  };
  decode: {
    /** Steps in one decoding chain (base64 → gzip → AES...). */
    maxDepth: number;
    /** Nodes the search for hidden text visits per blob. */
    maxNodes: number;
    /** Bytes the search processes per blob. */
    maxBytes: number;
    /** Output of one decompression or decryption step: decoding stops at this many bytes. */
    maxOutput: number;
    /** Encoded-looking blobs searched per app. */
    maxBlobsPerApp: number;
    /** Decryptions tried per app, over all its blobs. */
    maxCipherAttemptsPerApp: number;
  };
  firmware: {
    /** Container layers nested in one image (zip in tar in sparse...). */
    maxLayers: number;
    /** A compressed member (deflated zip entry, .br, .gz, .lz4) is expanded in memory up to this. */
    maxExpandedBytes: number;
    /** Bytes inflated from all deflated members of one firmware's zips (an image tree, not an app). */
    maxInflatedBytes: number;
    /** Files and directories one file-system walk visits. */
    maxFsEntries: number;
    /** Directory levels one file-system walk descends. */
    maxFsDepth: number;
    /** Chunks in one Android sparse image. */
    maxSparseChunks: number;
    /** Size of a payload.bin manifest. */
    maxManifestBytes: number;
    /** Decompressed output of one payload operation. */
    maxOperationBytes: number;
    /** Members read from one tar archive. */
    maxTarMembers: number;
    /** List-like files (txt, json, xml...) are audited up to this size each. */
    maxListFileBytes: number;
    /** List-like files audited per firmware. */
    maxListFiles: number;
    /** Property and permission files are read up to this size. */
    maxSmallFileBytes: number;
  };
  capture: {
    /** Flows tracked in one capture. */
    maxFlows: number;
    /** Client bytes kept per flow to find SNI, HTTP requests and leaks. */
    maxFlowBytes: number;
    /** Client bytes kept over all open flows. */
    maxRetainedBytes: number;
    /** One HTTP body, after content decoding. */
    maxHttpBodyBytes: number;
  };
  code: {
    /** A virtual call with more overriding methods than this links none of them (reported). */
    maxDispatchTargets: number;
    /** Code units the per-method value analysis may walk per app (on demand, reported when spent). */
    maxSummaryUnits: number;
    /** Methods one path query may visit before it stops (reported in the finding's evidence). */
    maxPathVisits: number;
    /** Items, elements and values read from one DEX's annotations (real apps: a few thousand). */
    maxAnnotationReads: number;
  };
  assets: {
    /** Strings one asset reader (Lua, Unity, .NET, SQLite, XML, zip in assets) returns from one file. */
    maxStrings: number;
    /** Bytes one asset reader decompresses or reads out of one file (Unity blocks, zip-in-asset entries). */
    maxOutputBytes: number;
    /** PBKDF2 iterations all key derivations of one app may spend (keys derived the way the app's code does). */
    maxKeyDerivationIterations: number;
  };
  file: {
    /** Wall time one file's analysis may take on its worker before it is stopped (`limit/file-time`). */
    timeMs: number;
    /** V8 heap one file's worker may use before it is stopped (`limit/file-memory`). */
    memoryMb: number;
  };
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export const DEFAULT_LIMITS: Limits = {
  zip: {
    maxEntries: 200_000,
    maxEntryBytes: 512 * MiB,
    maxTotalInflatedBytes: 4 * GiB,
    maxCompressionRatio: 1000,
    maxNestingDepth: 3,
  },
  text: { maxBytes: 32 * MiB, maxHarBytes: 256 * MiB },
  dex: { maxStrings: 4_000_000 },
  decode: {
    maxDepth: 5,
    maxNodes: 160,
    maxBytes: 48 * MiB,
    maxOutput: 16 * MiB,
    maxBlobsPerApp: 400,
    maxCipherAttemptsPerApp: 6000,
  },
  firmware: {
    maxLayers: 8,
    maxExpandedBytes: 2 * GiB,
    maxInflatedBytes: 64 * GiB,
    maxFsEntries: 2_000_000,
    maxFsDepth: 64,
    maxSparseChunks: 16_000_000,
    maxManifestBytes: 64 * MiB,
    maxOperationBytes: 256 * MiB,
    maxTarMembers: 100_000,
    maxListFileBytes: 1 * MiB,
    maxListFiles: 20_000,
    maxSmallFileBytes: 4 * MiB,
  },
  capture: { maxFlows: 200_000, maxFlowBytes: 16 * KiB, maxRetainedBytes: 64 * MiB, maxHttpBodyBytes: 8 * MiB },
  code: { maxDispatchTargets: 64, maxSummaryUnits: 12_000_000, maxPathVisits: 20_000, maxAnnotationReads: 1_000_000 },
  assets: { maxStrings: 200_000, maxOutputBytes: 64 * MiB, maxKeyDerivationIterations: 2_000_000 },
  file: { timeMs: 600_000, memoryMb: 4096 },
};

/** Some leaves of the tree, as the API and the CLI take them. */
export type LimitOverrides = { [G in keyof Limits]?: Partial<Limits[G]> };

/** A bad `--limit` or API override: an unknown name or a value that is not a positive whole number. */
export class LimitSettingError extends CandorError {
  constructor(message: string) {
    super('usage/bad-limit', message);
  }
}

/** Every settable name, `group.leaf`, in the tree's order. */
export function limitNames(): string[] {
  const groups = Object.keys(DEFAULT_LIMITS) as Array<keyof Limits>;
  return groups.flatMap((g) => Object.keys(DEFAULT_LIMITS[g]).map((k) => `${g}.${k}`));
}

/** The defaults with `overrides` applied; unknown names and values other than positive integers are refused. */
export function resolveLimits(overrides: LimitOverrides = {}): Limits {
  const out = structuredClone(DEFAULT_LIMITS) as unknown as Record<string, Record<string, number>>;
  for (const [group, leaves] of Object.entries(overrides)) {
    const target = out[group];
    if (!target)
      throw new LimitSettingError(`unknown limit group "${group}" (known: ${Object.keys(DEFAULT_LIMITS).join(', ')})`);
    for (const [leaf, value] of Object.entries(leaves ?? {})) {
      if (!(leaf in target))
        throw new LimitSettingError(`unknown limit "${group}.${leaf}" (known: ${limitNames().join(', ')})`);
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
        throw new LimitSettingError(
          `limit ${group}.${leaf} must be a positive whole number, got ${JSON.stringify(value)}`,
        );
      }
      target[leaf] = value;
    }
  }
  return out as unknown as Limits;
}

const SUFFIX: Record<string, number> = { '': 1, k: KiB, kib: KiB, m: MiB, mib: MiB, g: GiB, gib: GiB, s: 1000, ms: 1 };

/**
 * Parses one `name=value` setting into `overrides`. Sizes take K, M, G (binary) suffixes; time limits
 * take `s` or `ms` (a bare number of `file.timeMs` is milliseconds).
 */
export function parseLimitSetting(setting: string, overrides: LimitOverrides = {}): LimitOverrides {
  const eq = setting.indexOf('=');
  const name = eq < 0 ? setting : setting.slice(0, eq).trim();
  const [group, leaf, extra] = name.split('.');
  const known = limitNames();
  if (eq < 0 || !group || !leaf || extra !== undefined || !known.includes(name)) {
    throw new LimitSettingError(
      eq < 0 ? `expected name=value, got "${setting}"` : `unknown limit "${name}" (known: ${known.join(', ')})`,
    );
  }
  const raw = setting.slice(eq + 1).trim();
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(raw);
  const unit = m ? SUFFIX[(m[2] as string).toLowerCase()] : undefined;
  const timeUnit = m?.[2] && /^m?s$/i.test(m[2]);
  if (!m || unit === undefined || (timeUnit && leaf !== 'timeMs')) {
    throw new LimitSettingError(
      `limit ${name} must be a positive whole number (with K, M or G for sizes, s for time), got "${raw}"`,
    );
  }
  const value = Math.round(Number(m[1]) * unit);
  const groupOverrides = (overrides[group as keyof Limits] ?? {}) as Record<string, number>;
  groupOverrides[leaf] = value;
  (overrides as Record<string, Record<string, number>>)[group] = groupOverrides;
  resolveLimits(overrides); // validates the value
  return overrides;
}
