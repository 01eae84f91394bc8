import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadNative, nativeAvailable } from '../io/native.js';
import type { Diagnostic } from '../model.js';
import type { YaraRuleMatch } from '../detectors/models.js';

/**
 * YARA rules through YARA-X (the native, prebuilt `@litko/yara-x-linux-x64-gnu`). Each rule file is
 * compiled on its own, so one file that cannot load does not stop the others; `include` lines are
 * resolved against the including file's folder (the binding does not resolve them itself). Files that
 * need a module YARA-X lacks (`androguard`, `cuckoo`, `magic`...) are reported as skipped, with the module.
 * No scan timeout is set: YARA-X's timeouts fire spuriously when scanners run in several worker threads at
 * once (seen with this binding), so the bound is the size of what is scanned instead.
 */

interface YaraMatch {
  ruleIdentifier: string;
  namespace: string;
  meta: Record<string, unknown>;
  tags: string[];
  matches: Array<{ offset: number; length: number; data: string; identifier: string }>;
}

interface CompiledRules {
  serialize(): Buffer;
  scan(data: Buffer): YaraMatch[];
  scanFile(path: string): YaraMatch[];
  setMaxMatchesPerPattern(n: number): void;
}

interface YaraModule {
  compile(source: string): CompiledRules;
  deserialize(data: Buffer): CompiledRules;
}

export interface RuleFileStatus {
  path: string;
  status: 'loaded' | 'skipped' | 'error';
  reason?: string;
}

export interface YaraRules {
  files: RuleFileStatus[];
  compiled: Array<{ path: string; rules: CompiledRules }>;
  /** When several files share one compiled set: namespace to file. */
  namespaces: Map<string, string>;
}

const MAX_INCLUDE_DEPTH = 8;

/** The engine, loaded through io/native.ts: absent (not Linux x64 glibc) it throws `unavailable/yara`. */
function yara(): YaraModule {
  return loadNative<YaraModule>('yara');
}

function ruleFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string, depth: number) => {
    if (depth > 16) return;
    const st = statSync(p);
    if (st.isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e), depth + 1);
    else if (/\.(yar|yara)$/i.test(p) || depth === 0) out.push(p);
  };
  for (const p of paths) walk(resolve(p), 0);
  return out;
}

/** Source with `include "x"` replaced by the included file's text, relative to the including file. */
function inlineIncludes(path: string, depth = 0): string {
  if (depth > MAX_INCLUDE_DEPTH) throw new Error(`includes nested deeper than ${MAX_INCLUDE_DEPTH}`);
  return readFileSync(path, 'utf8').replace(/^[ \t]*include[ \t]+"([^"]+)"[ \t]*$/gm, (_, inc: string) => {
    const target = resolve(dirname(path), inc);
    if (!existsSync(target)) throw new Error(`include file not found: ${inc}`);
    return inlineIncludes(target, depth + 1);
  });
}

/** A rule file's text with its includes resolved, ready to compile anywhere (workers, the store). */
export interface RuleSource {
  path: string;
  source: string;
}

/** Reads rule files and folders; files whose includes cannot be resolved come back as errors. */
export function readRuleSources(paths: string[]): { sources: RuleSource[]; files: RuleFileStatus[] } {
  const sources: RuleSource[] = [];
  const files: RuleFileStatus[] = [];
  for (const path of ruleFiles(paths)) {
    try {
      sources.push({ path, source: inlineIncludes(path) });
    } catch (err) {
      files.push({ path, status: 'error', reason: (err as Error).message });
    }
  }
  return { sources, files };
}

/** Modules YARA-X provides; a file importing any other (androguard, cuckoo, magic) cannot compile. */
const YARA_X_MODULES = new Set([
  'console',
  'crx',
  'dex',
  'dotnet',
  'elf',
  'hash',
  'lnk',
  'macho',
  'math',
  'pe',
  'string',
  'time',
  'vt',
]);

