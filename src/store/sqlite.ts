import Database from 'better-sqlite3';
import type { ImportedList } from '../lexicon/imported-lists.js';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Report, ScanSummary } from '../model.js';
import type { FileResult } from '../scan/analyze.js';

/**
 * The embedded store: every scan, artefact, app, finding and diagnostic in one SQLite file, plus a cache
 * of per-file results keyed by content hash and analyser version, so an unchanged file is not analysed
 * twice. All SQL is parameterised; nothing from an artefact is ever spliced into a statement.
 */

const MIGRATIONS = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE scans (
     id TEXT PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT NOT NULL,
     inputs TEXT NOT NULL, options TEXT NOT NULL, summary TEXT NOT NULL, report TEXT NOT NULL);
   CREATE TABLE file_results (
     sha256 TEXT NOT NULL, analyzer_key TEXT NOT NULL, root_path TEXT NOT NULL, ` +
    `result TEXT NOT NULL, created_at TEXT NOT NULL,
     PRIMARY KEY (sha256, analyzer_key));
   CREATE TABLE artefacts (
     scan_id TEXT NOT NULL REFERENCES scans(id) ON DELETE CASCADE, id TEXT NOT NULL, parent_id TEXT, kind TEXT NOT NULL,
     path TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL, PRIMARY KEY (scan_id, id));
   CREATE INDEX artefacts_sha256 ON artefacts(sha256);
   CREATE TABLE apps (
     scan_id TEXT NOT NULL REFERENCES scans(id) ON DELETE CASCADE, artefact_id TEXT NOT NULL, package TEXT,
     version_code INTEGER, version_name TEXT, label TEXT, data TEXT NOT NULL, PRIMARY KEY (scan_id, artefact_id));
   CREATE INDEX apps_package ON apps(package);
   CREATE TABLE findings (
     scan_id TEXT NOT NULL REFERENCES scans(id) ON DELETE CASCADE, fingerprint TEXT NOT NULL, detector_id TEXT NOT NULL,
     detector_version INTEGER NOT NULL, message_id TEXT NOT NULL, severity TEXT NOT NULL, confidence TEXT NOT NULL,
     tags TEXT NOT NULL, message TEXT NOT NULL, artefact_id TEXT NOT NULL, path TEXT NOT NULL, location TEXT NOT NULL,
     evidence TEXT NOT NULL);
   CREATE INDEX findings_scan ON findings(scan_id);
   CREATE INDEX findings_detector ON findings(detector_id);
   CREATE INDEX findings_fingerprint ON findings(fingerprint);
   CREATE TABLE diagnostics (
     scan_id TEXT NOT NULL REFERENCES scans(id) ON DELETE CASCADE, level TEXT NOT NULL, code TEXT NOT NULL,
     message TEXT NOT NULL, path TEXT NOT NULL, artefact_id TEXT);
   CREATE INDEX diagnostics_scan ON diagnostics(scan_id);`,
  `CREATE TABLE indicator_sets (
     id INTEGER PRIMARY KEY, source TEXT NOT NULL UNIQUE, bundle TEXT NOT NULL, ` +
    `indicators INTEGER NOT NULL, imported_at TEXT NOT NULL);`,
  'CREATE TABLE yara_rules (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, ' +
    'source TEXT NOT NULL, added_at TEXT NOT NULL);',
  `CREATE TABLE imported_lists (
     id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, source TEXT NOT NULL, terms TEXT NOT NULL, ` +
    `imported_at TEXT NOT NULL);`,
];

/** One migration per schema version; the store's version is the number applied. */
const SCHEMA_VERSION = MIGRATIONS.length;

export interface StoredScan {
  id: string;
  startedAt: string;
  finishedAt: string;
  inputs: string[];
  summary: ScanSummary;
}

export class Store {
  private readonly db: Database.Database;

  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
  }

  private migrate(): void {
    const hasMeta = this.db.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name='meta'").get();
    let version = 0;
    if (hasMeta) {
      const row = this.db.prepare("SELECT value FROM meta WHERE key='schema_version'").get() as
        { value: string } | undefined;
      version = row ? Number(row.value) : 0;
    }
    if (version > SCHEMA_VERSION)
      throw new Error(`store ${this.path} has schema ${version}, newer than this Candor (${SCHEMA_VERSION})`);
    for (const [v, migration] of MIGRATIONS.entries()) {
      if (v < version) continue;
      this.db.transaction(() => {
        this.db.exec(migration);
        this.db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)").run(String(v + 1));
      })();
    }
  }

  cachedResult(sha256: string, analyzerKey: string): { rootPath: string; result: FileResult } | null {
    const row = this.db
      .prepare('SELECT root_path, result FROM file_results WHERE sha256 = ? AND analyzer_key = ?')
      .get(sha256, analyzerKey) as { root_path: string; result: string } | undefined;
    return row ? { rootPath: row.root_path, result: JSON.parse(row.result) as FileResult } : null;
  }

  cacheResult(analyzerKey: string, rootPath: string, result: FileResult): void {
    if (!result.sha256) return;
    this.db
      .prepare(
        'INSERT OR REPLACE INTO file_results(sha256, analyzer_key, root_path, result, created_at) ' +
          'VALUES (?, ?, ?, ?, ?)',
      )
      .run(result.sha256, analyzerKey, rootPath, JSON.stringify(result), new Date().toISOString());
  }

  saveReport(report: Report): void {
    const s = report.scan;
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM scans WHERE id = ?').run(s.id);
      this.db
        .prepare(
          'INSERT INTO scans(id, started_at, finished_at, inputs, options, summary, report) ' +
            'VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          s.id,
          s.startedAt,
          s.finishedAt,
          JSON.stringify(s.inputs),
          JSON.stringify(s.options),
          JSON.stringify(report.summary),
          JSON.stringify(report),
        );
      const art = this.db.prepare(
        'INSERT OR REPLACE INTO artefacts(scan_id, id, parent_id, kind, path, sha256, size) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      for (const a of report.artefacts) art.run(s.id, a.id, a.parentId, a.kind, a.path, a.sha256, a.size);
      const app = this.db.prepare(
        'INSERT OR REPLACE INTO apps(scan_id, artefact_id, package, version_code, version_name, label, data) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      for (const a of report.apps)
        app.run(s.id, a.artefactId, a.package, a.versionCode, a.versionName, a.label, JSON.stringify(a));
      const f = this.db.prepare(
        'INSERT INTO findings(scan_id, fingerprint, detector_id, detector_version, message_id, severity, confidence, ' +
          'tags, message, artefact_id, path, location, evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      for (const x of report.findings) {
        f.run(
          s.id,
          x.fingerprint,
          x.detectorId,
          x.detectorVersion,
          x.messageId,
          x.severity,
          x.confidence,
          JSON.stringify(x.tags),
          x.message,
          x.artefactId,
          x.location.path,
          JSON.stringify(x.location),
          JSON.stringify(x.evidence),
        );
      }
      const d = this.db.prepare(
        'INSERT INTO diagnostics(scan_id, level, code, message, path, artefact_id) VALUES (?, ?, ?, ?, ?, ?)',
      );
      for (const x of report.diagnostics) d.run(s.id, x.level, x.code, x.message, x.path, x.artefactId ?? null);
    })();
  }

  listScans(limit = 50): StoredScan[] {
    const rows = this.db
      .prepare('SELECT id, started_at, finished_at, inputs, summary FROM scans ORDER BY started_at DESC LIMIT ?')
      .all(limit) as Array<{
      id: string;
      started_at: string;
      finished_at: string;
      inputs: string;
      summary: string;
    }>;
    return rows.map((r) => ({
      id: r.id,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      inputs: JSON.parse(r.inputs) as string[],
      summary: JSON.parse(r.summary) as ScanSummary,
    }));
  }

  /** A stored report by id, by unique id prefix, or `latest`. */
  loadReport(idOrPrefix: string): Report | null {
    if (idOrPrefix === 'latest') {
      const row = this.db.prepare('SELECT report FROM scans ORDER BY started_at DESC LIMIT 1').get() as
        { report: string } | undefined;
      return row ? (JSON.parse(row.report) as Report) : null;
    }
    const rows = this.db
      .prepare("SELECT report FROM scans WHERE id = ? OR id LIKE ? || '%' LIMIT 2")
      .all(idOrPrefix, idOrPrefix.replace(/[%_]/g, '')) as Array<{ report: string }>;
    const [row, another] = rows;
    return row && !another ? (JSON.parse(row.report) as Report) : null;
  }

  /**
   * Keeps a STIX bundle for every later scan with this store; a bundle from the same source replaces the old
   * one.
   */
  importIndicators(source: string, bundle: string, count: number): void {
    this.db
      .prepare(
        'INSERT INTO indicator_sets(source, bundle, indicators, imported_at) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT(source) DO UPDATE SET bundle = excluded.bundle, indicators = excluded.indicators, ' +
          'imported_at = excluded.imported_at',
      )
      .run(source, bundle, count, new Date().toISOString());
  }

  indicatorBundles(): Array<{ source: string; bundle: string; indicators: number; importedAt: string }> {
    return (
      this.db.prepare('SELECT source, bundle, indicators, imported_at FROM indicator_sets ORDER BY id').all() as Array<{
        source: string;
        bundle: string;
        indicators: number;
        imported_at: string;
      }>
    ).map((r) => ({
      source: r.source,
      bundle: r.bundle,
      indicators: r.indicators,
      importedAt: r.imported_at,
    }));
  }

  /** Keeps YARA rule sources (includes resolved) for every later scan; the same path replaces its old text. */
  addRules(sources: Array<{ path: string; source: string }>): void {
    const stmt = this.db.prepare(
      'INSERT INTO yara_rules(path, source, added_at) VALUES (?, ?, ?) ' +
        'ON CONFLICT(path) DO UPDATE SET source = excluded.source, added_at = excluded.added_at',
    );
    const now = new Date().toISOString();
    this.db.transaction(() => sources.forEach((s) => stmt.run(s.path, s.source, now)))();
  }

  ruleSources(): Array<{ path: string; source: string }> {
    return this.db.prepare('SELECT path, source FROM yara_rules ORDER BY id').all() as Array<{
      path: string;
      source: string;
    }>;
  }

  /** Keeps a published blocklist for every later scan; the same name replaces its old terms. */
  importList(list: ImportedList): void {
    this.db
      .prepare(
        'INSERT INTO imported_lists(name, source, terms, imported_at) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT(name) DO UPDATE SET source = excluded.source, terms = excluded.terms, ' +
          'imported_at = excluded.imported_at',
      )
      .run(list.name, list.source, JSON.stringify(list.terms), new Date().toISOString());
  }

  importedLists(): Array<ImportedList & { importedAt: string }> {
    const rows = this.db
      .prepare('SELECT name, source, terms, imported_at FROM imported_lists ORDER BY id')
      .all() as Array<{
      name: string;
      source: string;
      terms: string;
      imported_at: string;
    }>;
    return rows.map((r) => ({
      name: r.name,
      source: r.source,
      terms: JSON.parse(r.terms) as string[],
      importedAt: r.imported_at,
    }));
  }

  /** Row counts, for tests and `candor scans`. */
  counts(scanId: string): Record<'artefacts' | 'apps' | 'findings' | 'diagnostics', number> {
    const one = (table: string) =>
      (this.db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE scan_id = ?`).get(scanId) as { n: number }).n;
    return {
      artefacts: one('artefacts'),
      apps: one('apps'),
      findings: one('findings'),
      diagnostics: one('diagnostics'),
    };
  }

  close(): void {
    this.db.close();
  }
}
