import { InvalidArgumentError, Option } from 'commander';
import { parseLimitSetting, LimitSettingError, type LimitOverrides } from '../io/limits.js';

/** Option definitions and value parsers shared by several commands. */

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

/** A mistake of the caller: printed as one line (no stack) and exit code 2. */
export class UsageError extends Error {}

export type Format = 'terminal' | 'json' | 'html';
export const FORMATS: Format[] = ['terminal', 'json', 'html'];

/** `--db <path>` of the commands that work on the store. */
export const DB_FLAGS = '--db <path>';
export const DB_DESCRIPTION = 'SQLite store';
export const OUT_FLAGS = '-o, --out <file>';

/** What commander parses from `--db <path>`: absent when not given. */
export interface StoreOptions {
  db?: string;
}

/** `--db` and `-o, --out` of the commands that write what they read from the store. */
export interface StoreOutputOptions extends StoreOptions {
  out?: string;
}

/** `-f, --format` of a report: terminal, JSON or HTML. */
export function reportFormatOption(description: string): Option {
  return new Option('-f, --format <format>', description).choices(FORMATS);
}

export function parseJobs(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('expected a whole number from 1 to 64');
  return n;
}

export function parseDeviceIds(v: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of v.split(',')) {
    const i = pair.indexOf('=');
    if (i <= 0 || i === pair.length - 1)
      throw new InvalidArgumentError(`expected name=value pairs, got ${JSON.stringify(pair)}`);
    out[pair.slice(0, i).trim()] = pair.slice(i + 1).trim();
  }
  return out;
}

/** `--limit` settings, checked before anything is read: a bad one is a one-line usage error. */
export function parseLimits(settings: string[]): LimitOverrides {
  const overrides: LimitOverrides = {};
  try {
    for (const s of settings) parseLimitSetting(s, overrides);
  } catch (err) {
    if (err instanceof LimitSettingError) throw new UsageError(`--limit: ${err.message}`);
    throw err;
  }
  return overrides;
}

/** Accumulates a repeatable option's values. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
