import AjvModule from 'ajv';
import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { scan, type ProgressEvent } from '../../src/scan/scan.js';
import { Store } from '../../src/store/sqlite.js';
import { deriveApk } from '../fixtures/apk-builder.js';
import { POLITICAL_TERMS } from '../fixtures/lists.js';
import { ROOT, corpusFile, tempDir } from '../helpers.js';
import { first } from '../defined.js';

const schema = JSON.parse(readFileSync(join(ROOT, 'schema', 'report.schema.json'), 'utf8')) as object;
const Ajv = AjvModule as unknown as typeof AjvModule.default;
const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
const validate = ajv.compile(schema);

function fixtureFolder(): string {
  const dir = tempDir('candor-scan-');
  mkdirSync(join(dir, 'system', 'app'), { recursive: true });
  for (const f of ['com.teleca.jamendo_35.apk', 'souch.smsbypass_9.apk', 'janus.apk', 'okhttp.d8.038.dex'])
    copyFileSync(corpusFile(f), join(dir, 'system', 'app', f));
  deriveApk({
    base: corpusFile('urzip.apk'),
    out: join(dir, 'system', 'app', 'filter.apk'),
    entries: {
      'assets/<img src=x onerror=alert(1)>.json': JSON.stringify({
        keywords: [...POLITICAL_TERMS, '<script>alert("x")</script>', '\u001b[2J\u001b]0;pwned\u0007'],
      }),
    },
  });
  return dir;
}

describe('scan, store and report', () => {
  const folder = fixtureFolder();

  it('scans a folder on worker threads, stores every row, and validates against the JSON schema', async () => {
    const db = join(tempDir(), 'candor.sqlite');
    const store = new Store(db);
    const report = await scan({ inputs: ['system'], cwd: folder, store, jobs: 2 });
    store.close();
    expect(validate(report), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
    expect(report.apps.map((a) => a.package ?? '(dex)').sort()).toEqual([
      '(dex)',
      'com.example',
      'com.teleca.jamendo',
      'info.guardianproject.urzip',
      'souch.smsbypass',
    ]);
    const list = report.findings.find((f) => f.detectorId === 'censorship/keyword-list');
    expect(list?.location.path).toBe('system/app/filter.apk!/assets/<img src=x onerror=alert(1)>.json');
    // The store is a real SQLite file another client can read.
    const raw = new Database(db, { readonly: true });
    const count = (sql: string) => (raw.prepare(sql).get(report.scan.id) as { n: number }).n;
    expect(count('SELECT COUNT(*) AS n FROM findings WHERE scan_id = ?')).toBe(report.findings.length);
    expect(count('SELECT COUNT(*) AS n FROM artefacts WHERE scan_id = ?')).toBe(report.artefacts.length);
    expect(count('SELECT COUNT(*) AS n FROM apps WHERE scan_id = ?')).toBe(report.apps.length);
    expect(count('SELECT COUNT(*) AS n FROM diagnostics WHERE scan_id = ?')).toBe(report.diagnostics.length);
    raw.close();
  });

  it('gives the same findings on one thread as on two', async () => {
    const one = await scan({ inputs: ['system'], cwd: folder, jobs: 1 });
    const two = await scan({ inputs: ['system'], cwd: folder, jobs: 2 });
    expect(two.findings.map((f) => f.fingerprint)).toEqual(one.findings.map((f) => f.fingerprint));
    expect(two.artefacts).toEqual(one.artefacts);
  });

  it('reuses stored results for unchanged files, even at a new path', async () => {
    const store = new Store(join(tempDir(), 'c.sqlite'));
    const events: ProgressEvent[] = [];
    const firstScan = await scan({ inputs: ['system'], cwd: folder, store, jobs: 1 });
    const second = await scan({ inputs: ['system'], cwd: folder, store, jobs: 1, onProgress: (e) => events.push(e) });
    expect(events.filter((e) => e.type === 'file').every((e) => e.type === 'file' && e.cached)).toBe(true);
    expect(second.findings.map((f) => f.fingerprint)).toEqual(firstScan.findings.map((f) => f.fingerprint));
    expect(second.apps).toEqual(firstScan.apps);
    // The same bytes under another name: paths and ids follow the new name.
    const moved = tempDir();
    copyFileSync(corpusFile('souch.smsbypass_9.apk'), join(moved, 'renamed.apk'));
    const third = await scan({
      inputs: ['renamed.apk'],
      cwd: moved,
      store,
      jobs: 1,
      onProgress: (e) => events.push(e),
    });
    expect(events.at(-1)).toMatchObject({ type: 'file', cached: true });
    expect(first(third.apps).path).toBe('renamed.apk');
    expect(third.findings.every((f) => f.location.path.startsWith('renamed.apk'))).toBe(true);
    expect(third.artefacts.map((a) => a.id)).toContain(first(third.apps).artefactId);
    expect(store.listScans().length).toBe(3);
    expect(store.loadReport(firstScan.scan.id)?.findings.length).toBe(firstScan.findings.length);
    store.close();
  });

  it('escapes every artefact string in the HTML report and forbids scripts by policy', async () => {
    const report = await scan({ inputs: ['system'], cwd: folder, jobs: 1 });
    const html = renderHtml(report);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'; style-src 'sha256-/);
    expect(html).toContain('六四');
  });

  it('strips terminal control sequences from artefact strings in the summary', async () => {
    const report = await scan({ inputs: ['system'], cwd: folder, jobs: 1 });
    const text = renderTerminal(report, { color: false });
    expect(text).not.toContain('\u001b');
    expect(text).toMatch(/Keyword lists:/);
  });
});