function classifyFailure(path: string, source: string, msg: string): RuleFileStatus {
  const module = /unknown module `([^`]+)`/.exec(msg)?.[1];
  // YARA-X has its own dex module whose fields differ from YARA's: rules written for YARA's are skipped.
  const dexField = /import\s+"dex"/.test(source) ? /unknown field or method `([^`]+)`/.exec(msg)?.[1] : undefined;
  if (module) return { path, status: 'skipped', reason: `needs YARA's "${module}" module, which YARA-X does not have` };
  if (dexField)
    return { path, status: 'skipped', reason: `needs YARA's "dex" module: YARA-X's dex module has no "${dexField}"` };
  return { path, status: 'error', reason: msg.split('\n').slice(0, 4).join(' ').trim() };
}

/**
 * Compiles each file on its own: a file that cannot compile is reported and left out without touching
 * the others. (One combined set would scan each artefact once, but YARA-X's `addRuleSource` slows down
 * superlinearly as a set grows, and one failed add makes the compiler unusable.)
 */
export function compileRules(sources: RuleSource[]): YaraRules {
  const files: RuleFileStatus[] = [];
  const compiled: YaraRules['compiled'] = [];
  for (const { path, source } of sources) {
    if (!nativeAvailable('yara')) {
      files.push({ path, status: 'skipped', reason: 'YARA scanning is unavailable on this platform' });
      continue;
    }
    const missing = [...source.matchAll(/^\s*import\s+"([^"]+)"/gm)]
      .map((m) => m[1] ?? '')
      .find((m) => !YARA_X_MODULES.has(m));
    if (missing) {
      files.push({ path, status: 'skipped', reason: `needs YARA's "${missing}" module, which YARA-X does not have` });
      continue;
    }
    try {
      const rules = yara().compile(source);
      rules.setMaxMatchesPerPattern(100);
      compiled.push({ path, rules });
      files.push({ path, status: 'loaded' });
    } catch (err) {
      files.push(classifyFailure(path, source, (err as Error).message));
    }
  }
  return { files, compiled, namespaces: new Map() };
}

/** Compiled rules in a form that crosses to worker threads: compiling once is far cheaper than per worker. */
export type SerializedRules = Array<{ path: string; bytes: Uint8Array }>;

export function serializeRules(rules: YaraRules): SerializedRules | null {
  return rules.compiled.length ? rules.compiled.map((c) => ({ path: c.path, bytes: c.rules.serialize() })) : null;
}

export function deserializeRules(s: SerializedRules): YaraRules {
  return {
    files: [],
    namespaces: new Map(),
    compiled: s.map(({ path, bytes }) => {
      const rules = yara().deserialize(Buffer.from(bytes));
      rules.setMaxMatchesPerPattern(100);
      return { path, rules };
    }),
  };
}

export function loadYaraRules(paths: string[]): YaraRules {
  const { sources, files } = readRuleSources(paths);
  const rules = compileRules(sources);
  return { files: [...files, ...rules.files], compiled: rules.compiled, namespaces: rules.namespaces };
}

export function yaraDiagnostics(rules: YaraRules): Diagnostic[] {
  return rules.files
    .filter((f) => f.status !== 'loaded')
    .map((f) => ({
      level: 'warning' as const,
      code: f.status === 'skipped' ? 'yara/rule-skipped' : 'yara/rule-error',
      message: f.reason ?? '',
      path: f.path,
    }));
}

/**
 * Scans one artefact's bytes (or file) with every loaded rule file; the detector yara/rule-match reports the
 * matches.
 */
export function scanWithYara(
  rules: YaraRules,
  target: { bytes?: Buffer; file?: string },
  artefact: { id: string; path: string },
): { matches: YaraRuleMatch[]; errors: Diagnostic[] } {
  const out: YaraRuleMatch[] = [];
  const errors: Diagnostic[] = [];
  for (const { path: file, rules: r } of rules.compiled) {
    let results: YaraMatch[];
    try {
      results = target.file ? r.scanFile(target.file) : r.scan(target.bytes ?? Buffer.alloc(0));
    } catch (err) {
      errors.push({
        level: 'warning',
        code: 'yara/scan-failed',
        message: (err as Error).message,
        path: artefact.path,
        artefactId: artefact.id,
      });
      continue;
    }
    for (const m of results) {
      const matches = m.matches
        .slice(0, 20)
        .map((x) => ({ identifier: x.identifier, offset: x.offset, length: x.length, data: printable(x.data) }));
      out.push({
        rule: m.ruleIdentifier,
        ruleFile: rules.namespaces.get(m.namespace) ?? file,
        tags: m.tags,
        meta: m.meta,
        matches,
      });
    }
  }
  return { matches: out, errors };
}

/** Matched bytes as text when printable, else as hex, capped: they come from an artefact. */
function printable(data: string): string {
  const s = data.slice(0, 64);
  return /^[\x20-\x7e]*$/.test(s) ? s : Buffer.from(s, 'latin1').toString('hex');
}
