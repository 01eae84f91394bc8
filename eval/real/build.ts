import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { deriveApk } from '../../test/fixtures/apk-builder.js';
import { CORPUS_APK_DIR, WORK } from './corpus.js';

/**
 * Builds the evaluation APKs with real tools and caches them under eval/.work/apks, keyed by the hash of
 * everything that goes in (entries, base APK, resources, builder version): a rerun rebuilds nothing.
 * Every APK derives from a real corpus APK (urzip.apk by default) with test/fixtures/apk-builder.ts;
 * APKs that carry resources start from a base that Debian's aapt2 compiled and linked.
 */

/** Bump when the way APKs are built changes (build.ts, positives.ts, chains.ts), so cached APKs are rebuilt. */
const BUILDER_VERSION = 2;

export const BASE_APK = join(CORPUS_APK_DIR, 'urzip.apk');

export interface ApkSpec {
  /** Entries to add or replace, by path inside the APK. */
  entries: Record<string, Buffer | string>;
  /** Android resources compiled by aapt2 into resources.arsc (values/strings.xml-style XML, by folder). */
  resources?: { packageName: string; values: Record<string, string> };
  base?: string;
}

export function sh(cmd: string, args: string[], input?: Buffer | string, cwd?: string): Buffer {
  return execFileSync(cmd, args, { input, cwd, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });
}

function specKey(spec: ApkSpec): string {
  const h = createHash('sha256');
  h.update(`builder ${BUILDER_VERSION}\nbase ${spec.base ?? BASE_APK}\n`);
  for (const [name, data] of Object.entries(spec.entries).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    h.update(`entry ${name}\n`);
    h.update(data);
    h.update('\n');
  }
  if (spec.resources) h.update(JSON.stringify(spec.resources));
  return h.digest('hex').slice(0, 32);
}

const cacheDir = () => join(WORK, 'apks');

export function tempWorkDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * The path of the built APK for this spec, building it only when it is not cached yet. A recipe (a name
 * for how the APK is made from its inputs, and the inputs' content) keys the cache without running the
 * tools that make the entries: `make` runs only on a miss. Without a recipe the built entries are the key.
 */
export function cachedApk(
  spec: ApkSpec | (() => ApkSpec),
  recipe?: { name: string; input: Buffer | string },
): { apk: string; built: boolean } {
  const key = recipe
    ? createHash('sha256')
        .update(`builder ${BUILDER_VERSION}\nrecipe ${recipe.name}\n`)
        .update(recipe.input)
        .digest('hex')
        .slice(0, 32)
    : specKey(spec as ApkSpec);
  const out = join(cacheDir(), `${key}.apk`);
  if (existsSync(out)) return { apk: out, built: false };
  if (typeof spec === 'function') spec = spec();
  mkdirSync(cacheDir(), { recursive: true });
  const partial = `${out}.partial`;
  let base = spec.base ?? BASE_APK;
  let scratch: string | null = null;
  try {
    if (spec.resources) {
      scratch = tempWorkDir('candor-eval-res-');
      base = linkResources(spec.resources, scratch);
    }
    const entries = { ...spec.entries };
    // aapt2's base has no code: keep the real app's DEX unless the spec brings its own.
    if (spec.resources && !entries['classes.dex']) entries['classes.dex'] = zipEntry(BASE_APK, 'classes.dex');
    deriveApk({ base, out: partial, entries, stored: spec.resources ? ['resources.arsc'] : [] });
    renameSync(partial, out);
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
  return { apk: out, built: true };
}

export function zipEntry(zip: string, name: string): Buffer {
  return sh('python3', [
    '-c',
    'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))',
    zip,
    name,
  ]);
}

/**
 * Compiles and links resources with aapt2 into a base APK (manifest + resources.arsc). Debian ships no
 * android.jar, so the manifest carries only the package name (no android: attributes to resolve).
 */
function linkResources(res: NonNullable<ApkSpec['resources']>, dir: string): string {
  const resDir = join(dir, 'res');
  for (const [folder, xml] of Object.entries(res.values)) {
    const file = join(resDir, folder, 'strings.xml');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, xml);
  }
  writeFileSync(
    join(dir, 'AndroidManifest.xml'),
    `<?xml version="1.0" encoding="utf-8"?>\n<manifest package="${res.packageName}"><application/></manifest>\n`,
  );
  sh('aapt2', ['compile', '--dir', resDir, '-o', join(dir, 'res.zip')]);
  const apk = join(dir, 'base.apk');
  sh('aapt2', ['link', '-o', apk, '--manifest', join(dir, 'AndroidManifest.xml'), join(dir, 'res.zip')]);
  return apk;
}

/** Escapes a string for an aapt2 resource value: XML entities, quotes, and leading @ / ? references. */
export function resourceText(s: string): string {
  const xml = s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const escaped = xml.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return /^[@?]/.test(escaped) ? `\\${escaped}` : escaped;
}

/** A values XML with one string-array (and optional plain strings), formatted="false" as apktool writes. */
export function valuesXml(arrays: Record<string, string[]>, strings: Record<string, string> = {}): string {
  const parts = ['<?xml version="1.0" encoding="utf-8"?>', '<resources>'];
  for (const [name, value] of Object.entries(strings))
    parts.push(`  <string name="${name}" formatted="false">"${resourceText(value)}"</string>`);
  for (const [name, items] of Object.entries(arrays)) {
    parts.push(`  <string-array name="${name}" formatted="false">`);
    for (const item of items) parts.push(`    <item>"${resourceText(item)}"</item>`);
    parts.push('  </string-array>');
  }
  parts.push('</resources>', '');
  return parts.join('\n');
}

export function readBuilt(apk: string): Buffer {
  return readFileSync(apk);
}
