import type { Lexicon } from '../lexicon/lexicon.js';
import type { CodeFacts, MethodFacts } from './code-facts.js';

/**
 * The code that handles a keyword list: methods that fetch one (list URLs, response keys), store it
 * (file names), schedule its refresh (intervals, alarms, jobs, connectivity receivers) or hold its terms.
 */

/** Path words of a list URL: one path segment starts with one of them. */
const LIST_URL_WORDS =
  'filter|blacklist|black_list|blocklist|keyword|keywords|sensitive|sensi|' +
  'badword|badwords|dirtyword|forbid|censor|banned|wordlist';
export const LIST_URL = new RegExp(
  `https?:\\/\\/[^\\s"']*\\/(?:[\\w-]*\\/)*(?:${LIST_URL_WORDS})[\\w-]*(?:\\/[\\w-]*)*(?:[?#][^\\s"']*)?$`,
  'i',
);
export const KNOWN_LIST_HOSTS = /(?:^|\/\/)(?:globalapi\.ad\.xiaomi\.com|api\.ad\.xiaomi\.com)\/filter/i;
export const LIST_KEYS = new Set([
  'keywords',
  'keyword',
  'blacklist',
  'black_list',
  'blackList',
  'sensitive',
  'sensitiveWords',
  'sensitive_words',
  'words',
  'wordList',
  'word_list',
  'badwords',
  'badWords',
  'filterWords',
  'filter_words',
  'cacheTime',
  'cache_time',
]);
/** Words in the file name a list is stored under. */
const STORAGE_WORDS = 'blacklist|blocklist|keyword|sensi|badword|dirtyword|filterword|forbid';
export const STORAGE_NAME = new RegExp(
  `^(?:MiAdBlacklistConfig|cbw\\.dat|[\\w./-]*(?:${STORAGE_WORDS})[\\w.-]*\\.(?:dat|json|txt|db|cfg|bin|xml))$`,
  'i',
);
const SCHEDULERS = [
  'Landroid/app/AlarmManager;->setRepeating',
  'Landroid/app/AlarmManager;->setInexactRepeating',
  'Landroid/app/AlarmManager;->setExact',
  'Landroid/app/AlarmManager;->set',
  'Landroidx/work/PeriodicWorkRequest$Builder;-><init>',
  'Landroid/app/job/JobInfo$Builder;->setPeriodic',
  'Ljava/util/concurrent/ScheduledExecutorService;->scheduleAtFixedRate',
  'Ljava/util/concurrent/ScheduledExecutorService;->scheduleWithFixedDelay',
  'Ljava/util/Timer;->schedule',
  'Ljava/util/Timer;->scheduleAtFixedRate',
];
const MATCHERS = [
  'Ljava/lang/String;->contains',
  'Ljava/lang/String;->indexOf',
  'Ljava/util/regex/Pattern;->compile',
  'Ljava/lang/String;->matches',
  'Ljava/lang/String;->toLowerCase',
];
export const CONNECTIVITY_CHANGE = 'android.net.conn.CONNECTIVITY_CHANGE';

export interface ListCodeSignals {
  urls: string[];
  keys: string[];
  storage: string[];
  intervalsMs: number[];
  schedulers: string[];
  matchers: string[];
  connectivity: boolean;
  lexiconHits: number;
}

/** What one string says about list handling; computed once per distinct string. */
export type StringRole = 'url' | 'key' | 'storage' | 'connectivity' | null;

export function stringRole(s: string): StringRole {
  if (s.length < 4) return null;
  if (s.includes('://') && (LIST_URL.test(s) || KNOWN_LIST_HOSTS.test(s))) return 'url';
  if (LIST_KEYS.has(s)) return 'key';
  if (s === CONNECTIVITY_CHANGE) return 'connectivity';
  if (STORAGE_NAME.test(s)) return 'storage';
  return null;
}

type CallRole = 'scheduler' | 'matcher' | null;

function callRole(c: string): CallRole {
  return SCHEDULERS.includes(c) ? 'scheduler' : MATCHERS.includes(c) ? 'matcher' : null;
}

const signalCache = new WeakMap<CodeFacts, Map<number, ListCodeSignals>>();
const EMPTY: ListCodeSignals = Object.freeze({
  urls: [],
  keys: [],
  storage: [],
  intervalsMs: [],
  schedulers: [],
  matchers: [],
  connectivity: false,
  lexiconHits: 0,
});

/** A method's list-handling signals; computed once per method (lexicon hits only when a lexicon is given). */
export function methodSignals(facts: CodeFacts, m: MethodFacts, lexicon: Lexicon | null): ListCodeSignals {
  let perApp = signalCache.get(facts);
  if (!perApp) signalCache.set(facts, (perApp = new Map<number, ListCodeSignals>()));
  const id = m.dexIndex * 0x10000000 + m.body;
  let sig = perApp.get(id);
  if (!sig) {
    sig = computeSignals(facts, m);
    perApp.set(id, sig);
  }
  if (lexicon && m.stringIds.length >= 3) {
    let hits = 0;
    for (const hit of facts.memo(
      'strong-lexicon-hit',
      m,
      (s) => s.length > 0 && s.length <= 64 && lexicon.match(s).some((h) => !h.entry.weak),
    ))
      if (hit) hits++;
    return hits ? { ...sig, lexiconHits: hits } : sig;
  }
  return sig;
}

function computeSignals(facts: CodeFacts, m: MethodFacts): ListCodeSignals {
  const roles = m.stringIds.length ? facts.memo('list-role', m, stringRole) : [];
  const calls = m.callIds.length ? facts.memoCalls('list-call-role', m, callRole) : [];
  const hasInterval = m.numbers.some((n) => n >= 600_000 && n <= 604_800_000 && n % 60_000 === 0);
  if (!roles.some((r) => r !== null) && !calls.some((r) => r !== null) && !hasInterval) return EMPTY;
  const sig: ListCodeSignals = {
    urls: [],
    keys: [],
    storage: [],
    intervalsMs: [],
    schedulers: [],
    matchers: [],
    connectivity: false,
    lexiconHits: 0,
  };
  let strings: string[] | null = null;
  roles.forEach((role, i) => {
    if (!role) return;
    strings ??= facts.memo('text', m, (s) => s);
    const s = strings[i]; // memo keeps the order of roles: one entry per string of m
    if (s === undefined) return;
    if (role === 'url') sig.urls.push(s);
    else if (role === 'key') sig.keys.push(s);
    else if (role === 'storage') sig.storage.push(s);
    else sig.connectivity = true;
  });
  for (const n of m.numbers) {
    // Refresh intervals in milliseconds: whole minutes between ten minutes and a week (MIUI: 0x2932e00 = 12 h).
    if (n >= 600_000 && n <= 604_800_000 && n % 60_000 === 0) sig.intervalsMs.push(n);
  }
  if (calls.some((r) => r !== null)) {
    const names = facts.memoCalls('name', m, (c) => c);
    calls.forEach((r, i) => {
      const name = names[i]; // one name per call, in the order of calls
      if (name === undefined) return;
      if (r === 'scheduler') sig.schedulers.push(name);
      else if (r === 'matcher') sig.matchers.push(name);
    });
  }
  return sig;
}

export function formatInterval(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  return `${ms / 60_000} min`;
}
