import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DataFile } from '../../src/data-files.js';
import { dataRoot } from '../../src/data-path.js';
import { DEFAULT_LIMITS, resolveLimits } from '../../src/io/limits.js';
import {
  analyzerIdentity,
  BUILD_STAMP,
  codeHash,
  hashTree,
  isCodeFile,
  packagesHash,
  writeBuildStamp,
} from '../../src/scan/analyzer-identity.js';
import { analyzerKey, type AnalyzeSettings } from '../../src/scan/context.js';
import { ROOT, tempDir } from '../helpers.js';
import { defined, first } from '../defined.js';

/** The cache key is the only thing standing between a user and yesterday's verdict: each input must move it. */

const SETTINGS: AnalyzeSettings = { limits: DEFAULT_LIMITS, trackersPath: null };

function copyOf(folder: string): string {
  const dir = tempDir('candor-key-');
  cpSync(folder, dir, { recursive: true });
  return dir;
}

describe('hashTree over data/', () => {
  it('gives an identical copy the hash of the real data folder, and covers every file in it', () => {
    const real = hashTree(dataRoot());
    expect(hashTree(copyOf(dataRoot()))).toEqual(real);
    // permissions, packers, stores, gdpr, known lists, lexicon terms + provenance, builtin trackers at least.
    expect(real.files).toBeGreaterThanOrEqual(8);
  });

  it('changes when one value in a table changes', () => {
    const dir = copyOf(dataRoot());
    const before = hashTree(dir).sha256;
    const file = join(dir, 'permissions.json');
    const table = JSON.parse(readFileSync(file, 'utf8')) as DataFile<'permissions'>;
    defined(table.permissions['android.permission.RECEIVE_SMS']).severity = 'high';
    writeFileSync(file, JSON.stringify(table, null, 2));
    expect(hashTree(dir).sha256).not.toBe(before);
  });

  it('changes when a file is added in a subfolder, renamed, or its bytes move to another file', () => {
    const dir = tempDir('candor-key-');
    mkdirSync(join(dir, 'lexicon'));
    writeFileSync(join(dir, 'a.json'), 'ab');
    writeFileSync(join(dir, 'b.json'), 'c');
    const base = hashTree(dir).sha256;

    writeFileSync(join(dir, 'lexicon', 'extra.txt'), '');
    const added = hashTree(dir).sha256;
    expect(added).not.toBe(base);

    renameSync(join(dir, 'lexicon', 'extra.txt'), join(dir, 'lexicon', 'other.txt'));
    expect(hashTree(dir).sha256).not.toBe(added);

    const moved = tempDir('candor-key-');
    writeFileSync(join(moved, 'a.json'), 'a');
    writeFileSync(join(moved, 'b.json'), 'bc');
    mkdirSync(join(moved, 'lexicon'));
    writeFileSync(join(moved, 'lexicon', 'other.txt'), '');
    expect(hashTree(moved).sha256).not.toBe(hashTree(dir).sha256);
  });
});

function detectorSources(dir: string): string[] {
  // <area>/<id>.ts: one detector each.
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /^[a-z-]+\/[a-z-]+\.ts$/.test(f));
  return files.sort().map((f) => join(dir, f));
}

