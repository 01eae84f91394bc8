import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InflateBudget, readEntry, readZipDirectory } from '../../src/containers/zip.js';
import { BufferSource } from '../../src/io/byte-source.js';
import { DEFAULT_LIMITS } from '../../src/io/limits.js';
import { analyzeFile } from '../../src/scan/analyze.js';
import { deriveApk } from '../fixtures/apk-builder.js';
import { buildDex } from '../fixtures/dex-builder.js';
import {
  EXODUS_JSON,
  analyzeContext,
  androguardFiles,
  corpusApks,
  corpusFile,
  requireTool,
  tempDir,
} from '../helpers.js';

/** Class names of SDKs that Exodus tracks, and of a look-alike it must not match. */
const TRACKER_CLASSES = [
  'Lcom/facebook/ads/AdView;',
  'Lcom/google/firebase/analytics/FirebaseAnalytics;',
  'Lcom/umeng/analytics/MobclickAgent;',
  'Lcom/sensorsdata/analytics/android/sdk/SensorsDataAPI;',
  'Lcom/tencent/bugly/crashreport/CrashReport;',
  'Lcn/jpush/android/api/JPushInterface;',
  'Lorg/example/notatracker/Main;',
];

/**
 * Exodus Privacy's own matching, reproduced with the tools it uses: `dexdump` on every classes*.dex,
 * its perl one-liner to pull class names, and Python's `re.search` with each tracker's code signature
 * (exodus-core, static_analysis.py). Candor with `--trackers exodus-trackers.json` must find the same set.
 */

const EXODUS_PY = `
import json, re, sys
sigs = json.load(open(sys.argv[1]))['trackers']
classes = [l.strip() for l in open(sys.argv[2]) if l.strip()]
found = []
for t in sigs.values():
    cs = t.get('code_signature') or ''
    if len(cs) <= 3:
        continue
    r = re.compile(cs)
    if any(r.search(c) for c in classes):
        found.append(t['name'])
print(json.dumps(sorted(found)))
`;

function exodusTrackers(apk: string, dir: string): string[] | null {
  const buf = readFileSync(apk);
  const src = new BufferSource(buf);
  let zdir;
  try {
    zdir = readZipDirectory(src, DEFAULT_LIMITS);
  } catch {
    return null;
  }
  const dexes: string[] = [];
  for (const e of zdir.byName.values()) {
    if (!/^classes.*\.dex$/.test(e.name)) continue;
    const p = join(dir, `${basename(apk)}-${e.name}`);
    writeFileSync(p, readEntry(src, e, new InflateBudget(DEFAULT_LIMITS)));
    dexes.push(p);
  }
  if (dexes.length === 0) return null;
  const classesFile = join(dir, `${basename(apk)}.classes`);
  const dump = execFileSync(
    'sh',
    ['-c', `dexdump "$@" | perl -n -e'/[A-Z]+((?:\\w+\\/)+\\w+)/ && print "$1\\n"' | sort -u`, 'sh', ...dexes],
    { maxBuffer: 1 << 30 },
  );
  writeFileSync(classesFile, dump);
  return JSON.parse(
    execFileSync('python3', ['-c', EXODUS_PY, EXODUS_JSON, classesFile], { encoding: 'utf8' }),
  ) as string[];
}

describe('tracker detection with the Exodus database', () => {
  requireTool('dexdump');
  requireTool('perl');
  const fixture = deriveApk({
    base: corpusFile('urzip.apk'),
    out: join(tempDir(), 'trackers.apk'),
    entries: {
      'classes.dex': buildDex(
        TRACKER_CLASSES.map((descriptor) => ({ descriptor, methods: [{ name: 'init', strings: ['x'] }] })),
      ),
    },
  });
  const apks = [
    fixture,
    ...corpusApks().filter((p) => p.endsWith('.apk')),
    ...androguardFiles('.apk').filter((p) => /\/tests\//.test(p)),
  ];

  it(`finds the same trackers as Exodus's own matching on ${apks.length} APKs`, () => {
    const dir = tempDir();
    const ctx = analyzeContext('exodus');
    let compared = 0;
    let withTrackers = 0;
    const mismatches: string[] = [];
    for (const apk of apks) {
      const expected = exodusTrackers(apk, dir);
      if (expected === null) continue;
      const app = analyzeFile(apk, basename(apk), ctx).apps[0];
      const ours = [...new Set(app?.trackers.map((t) => t.name) ?? [])].sort();
      compared++;
      if (expected.length > 0) withTrackers++;
      if (JSON.stringify(ours) !== JSON.stringify(expected))
        mismatches.push(`${apk}: ours ${ours.join(', ')} | exodus ${expected.join(', ')}`);
      for (const t of app?.trackers ?? []) expect(t.matchedClasses.length).toBeGreaterThan(0);
    }
    expect(compared).toBeGreaterThan(15);
    expect(withTrackers).toBeGreaterThan(0);
    expect(mismatches).toEqual([]);
  });
});
