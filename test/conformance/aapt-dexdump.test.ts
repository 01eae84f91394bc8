import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InflateBudget, readEntry, readZipDirectory } from '../../src/containers/zip.js';
import { BufferSource } from '../../src/io/byte-source.js';
import { DEFAULT_LIMITS } from '../../src/io/limits.js';
import { analyzeFile } from '../../src/scan/analyze.js';
import { analyzeContext, androguardFiles, corpusApks, requireTool, tempDir } from '../helpers.js';

/**
 * Candor's pure-TypeScript parsers against the reference tools, on every real APK and DEX we have:
 * the corpus and Debian's androguard examples. Package, version and permissions must equal
 * `aapt dump badging`; class, method and string counts must equal `dexdump -f`.
 */

interface Badging {
  package: string;
  versionCode: string;
  versionName: string;
  label: string | null;
  permissions: Set<string>;
}

function badging(apk: string): Badging | null {
  const r = spawnSync('aapt', ['dump', 'badging', apk], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) return null;
  const pkg = /^package: name='([^']*)' versionCode='([^']*)' versionName='([^']*)'/m.exec(r.stdout);
  if (!pkg) return null;
  const permissions = new Set<string>();
  for (const m of r.stdout.matchAll(/^uses-permission(?:-sdk-23)?: name='([^']*)'/gm)) permissions.add(m[1] ?? '');
  const label = /^application-label:'(.*)'$/m.exec(r.stdout);
  const [, name = '', versionCode = '', versionName = ''] = pkg;
  return { package: name, versionCode, versionName, label: label?.[1] ?? null, permissions };
}

function dexdumpHeader(dexPath: string): { classes: number; methods: number; strings: number } | null {
  const r = spawnSync('dexdump', ['-f', dexPath], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const num = (k: string) => {
    const m = new RegExp(`^${k}\\s*:\\s*(\\d+)`, 'm').exec(r.stdout);
    return m ? Number(m[1]) : null;
  };
  const classes = num('class_defs_size');
  const methods = num('method_ids_size');
  const strings = num('string_ids_size');
  if (r.status !== 0 || classes === null || methods === null || strings === null) return null;
  return { classes, methods, strings };
}

/** Every classes*.dex of an APK, written to a temporary file for dexdump. */
function extractDexes(apk: string, dir: string): string[] {
  const buf = readFileSync(apk);
  const src = new BufferSource(buf);
  const zdir = readZipDirectory(src, DEFAULT_LIMITS);
  const out: string[] = [];
  for (const e of zdir.byName.values()) {
    if (!/^classes\d*\.dex$/.test(e.name)) continue;
    const p = join(dir, `${basename(apk)}-${e.name}`);
    writeFileSync(p, readEntry(src, e, new InflateBudget(DEFAULT_LIMITS)));
    out.push(p);
  }
  return out;
}

describe('parsers agree with aapt and dexdump', () => {
  requireTool('aapt');
  requireTool('dexdump');
  const apks = [...corpusApks().filter((p) => p.endsWith('.apk')), ...androguardFiles('.apk')];

  it(`reads the same manifest facts as aapt dump badging on ${apks.length} real APKs`, () => {
    let compared = 0;
    const mismatches: string[] = [];
    for (const apk of apks) {
      const ref = badging(apk);
      if (!ref) continue;
      const r = analyzeFile(apk, basename(apk), analyzeContext());
      const app = r.apps.find((a) => a.path === basename(apk));
      compared++;
      if (!app) {
        mismatches.push(`${apk}: no app (${r.diagnostics.map((d) => d.code).join(',')})`);
        continue;
      }
      const ours = {
        package: app.package,
        versionCode: String(app.versionCode ?? ''),
        versionName: app.versionName ?? '',
      };
      if (
        ours.package !== ref.package ||
        ours.versionCode !== ref.versionCode ||
        ours.versionName !== ref.versionName
      ) {
        mismatches.push(
          `${apk}: ${JSON.stringify(ours)} vs aapt ` +
            JSON.stringify({ package: ref.package, versionCode: ref.versionCode, versionName: ref.versionName }),
        );
      }
      if (ref.label !== null && app.label !== ref.label)
        mismatches.push(`${apk}: label ${JSON.stringify(app.label)} vs aapt ${JSON.stringify(ref.label)}`);
      const perms = new Set(app.permissions.map((p) => p.name));
      const missing = [...ref.permissions].filter((p) => !perms.has(p));
      const extra = [...perms].filter((p) => !ref.permissions.has(p));
      if (missing.length || extra.length)
        mismatches.push(`${apk}: permissions missing ${missing.join(',')} extra ${extra.join(',')}`);
    }
    expect(compared).toBeGreaterThan(250);
    expect(mismatches).toEqual([]);
  });

  it('counts the same classes, methods and strings as dexdump in every DEX', () => {
    const dir = tempDir();
    const dexes = [
      ...corpusApks().filter((p) => p.endsWith('.dex')),
      ...androguardFiles('.dex'),
      ...apks.flatMap((apk) => {
        try {
          return extractDexes(apk, dir);
        } catch {
          return []; // unreadable archives are covered by the bad-input tests
        }
      }),
    ];
    let compared = 0;
    const mismatches: string[] = [];
    for (const dexPath of dexes) {
      const ref = dexdumpHeader(dexPath);
      if (!ref) continue;
      const r = analyzeFile(dexPath, basename(dexPath), analyzeContext());
      const app = r.apps[0];
      compared++;
      if (
        !app ||
        app.classCount !== ref.classes ||
        app.methodCount !== ref.methods ||
        app.stringCount !== ref.strings
      ) {
        mismatches.push(
          `${dexPath}: ours ${app?.classCount}/${app?.methodCount}/${app?.stringCount}, ` +
            `dexdump ${ref.classes}/${ref.methods}/${ref.strings}`,
        );
      }
    }
    expect(compared).toBeGreaterThan(300);
    expect(mismatches).toEqual([]);
  });
});
