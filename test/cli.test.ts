import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findingsOf, type Report } from '../src/model.js';
import type { StoredScan } from '../src/store/sqlite.js';
import { CORPUS, ROOT, corpusFile, tempDir } from './helpers.js';
import { first } from './defined.js';

/** tsx, resolved from the project so the CLI can run in any working directory. */
const TSX = import.meta.resolve('tsx');

/** The CLI as a user runs it: a real process, real files, exit codes a CI pipeline can gate on. */
function candor(args: string[], cwd = ROOT) {
  const r = spawnSync(process.execPath, ['--import', TSX, join(ROOT, 'src', 'cli', 'run.ts'), ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('candor CLI', () => {
  it('prints help with the exit codes, for the program and each command', () => {
    const top = candor(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/Exit codes:/);
    for (const cmd of ['scan', 'scans', 'report', 'detectors']) expect(candor([cmd, '--help']).code, cmd).toBe(0);
    expect(candor(['scan', '--help']).stdout).toMatch(/--fail-on/);
  });

  it('writes JSON to stdout and exits 0 when nothing reaches --fail-on', () => {
    const r = candor([
      'scan',
      corpusFile('com.teleca.jamendo_35.apk'),
      '--no-db',
      '--format',
      'json',
      '--fail-on',
      'high',
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.apps[0]).toMatchObject({ package: 'com.teleca.jamendo', versionCode: 35 });
  });

  it('exits 1 when a finding reaches --fail-on', () => {
    expect(candor(['scan', corpusFile('janus.apk'), '--no-db', '-q', '--fail-on', 'high']).code).toBe(1);
    expect(candor(['scan', corpusFile('janus.apk'), '--no-db', '-q']).code).toBe(0);
  });

  it('exits 2 on usage errors and missing inputs', () => {
    expect(candor(['scan', '/nonexistent/app.apk', '--no-db']).code).toBe(2);
    expect(candor(['scan', corpusFile('urzip.apk'), '--format', 'pdf']).code).toBe(2);
    expect(candor(['scan', corpusFile('urzip.apk'), '--jobs', '0']).code).toBe(2);
    expect(candor(['frobnicate']).code).toBe(2);
  });

  it('writes an HTML report, stores the scan, lists it and renders it again', () => {
    const dir = tempDir();
    const db = join(dir, 'store.sqlite');
    const out = join(dir, 'report.html');
    const r = candor(['scan', corpusFile('souch.smsbypass_9.apk'), '--out', out, '--db', db]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`stored in ${db}`);
    expect(readFileSync(out, 'utf8')).toMatch(/Content-Security-Policy/);
    const scans = JSON.parse(candor(['scans', '--db', db, '--json']).stdout) as StoredScan[];
    expect(scans).toHaveLength(1);
    const again = JSON.parse(candor(['report', 'latest', '--db', db, '--format', 'json']).stdout) as Report;
    expect(again.scan.id).toBe(first(scans).id);
    expect(candor(['report', 'no-such-scan', '--db', db]).code).toBe(2);
  });

  it('keeps the default store in .candor/ under the working directory', () => {
    const dir = tempDir();
    const r = candor(['scan', corpusFile('urzip.apk'), '-q'], dir);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, '.candor', 'candor.sqlite'))).toBe(true);
  });

  it('lists the detectors', () => {
    expect(candor(['detectors']).stdout).toMatch(/censorship\/keyword-list@\d+/);
  });
});

describe('candor lists export', () => {
  it('writes every term of a recovered list as text, JSON and CSV', async () => {
    const { deriveApk } = await import('./fixtures/apk-builder.js');
    const { POLITICAL_TERMS } = await import('./fixtures/lists.js');
    const dir = tempDir();
    const apk = deriveApk({
      base: corpusFile('urzip.apk'),
      out: join(dir, 'l.apk'),
      entries: { 'assets/words.dat': Buffer.from(POLITICAL_TERMS.join('\n')).toString('base64') },
    });
    const db = join(dir, 's.sqlite');
    expect(candor(['scan', apk, '--db', db, '-q', '--format', 'json']).code).toBe(0);
    const txt = candor(['lists', 'export', 'latest', '--db', db]).stdout;
    expect(txt).toMatch(/^# .*l\.apk!\/assets\/words\.dat \[base64\]/);
    for (const t of POLITICAL_TERMS) expect(txt).toContain(`\n${t}\n`);
    const json = JSON.parse(candor(['lists', 'export', 'latest', '--db', db, '--format', 'json']).stdout) as Array<{
      terms: string[];
    }>;
    expect(first(json).terms).toEqual(POLITICAL_TERMS);
    const csv = candor(['lists', 'export', 'latest', '--db', db, '--format', 'csv']).stdout.trim().split('\n');
    expect(csv).toHaveLength(POLITICAL_TERMS.length + 1);
  });

  it('names the imported published list that a list of a scanned app overlaps', async () => {
    const { deriveApk } = await import('./fixtures/apk-builder.js');
    // Two real published lists of different projects that share about a third of their entries.
    const lists = join(CORPUS, 'censorship-lists', 'open-source');
    const scanned = readFileSync(join(lists, '637848.txt'), 'utf8').split('\n').slice(2).join('\n');
    const dir = tempDir();
    const imported = join(dir, 'published.txt');
    writeFileSync(imported, readFileSync(join(lists, '83034.txt'), 'utf8').split('\n').slice(2).join('\n'));
    const apk = deriveApk({
      base: corpusFile('urzip.apk'),
      out: join(dir, 'g.apk'),
      entries: { 'assets/words.txt': scanned },
    });
    const db = join(dir, 's.sqlite');
    const listFinding = () => {
      const report = JSON.parse(
        candor(['scan', apk, '--db', db, '-q', '--format', 'json', '--no-cache']).stdout,
      ) as Report;
      return first(findingsOf(report.findings, 'censorship/keyword-list'), 'a keyword-list finding');
    };
    expect(listFinding().evidence.importedLists).toBeUndefined();
    const imp = candor(['lexicon', 'import', imported, '--name', 'published', '--db', db]);
    expect(imp.code).toBe(0);
    expect(candor(['lexicon', 'list', '--db', db]).stdout).toMatch(/\tpublished\t/);
    const match = listFinding().evidence.importedLists?.[0];
    expect(match).toMatchObject({ name: 'published' });
    expect(match?.shared).toBeGreaterThan(100);
    expect(match?.shareOfList).toBeGreaterThan(0.3);
    expect(candor(['lexicon', 'import', join(dir, 'missing.txt'), '--db', db]).code).toBe(2);
  });
});
