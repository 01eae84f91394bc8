/**
 * Candor's library API. `scan()` audits inputs and returns the canonical report; `openStore()` opens the
 * SQLite store; the renderers turn a report into JSON, HTML or a terminal summary.
 */
export { scan, maxSeverity, type ScanOptions, type ProgressEvent } from './scan/scan.js';
export { analyzeFile, type FileResult } from './scan/analyze.js';
export { Store } from './store/sqlite.js';
export { renderJson } from './report/json.js';
export { renderHtml, escapeHtml } from './report/html.js';
export { renderTerminal } from './report/terminal.js';
export { DETECTORS } from './detectors/index.js';
export { DEFAULT_LIMITS, type Limits } from './io/limits.js';
export { Lexicon, loadDefaultLexicon } from './lexicon/lexicon.js';
export { parseExodusTrackers, loadExodusTrackers, loadBuiltinTrackers } from './trackers/trackers.js';
export { VERSION } from './version.js';
export * from './model.js';

import { Store } from './store/sqlite.js';

/** Opens (creating if needed) a Candor SQLite store. */
export function openStore(path: string): Store {
  return new Store(path);
}
