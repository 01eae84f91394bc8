/**
 * Limits applied while opening containers and parsing formats. Everything Candor reads was made by someone
 * else; these bound the memory and time a hostile file can make a scan spend.
 */
export interface Limits {
  /** Maximum number of entries read from one zip central directory. */
  maxZipEntries: number;
  /** Maximum bytes inflated from one entry. */
  maxEntryBytes: number;
  /** Maximum bytes inflated from all entries of one archive, nested archives included. */
  maxTotalInflatedBytes: number;
  /** Maximum ratio of inflated to compressed size of one entry (zip-bomb guard). */
  maxCompressionRatio: number;
  /** Maximum nesting of archives inside archives (APK inside APK assets...). */
  maxNestingDepth: number;
  /** Text entries larger than this are not decoded for keyword-list detection. */
  maxTextBytes: number;
  /** Maximum strings in one DEX string pool. */
  maxDexStrings: number;
  /** Code model: a virtual call with more overriding methods than this links none of them (reported). */
  maxDispatchTargets: number;
  /** Code model: code units the per-method value analysis may walk per app (on demand, reported when spent). */
  maxSummaryUnits: number;
  /** Code model: methods one path query may visit before it stops (reported in the finding's evidence). */
  maxPathVisits: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxZipEntries: 200_000,
  maxEntryBytes: 512 * 1024 * 1024,
  maxTotalInflatedBytes: 4 * 1024 * 1024 * 1024,
  maxCompressionRatio: 1000,
  maxNestingDepth: 3,
  maxTextBytes: 32 * 1024 * 1024,
  maxDexStrings: 4_000_000,
  maxDispatchTargets: 64,
  maxSummaryUnits: 12_000_000,
  maxPathVisits: 20_000,
};