describe('code hash', () => {
  it('changes when a detector source changes, not when a test beside it does', () => {
    const src = copyOf(join(ROOT, 'src'));
    const before = codeHash(src);
    expect(codeHash(copyOf(join(ROOT, 'src')))).toBe(before);

    const detector = first(detectorSources(join(src, 'detectors')));
    writeFileSync(detector.replace(/\.ts$/, '.test.ts'), '// a test edit changes no result\n');
    expect(codeHash(src)).toBe(before);

    writeFileSync(detector, `${readFileSync(detector, 'utf8')}\nexport const edited = true;\n`);
    expect(codeHash(src)).not.toBe(before);
  });

  it('counts compiled JavaScript and sources as code, tests and declarations as not', () => {
    expect(['scan/scan.js', 'scan/scan.ts'].every(isCodeFile)).toBe(true);
    expect(['scan/scan.test.ts', 'api.d.ts', 'api.js.map', BUILD_STAMP].some(isCodeFile)).toBe(false);
  });

  it('uses a build stamp only while no code file is newer than it and none was added', () => {
    const dist = tempDir('candor-dist-');
    writeFileSync(join(dist, 'a.js'), 'export const a = 1;\n');
    const stamp = writeBuildStamp(dist);
    expect(codeHash(dist)).toBe(stamp.sha256);
    // A forged stamp is believed while it is fresh: that is what spares an installed Candor a hash per scan.
    writeFileSync(join(dist, BUILD_STAMP), JSON.stringify({ sha256: 'stamped', files: 1 }));
    expect(codeHash(dist)).toBe('stamped');

    // A bare `tsc` after the build rewrites a file: the stamp is older, so the code is hashed afresh.
    writeFileSync(join(dist, 'a.js'), 'export const a = 2;\n');
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(dist, 'a.js'), later, later);
    const fresh = codeHash(dist);
    expect(fresh).not.toBe('stamped');
    expect(fresh).toBe(hashTree(dist, isCodeFile).sha256);

    // A new file with an old time still changes the count the stamp recorded.
    writeFileSync(join(dist, BUILD_STAMP), JSON.stringify({ sha256: 'stamped', files: 1 }));
    utimesSync(join(dist, 'a.js'), new Date(0), new Date(0));
    writeFileSync(join(dist, 'b.js'), '');
    utimesSync(join(dist, 'b.js'), new Date(0), new Date(0));
    expect(codeHash(dist)).not.toBe('stamped');
  });
});

describe('analyzerKey', () => {
  const identity = analyzerIdentity();

  it('is the same for the same code, data, dependencies and settings', () => {
    expect(analyzerKey(SETTINGS, { ...identity })).toBe(analyzerKey(SETTINGS, identity));
    // Key order of the limits does not matter: only their values do.
    const reversed = Object.fromEntries(Object.entries(DEFAULT_LIMITS).reverse()) as typeof DEFAULT_LIMITS;
    expect(analyzerKey({ ...SETTINGS, limits: reversed }, identity)).toBe(analyzerKey(SETTINGS, identity));
  });

  it('changes with the code, the data, the dependencies, a limit or an option', () => {
    const base = analyzerKey(SETTINGS, identity);
    const keys = [
      analyzerKey(SETTINGS, { ...identity, code: 'other' }),
      analyzerKey(SETTINGS, { ...identity, data: 'other' }),
      analyzerKey(SETTINGS, { ...identity, packages: 'other' }),
      analyzerKey(SETTINGS, { ...identity, natives: [] }),
      analyzerKey(
        { ...SETTINGS, limits: resolveLimits({ zip: { maxNestingDepth: DEFAULT_LIMITS.zip.maxNestingDepth + 1 } }) },
        identity,
      ),
      // Any leaf of the tree, however deep: the whole tree is hashed.
      analyzerKey({ ...SETTINGS, limits: resolveLimits({ firmware: { maxTarMembers: 7 } }) }, identity),
      analyzerKey({ ...SETTINGS, hiddenLists: false }, identity),
      analyzerKey({ ...SETTINGS, fileDigests: true }, identity),
      analyzerKey({ ...SETTINGS, deviceIds: { imei: '356938035643809' } }, identity),
      analyzerKey({ ...SETTINGS, yaraSources: [{ path: 'r.yar', source: 'rule r { condition: true }' }] }, identity),
    ];
    expect(new Set([base, ...keys]).size).toBe(keys.length + 1);
  });

  it('identifies this installation by its own src/, data/ and package.json', () => {
    expect(identity.code).toBe(codeHash(join(ROOT, 'src')));
    expect(identity.data).toBe(hashTree(join(ROOT, 'data')).sha256);
    expect(identity.packages).toBe(packagesHash(join(ROOT, 'package.json')));
  });

  it('changes when a pinned dependency version changes', () => {
    const dir = tempDir('candor-key-');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg));
    const before = packagesHash(join(dir, 'package.json'));
    pkg.dependencies.fzstd = '0.0.0';
    writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg));
    expect(packagesHash(join(dir, 'package.json'))).not.toBe(before);
  });
});
