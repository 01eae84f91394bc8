import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { DataFile } from '../../src/data-files.js';
import type { Report } from '../../src/model.js';
import { ROOT, corpusFile, tempDir } from '../helpers.js';
import { defined } from '../defined.js';

/**
 * What a user sees after upgrading Candor: the same store, the same APK, new data. The installation is a
 * copy of this project's package.json, src/ and data/ (node_modules linked), run as the real CLI, so its
 * data/ can be edited the way an upgrade replaces it.
 */

const TSX = import.meta.resolve('tsx');
const PERMISSION = 'android.permission.RECEIVE_SMS';

function install(): string {
  const dir = tempDir('candor-install-');
  for (const f of ['package.json', 'tsconfig.json']) copyFileSync(join(ROOT, f), join(dir, f));
  cpSync(join(ROOT, 'src'), join(dir, 'src'), { recursive: true });
  cpSync(join(ROOT, 'data'), join(dir, 'data'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function scanWith(installation: string, db: string): Report {
  const apk = corpusFile('souch.smsbypass_9.apk');
  const args = [
    '--import',
    TSX,
    join(installation, 'src', 'cli', 'run.ts'),
    'scan',
    apk,
    '--db',
    db,
    '--format',
    'json',
    '-q',
  ];
  const r = spawnSync(process.execPath, args, { cwd: installation, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`scan failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Report;
}

function permissionSeverity(report: Report): string | undefined {
  const f = report.findings.find((x) => x.detectorId === 'app/permissions' && x.evidence?.permission === PERMISSION);
  return f?.severity;
}

function cachedRows(db: string): { analyzer_key: string; created_at: string }[] {
  const store = new Database(db, { readonly: true });
  try {
    return store.prepare('SELECT analyzer_key, created_at FROM file_results ORDER BY created_at').all() as {
      analyzer_key: string;
      created_at: string;
    }[];
  } finally {
    store.close();
  }
}

describe('result cache after a data change', () => {
  it('serves the stored result while nothing changed, and analyses again once data/ changed', () => {
    const installation = install();
    const db = join(tempDir(), 'store.sqlite');
    const first = scanWith(installation, db);
    const original = permissionSeverity(first);
    expect(original).toBe(
      defined(
        (JSON.parse(readFileSync(join(ROOT, 'data', 'permissions.json'), 'utf8')) as DataFile<'permissions'>)
          .permissions[PERMISSION],
      ).severity,
    );
    const stored = cachedRows(db);
    expect(stored).toHaveLength(1);

    // Unchanged installation: same key, and the stored row was reused rather than written again.
    const second = scanWith(installation, db);
    expect(second.scan.options.analyzerKey).toBe(first.scan.options.analyzerKey);
    expect(cachedRows(db)).toEqual(stored);
    expect(permissionSeverity(second)).toBe(original);

    // The upgrade changes one severity in data/permissions.json.
    const changed = original === 'critical' ? 'low' : 'critical';
    const file = join(installation, 'data', 'permissions.json');
    const table = JSON.parse(readFileSync(file, 'utf8')) as DataFile<'permissions'>;
    defined(table.permissions[PERMISSION]).severity = changed;
    writeFileSync(file, JSON.stringify(table, null, 2));

    const third = scanWith(installation, db);
    expect(third.scan.options.analyzerKey).not.toBe(first.scan.options.analyzerKey);
    expect(permissionSeverity(third)).toBe(changed);
    expect(
      cachedRows(db)
        .map((r) => r.analyzer_key)
        .sort(),
    ).toEqual([first.scan.options.analyzerKey, third.scan.options.analyzerKey].sort());
  });
});
