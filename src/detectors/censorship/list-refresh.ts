import { Type } from '@sinclair/typebox';
import { appCodeFacts } from '../../correlate/code-facts.js';
import { CONNECTIVITY_CHANGE, formatInterval, methodSignals, stringRole, type ListCodeSignals } from '../../correlate/list-code.js';
import { defineDetector, evidence, KnownListRef, messageData, RelatedFinding, type ReportOf } from '../define.js';

/**
 * The code that keeps a keyword list current: a class that fetches a list (a list URL, response keys
 * such as `keywords` and `cacheTime`), stores it (`MiAdBlacklistConfig`, `cbw.dat`), refreshes it on a
 * schedule or on connectivity changes, and applies it to text.
 */

const MAX_ITEMS = 20;

const Evidence = evidence({
  className: Type.String(),
  methods: Type.Array(Type.String()),
  urls: Type.Array(Type.String()),
  responseKeys: Type.Array(Type.String()),
  storage: Type.Array(Type.String()),
  refreshIntervalsMs: Type.Array(Type.Number()),
  refreshIntervals: Type.Array(Type.String()),
  schedulers: Type.Array(Type.String()),
  onConnectivityChange: Type.Boolean(),
  matchingCalls: Type.Array(Type.String()),
  /** Methods that read what the refresh stored (`Lpkg/Class;->method`). */
  appliedBy: Type.Array(Type.String()),
  related: Type.Optional(Type.Array(RelatedFinding)),
  knownList: Type.Optional(KnownListRef),
});
const Data = messageData({ className: Type.String(), url: Type.String(), storage: Type.String(), interval: Type.String() });

type Found = ReportOf<typeof Evidence, typeof Data>;

export default defineDetector({
  meta: {
    id: 'censorship/list-refresh',
    version: 1,
    input: 'app',
    description: 'Classes that download, store and periodically refresh a keyword list, with the URL, storage, interval and matching code.',
    severity: 'medium',
    confidence: 'medium',
    tags: ['censorship', 'remote-config'],
    evidence: Evidence,
    data: Data,
    messages: {
      refresh: '{{className}} fetches a keyword list{{url}}{{storage}}{{interval}}',
    },
  },
  detect(app): Found[] {
    if (app.dexes.length === 0) return [];
    const facts = appCodeFacts(app);
    const receiverOnConnectivity = (app.manifest?.components ?? []).some((c) => c.type === 'receiver' && c.intentFilters.some((f) => f.actions.includes(CONNECTIVITY_CHANGE)));
    const out: Found[] = [];
    for (const [className, ids] of facts.byClass) {
      const merged: ListCodeSignals = { urls: [], keys: [], storage: [], intervalsMs: [], schedulers: [], matchers: [], connectivity: false, lexiconHits: 0 };
      const methods = new Set<string>();
      for (const id of ids) {
        const m = facts.methods[id];
        const s = methodSignals(facts, m, null);
        if (s.urls.length || s.keys.length || s.storage.length) methods.add(m.method);
        merged.urls.push(...s.urls);
        merged.keys.push(...s.keys);
        merged.storage.push(...s.storage);
        merged.intervalsMs.push(...s.intervalsMs);
        merged.schedulers.push(...s.schedulers);
        merged.matchers.push(...s.matchers);
        merged.connectivity ||= s.connectivity;
      }
      const keys = [...new Set(merged.keys)];
      const fetches = merged.urls.length > 0 && (keys.length > 0 || merged.storage.length > 0);
      const storesParsedList = merged.storage.length > 0 && keys.length >= 2;
      if (!fetches && !storesParsedList) continue;
      const storage = [...new Set(merged.storage)];
      // Who else touches the stored list: the classes that apply it.
      const consumers = new Set<string>();
      for (const m of facts.methods) {
        if (m.className === className) continue;
        if (facts.memo('list-role', m, stringRole).includes('storage') && facts.strings(m).some((s) => storage.includes(s))) consumers.add(`${m.className}->${m.method}`);
      }
      const intervals = [...new Set(merged.intervalsMs)].sort((a, b) => a - b);
      const urls = [...new Set(merged.urls)];
      out.push({
        messageId: 'refresh',
        data: {
          className,
          url: urls.length ? ` from ${urls[0]}` : '',
          storage: storage.length ? `, stores it as ${storage.join(', ')}` : '',
          interval: intervals.length ? `, refresh every ${intervals.map(formatInterval).join(' or ')}` : '',
        },
        artefactId: app.artefact.id,
        location: { path: app.dexes[facts.methods[ids[0]].dexIndex].artefact.path, className, method: [...methods][0] },
        confidence: fetches && (intervals.length > 0 || merged.schedulers.length > 0) ? 'high' : 'medium',
        identity: className,
        evidence: {
          className,
          methods: [...methods].slice(0, MAX_ITEMS),
          urls: urls.slice(0, MAX_ITEMS),
          responseKeys: keys,
          storage,
          refreshIntervalsMs: intervals,
          refreshIntervals: intervals.map(formatInterval),
          schedulers: [...new Set(merged.schedulers)],
          onConnectivityChange: merged.connectivity || receiverOnConnectivity,
          matchingCalls: [...new Set(merged.matchers)],
          appliedBy: [...consumers].slice(0, MAX_ITEMS),
          excerpt: urls[0] ?? storage[0] ?? keys.join(', '),
        },
      });
    }
    return out;
  },
});
