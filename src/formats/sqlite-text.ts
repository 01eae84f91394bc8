import Database from 'better-sqlite3';
import { MalformedInputError } from '../io/errors.js';
import { StringBudget } from './cursor.js';

/**
 * Text columns of an SQLite database shipped in an app's assets (a prebuilt word table), read through
 * better-sqlite3 from memory (the bytes are deserialised, never written to disk). Only real tables are
 * read, never views or triggers, so a hostile file cannot make the reader run its queries.
 */

export interface SqliteColumn {
  table: string;
  column: string;
  values: string[];
}

export const SQLITE_MAGIC = 'SQLite format 3\0';

export function isSqlite(buf: Uint8Array): boolean {
  return buf.length >= 100 && Buffer.from(buf.buffer, buf.byteOffset, 16).toString('latin1') === SQLITE_MAGIC;
}

const MAX_TABLES = 1000;

export function sqliteTextColumns(
  buf: Buffer,
  maxStrings: number,
): { columns: SqliteColumn[]; truncated: boolean; problems: string[] } {
  if (!isSqlite(buf)) throw new MalformedInputError('sqlite/bad-magic', 'not an SQLite database');
  let db: Database.Database;
  try {
    db = new Database(buf, { readonly: true });
  } catch (err) {
    throw new MalformedInputError('sqlite/unreadable', `SQLite: ${(err as Error).message}`);
  }
  const budget = new StringBudget(maxStrings, 'sqlite');
  const columns: SqliteColumn[] = [];
  const problems: string[] = [];
  try {
    let tables: Array<{ name: string }>;
    try {
      tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' LIMIT ?")
        .all(MAX_TABLES) as Array<{ name: string }>;
    } catch (err) {
      throw new MalformedInputError('sqlite/unreadable', `SQLite: ${(err as Error).message}`);
    }
    const q = (id: string) => `"${id.replace(/"/g, '""')}"`;
    for (const { name } of tables) {
      if (budget.truncated) break;
      try {
        const cols = (db.prepare(`PRAGMA table_info(${q(name)})`).all() as Array<{ name: string }>).map((c) => c.name);
        for (const col of cols) {
          if (budget.truncated) break;
          const values: string[] = [];
          const stmt = db.prepare(`SELECT ${q(col)} FROM ${q(name)} WHERE typeof(${q(col)}) = 'text'`).pluck();
          for (const v of stmt.iterate() as Iterable<string>) {
            if (!budget.take()) break;
            values.push(v);
          }
          if (values.length) columns.push({ table: name, column: col, values });
        }
      } catch (err) {
        // A virtual table whose module is absent, or a damaged page: the other tables are still read.
        problems.push(`${name}: ${(err as Error).message}`);
      }
    }
  } finally {
    db.close();
  }
  return { columns, truncated: budget.truncated, problems };
}
