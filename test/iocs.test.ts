import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStixBundle } from '../src/iocs/stix.js';
import type { Report } from '../src/model.js';
import { parsePattern } from '../src/iocs/stix-pattern.js';
import { MalformedInputError } from '../src/io/errors.js';
import { scan } from '../src/scan/scan.js';
import { deriveApk } from './fixtures/apk-builder.js';
import { buildDex } from './fixtures/dex-builder.js';
import { CORPUS, corpusFile, run, tempDir } from './helpers.js';
import { defined, first } from './defined.js';

const bundle = (indicators: Array<{ id: string; pattern: string; malware?: string }>) =>
  JSON.stringify({
    type: 'bundle',
    id: 'bundle--1',
    objects: [
      ...indicators.map((i) => ({
        type: 'indicator',
        spec_version: '2.1',
        id: i.id,
        name: i.id,
        pattern: i.pattern,
        pattern_type: 'stix',
        valid_from: '2024-01-01T00:00:00Z',
      })),
      ...indicators
        .filter((i) => i.malware)
        .flatMap((i) => [
          { type: 'malware', spec_version: '2.1', id: `malware--${i.id}`, name: i.malware, is_family: true },
          {
            type: 'relationship',
            spec_version: '2.1',
            id: `relationship--${i.id}`,
            relationship_type: 'indicates',
            source_ref: i.id,
            target_ref: `malware--${i.id}`,
          },
        ]),
    ],
  });

/** Converts the Echap stalkerware IOC file (YAML) to a STIX 2.1 bundle, as MVT's indicator files are made. */
function echapBundle(): string {
  const script = `
import json, sys, yaml
data = yaml.safe_load(open(sys.argv[1]))
objs = []
n = 0
for fam in data:
    mid = 'malware--%d' % len(objs)
    objs.append({'type': 'malware', 'spec_version': '2.1', 'id': mid, 'name': fam['name'], 'is_family': True})
    def ind(p):
        global n
        n += 1
        iid = 'indicator--%d' % n
        objs.append({'type': 'indicator', 'spec_version': '2.1', 'id': iid, 'name': fam['name'], 'pattern': p,
                     'pattern_type': 'stix', 'valid_from': '2024-01-01T00:00:00Z'})
        objs.append({'type': 'relationship', 'spec_version': '2.1', 'id': 'relationship--%d' % n,
                     'relationship_type': 'indicates', 'source_ref': iid, 'target_ref': mid})
    esc = lambda v: str(v).replace('\\\\', '\\\\\\\\').replace("'", "\\\\'")
    for p in fam.get('packages') or []: ind("[app:id = '%s']" % esc(p))
    for c in fam.get('certificates') or []: ind("[x509-certificate:hashes.'SHA-1' = '%s']" % esc(c))
    for w in (fam.get('websites') or []) + (fam.get('c2', {}) or {}).get('domains', []):
        ind("[domain-name:value = '%s']" % esc(w))
print(json.dumps({'type': 'bundle', 'id': 'bundle--echap', 'objects': objs}))
`;
  return run('python3', ['-c', script, join(CORPUS, 'yara-rules', 'stalkerware', 'ioc.yaml')]);
}

describe('STIX patterns', () => {
  it('parses comparisons whose values contain = and ]', () => {
    const p = parsePattern(
      "[file:name = 'a]b=c\\'d.apk'] OR [domain-name:value = 'x.org' AND url:value = 'http://x.org/?a=b]']",
    );
    expect(p).toHaveLength(2);
    expect(first(first(p))).toMatchObject({ objectType: 'file', path: 'name', op: '=', values: ["a]b=c'd.apk"] });
    expect(defined(p[1], 'a second conjunction').map((c) => c.values[0])).toEqual(['x.org', 'http://x.org/?a=b]']);
    expect(first(first(parsePattern("[file:hashes.'SHA-256' IN ('aa', 'bb')]")))).toMatchObject({
      path: 'hashes.SHA-256',
      op: 'IN',
      values: ['aa', 'bb'],
    });
    expect(parsePattern("[app:id = 'a'] WITHIN 300 SECONDS")).toHaveLength(1);
  });

  it('rejects malformed patterns with typed errors', () => {
    for (const bad of [
      "[file:name = 'unterminated]",
      '[file:name = ]',
      "[name = 'x']",
      "[file:name = 'x'",
      "[file:name ~ 'x']",
      "[file:name = 'x'] junk",
    ]) {
      expect(() => parsePattern(bad), bad).toThrow(MalformedInputError);
    }
  });

  it('reports malformed bundles and unsupported indicators as diagnostics', () => {
    expect(first(parseStixBundle('{', 'x').diagnostics).code).toBe('stix/bad-json');
    expect(first(parseStixBundle('{"type":"indicator"}', 'x').diagnostics).code).toBe('stix/not-a-bundle');
    const set = parseStixBundle(
      bundle([
        { id: 'indicator--a', pattern: "[process:name = 'x']" },
        { id: 'indicator--b', pattern: "[app:id = 'ok']" },
        { id: 'indicator--c', pattern: '[app:id = ' },
      ]),
      'x',
    );
    expect(set.indicators.map((i) => i.id)).toEqual(['indicator--b']);
    expect(set.diagnostics.map((d) => d.code).sort()).toEqual(['stix/bad-value', 'stix/unsupported-object-path']);
  });
});

