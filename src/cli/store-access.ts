import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseStixBundle, type IndicatorSet } from '../iocs/stix.js';
import type { Report } from '../model.js';
import type { Store } from '../store/sqlite.js';
import { UsageError } from './options.js';

export function defaultDb(): string {
  return process.env.CANDOR_DB ?? join(process.cwd(), '.candor', 'candor.sqlite');
}

/** Modules only some commands need are loaded on demand: a one-file scan should not pay for them. */
export async function openStore(path: string): Promise<Store> {
  const { Store: StoreClass } = await import('../store/sqlite.js');
  return new StoreClass(path);
}

/** Opens the store named by --db (or the default), runs `f`, and always closes it. */
export async function withStore<T>(db: string | undefined, f: (store: Store) => T | Promise<T>): Promise<T> {
  const store = await openStore(resolve(db ?? defaultDb()));
  try {
    return await f(store);
  } finally {
    store.close();
  }
}

/** The stored scan named by id, id prefix or "latest"; a usage error (exit 2) when none or several match. */
export function storedReport(store: Store, id: string): Report {
  const report = store.loadReport(id);
  if (!report) throw new UsageError(`no single stored scan matches ${JSON.stringify(id)}`);
  return report;
}

/** Bundles named with --iocs plus those imported into the store. */
export function loadIndicatorSets(files: string[], store: Store | null): IndicatorSet[] {
  const sets = files.map((f) => parseStixBundle(readFileSync(resolve(f), 'utf8'), f));
  for (const b of store?.indicatorBundles() ?? [])
    if (!files.includes(b.source)) sets.push(parseStixBundle(b.bundle, b.source));
  return sets;
}
