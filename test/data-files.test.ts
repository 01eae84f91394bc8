import AjvModule from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA_FILES, dataSchemaText, loadDataFile, parseDataFile, type DataFileName } from '../src/data-files.js';
import { matchChain, matchEntry, matchString } from '../src/correlate/known-lists.js';
import { storeFor } from '../src/detectors/distribution/install-paths.js';
import { loadBuiltinTrackers, trackersForHost } from '../src/trackers/trackers.js';
import { defined } from './defined.js';
import { ROOT } from './helpers.js';

const NAMES = Object.keys(DATA_FILES) as DataFileName[];
const raw = (name: DataFileName) => readFileSync(join(ROOT, 'data', DATA_FILES[name].path), 'utf8');
const Ajv = AjvModule as unknown as typeof AjvModule.default;

/** The parts of the data files that the broken copies below edit, loosely typed: the edits put wrong values in. */
interface EditedData {
  rules: Array<{ lib?: unknown; libs?: unknown; examples: { match?: unknown } }>;
  stores: Array<{ official?: unknown }>;
  permissions: Record<string, { severity?: unknown }>;
  lists: Array<{ source?: unknown }>;
  eu: unknown[];
  trackers: Array<{ hosts?: unknown }>;
}

describe('data rule files', () => {
  it.each(NAMES)('%s validates against its schema, at load and with ajv against the committed schema file', (name) => {
    expect(() => loadDataFile(name)).not.toThrow();
    const committed = readFileSync(join(ROOT, 'schema', `${name}.schema.json`), 'utf8');
    expect(committed).toBe(dataSchemaText(name));
    const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(committed));
    expect(validate(JSON.parse(raw(name))), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  });

  // Broken copies of the real files: each names the file, the JSON path and the problem.
  const broken: Array<[DataFileName, (d: EditedData) => void, RegExp]> = [
    ['packers', (d) => (defined(d.rules[0]).lib = defined(d.rules[0]).libs), /data\/packers\.json .*\/rules\/0.*lib/],
    [
      'packers',
      (d) => (defined(d.rules[2]).libs = ['^libDexHelper(\\.so$']),
      /\/rules\/2\/libs\/0: Invalid regular expression/,
    ],
    ['packers', (d) => (defined(d.rules[1]).examples.match = []), /\/rules\/1\/examples\/match/],
    ['stores', (d) => (defined(d.stores[0]).official = 'yes'), /\/stores\/0\/official/],
    [
      'permissions',
      (d) => (defined(d.permissions['android.permission.INSTALL_PACKAGES']).severity = 'severe'),
      /INSTALL_PACKAGES\/severity/,
    ],
    ['known-lists', (d) => delete defined(d.lists[0]).source, /\/lists\/0/],
    ['gdpr', (d) => d.eu.push('de'), /\/eu\/\d+/],
    ['trackers', (d) => (defined(d.trackers[3]).hosts = 'app-measurement.com'), /\/trackers\/3\/hosts/],
  ];
  it.each(broken)('%s: a broken rule stops the load with a clear error (%#)', (name, breakIt, message) => {
    const d = JSON.parse(raw(name)) as EditedData;
    breakIt(d);
    expect(() => parseDataFile(name, JSON.stringify(d))).toThrow(message);
    expect(() => parseDataFile(name, '{ "version": 1,')).toThrow(/not JSON/);
  });
});

describe('a positive and a negative case per matcher rule', () => {
  const trackers = loadBuiltinTrackers();
  const dotted = (prefix: string) => prefix.replace(/\./g, '/');
  describe.each(trackers.signatures.map((s) => [s.id, s] as const))('tracker %s', (_, sig) => {
    it('matches a class under each code prefix, and not a sibling that shares the prefix but one character', () => {
      const file = loadDataFile('trackers').trackers.find((t) => t.id === sig.id)!;
      for (const p of file.code) {
        const cls = dotted(p);
        expect(sig.matchClass(cls.endsWith('/') ? `${cls}Impl` : `${cls}$1`), p).toBe(true);
        expect(sig.matchClass(`${cls.slice(0, -1)}~/Impl`), p).toBe(false);
      }
    });
    it('names each host and its subdomains, not a host that only ends with the same letters', () => {
      for (const h of sig.hosts) {
        expect(trackersForHost({ signatures: [sig], source: 't' }, `edge.${h}`)).toEqual([sig.name]);
        // (Unless another of the rule's hosts is a parent domain: google-analytics.com covers
        // ssl.google-analytics.com.)
        if (!sig.hosts.some((o) => h.endsWith(`.${o}`)))
          expect(trackersForHost({ signatures: [sig], source: 't' }, `not${h}`)).toEqual([]);
        expect(trackersForHost({ signatures: [sig], source: 't' }, `${h}.evil.example`)).toEqual([]);
      }
    });
  });

  describe.each(loadDataFile('stores').stores.map((s) => [s.id, s] as const))('store %s', (id, store) => {
    it('recognises its schemes and web hosts, not a look-alike host', () => {
      expect(store.schemes.length + store.hosts.length).toBeGreaterThan(0);
      for (const s of store.schemes) expect(storeFor(`${s}://details?id=org.example.app`)?.id).toBe(id);
      for (const h of store.hosts) {
        expect(storeFor(`https://${h}/store/apps/details?id=org.example.app`)?.id).toBe(id);
        expect(storeFor(`https://${h}.evil.example/app`)).toBeUndefined();
      }
      for (const s of store.schemes) expect(storeFor(`${s}x://details?id=org.example.app`)?.id).not.toBe(id);
    });
  });

  describe.each(loadDataFile('known-lists').lists.map((l) => [l.id, l] as const))('known list %s', (id, list) => {
    it('is named by its entry paths, strings, URLs and chains, and not by near misses', () => {
      const { entries = [], strings = [], urls = [], chains = [] } = list.match;
      expect(entries.length + strings.length + urls.length + chains.length).toBeGreaterThan(0);
      for (const e of entries) {
        expect(matchEntry(`app.apk!/assets/${e}`.replace('assets/assets/', 'assets/'))?.id).toBe(id);
        expect(matchEntry(`app.apk!/assets/x${e.slice(e.lastIndexOf('/') + 1)}`)?.id).not.toBe(id);
      }
      for (const s of strings) {
        expect(matchString(s)?.id).toBe(id);
        expect(matchString(`${s}.bak`)?.id).not.toBe(id);
      }
      for (const u of urls) {
        expect(matchString(`https://${u}?v=2`)?.id).toBe(id);
        expect(matchString(`https://${u.replace('.', '-')}`)?.id).not.toBe(id);
      }
      for (const c of chains) {
        expect(matchChain(c)?.id).toBe(id);
        expect(matchChain([...c, 'gzip'])?.id).not.toBe(id);
      }
    });
  });
});