describe('indicator matching', () => {
  it('loads every indicator of the real Echap stalkerware set and raises nothing on benign apps', async () => {
    const set = parseStixBundle(echapBundle(), 'echap.stix2');
    expect(set.indicators.length).toBeGreaterThan(500);
    expect(set.diagnostics).toEqual([]);
    const report = await scan({ inputs: [join(CORPUS, 'apk')], cwd: '/', jobs: 2, indicators: [set] });
    expect(report.findings.filter((f) => f.detectorId === 'iocs/stix-indicator')).toEqual([]);
  });

  it('matches a stalkerware C2 domain from the real set, naming the family and the exact value', async () => {
    const set = parseStixBundle(echapBundle(), 'echap.stix2');
    const dex = buildDex([
      {
        descriptor: 'Lcom/systemservice/Uploader;',
        methods: [{ name: 'send', strings: ['https://api.copy9.com/upload'] }],
      },
    ]);
    const apk = deriveApk({
      base: corpusFile('urzip.apk'),
      out: join(tempDir(), 'spy.apk'),
      entries: { 'classes.dex': dex },
    });
    const report = await scan({ inputs: [apk], cwd: '/', jobs: 1, indicators: [set] });
    const hit = report.findings.find((f) => f.detectorId === 'iocs/stix-indicator');
    expect(hit?.evidence).toMatchObject({ malware: ['TheTruthSpy'], matched: [{ value: 'api.copy9.com' }] });
    expect(hit?.severity).toBe('high');
  });

  it('matches package, file hash, signing certificate, URL and file name of a real APK exactly', async () => {
    const apk = corpusFile('com.teleca.jamendo_35.apk');
    const sha256 = first(run('sha256sum', [apk]).split(' '));
    const md5 = first(run('md5sum', [apk]).split(' '));
    const certSha1 = /Signer #1 certificate SHA-1 digest: ([0-9a-f]+)/.exec(
      run('apksigner', ['verify', '--print-certs', '--min-sdk-version', '1', apk]),
    )?.[1] as string;
    const set = parseStixBundle(
      bundle([
        { id: 'indicator--pkg', pattern: "[app:id = 'com.teleca.jamendo']", malware: 'Test Family' },
        { id: 'indicator--sha', pattern: `[file:hashes.'SHA-256' = '${sha256.toUpperCase()}']` },
        { id: 'indicator--md5', pattern: `[file:hashes.MD5 = '${md5}']` },
        { id: 'indicator--cert', pattern: `[x509-certificate:hashes.'SHA-1' = '${certSha1.toUpperCase()}']` },
        { id: 'indicator--dom', pattern: "[domain-name:value = 'jamendo.com']" },
        {
          id: 'indicator--and',
          pattern: "[app:id = 'com.teleca.jamendo' AND file:name = 'com.teleca.jamendo_35.apk']",
        },
        { id: 'indicator--miss', pattern: "[app:id = 'com.teleca.jamendo.evil']" },
        { id: 'indicator--andmiss', pattern: "[app:id = 'com.teleca.jamendo' AND file:name = 'other.apk']" },
      ]),
      'test.json',
    );
    const report = await scan({ inputs: [apk], cwd: '/', jobs: 1, indicators: [set] });
    const hits = Object.fromEntries(
      report.findings.filter((f) => f.detectorId === 'iocs/stix-indicator').map((f) => [f.evidence.indicatorId, f]),
    );
    expect(Object.keys(hits).sort()).toEqual([
      'indicator--and',
      'indicator--cert',
      'indicator--dom',
      'indicator--md5',
      'indicator--pkg',
      'indicator--sha',
    ]);
    expect(defined(hits['indicator--pkg'], 'the package hit').evidence.malware).toEqual(['Test Family']);
    expect(
      first(defined(hits['indicator--dom'], 'the domain hit').evidence.matched as Array<{ value: string }>).value,
    ).toMatch(/jamendo\.com$/);
  });

  it('keeps imported bundles in the store for later scans (CLI)', () => {
    const dir = tempDir();
    const db = join(dir, 's.sqlite');
    const file = join(dir, 'b.json');
    writeFileSync(file, bundle([{ id: 'indicator--pkg', pattern: "[app:id = 'com.teleca.jamendo']" }]));
    const cli = (args: string[]) =>
      run(process.execPath, [
        '--import',
        import.meta.resolve('tsx'),
        join(__dirname, '..', 'src', 'cli', 'run.ts'),
        ...args,
      ]);
    expect(cli(['iocs', 'import', file, '--db', db])).toContain('Imported 1 indicators');
    const report = JSON.parse(
      cli(['scan', corpusFile('com.teleca.jamendo_35.apk'), '--db', db, '--format', 'json', '-q']),
    ) as Report;
    expect(report.findings.some((f: { detectorId: string }) => f.detectorId === 'iocs/stix-indicator')).toBe(true);
    expect(readFileSync(file, 'utf8').length).toBeGreaterThan(0);
  });
});
