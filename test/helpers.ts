import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS } from '../src/io/limits.js';
import { loadDefaultLexicon } from '../src/lexicon/lexicon.js';
import type { AnalyzeContext } from '../src/scan/analyze.js';
import { loadBuiltinTrackers, loadExodusTrackers } from '../src/trackers/trackers.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/**
 * The read-only corpus of real third-party samples beside the project; CANDOR_CORPUS names it when the
 * checkout is not beside it (a git worktree one level deeper).
 */
export const CORPUS = process.env.CANDOR_CORPUS ?? join(ROOT, '..', 'shared', 'corpus');
export const CORPUS_APK = join(CORPUS, 'apk');
export const EXODUS_JSON = join(CORPUS, 'signatures', 'exodus-trackers.json');
/** Debian's androguard package: ~330 real APKs and ~30 DEX files. */
export const ANDROGUARD_EXAMPLES = '/usr/share/doc/androguard/examples';

export function corpusFile(name: string): string {
  const p = join(CORPUS_APK, name);
  if (!existsSync(p)) throw new Error(`corpus file missing: ${p} (see ../shared/corpus/MANIFEST.md)`);
  return p;
}

export function corpusApks(): string[] {
  return readdirSync(CORPUS_APK)
    .filter((f) => f.endsWith('.apk') || f.endsWith('.dex'))
    .map((f) => join(CORPUS_APK, f));
}

/** Every file under Debian's androguard examples with the given extension. */
export function androguardFiles(ext: '.apk' | '.dex'): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(ext) && statSync(p).size > 0) out.push(p);
    }
  };
  if (!existsSync(ANDROGUARD_EXAMPLES))
    throw new Error(`${ANDROGUARD_EXAMPLES} missing: install Debian's androguard package (.ci/run does)`);
  walk(ANDROGUARD_EXAMPLES);
  return out.sort();
}

export function requireTool(name: string): string {
  const r = spawnSync('which', [name], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${name} is required by this test: .ci/run installs it`);
  return r.stdout.trim();
}

export function run(cmd: string, args: string[], opts: { input?: string | Buffer; cwd?: string } = {}): string {
  return execFileSync(cmd, args, {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'pipe'],
    ...opts,
  });
}

export function tempDir(prefix = 'candor-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

let builtinCtx: AnalyzeContext | null = null;
export function analyzeContext(trackers: 'builtin' | 'exodus' = 'builtin'): AnalyzeContext {
  if (trackers === 'exodus')
    return {
      limits: DEFAULT_LIMITS,
      detectors: { lexicon: loadDefaultLexicon(), trackers: loadExodusTrackers(EXODUS_JSON) },
    };
  if (!builtinCtx)
    builtinCtx = {
      limits: DEFAULT_LIMITS,
      detectors: { lexicon: loadDefaultLexicon(), trackers: loadBuiltinTrackers() },
    };
  return builtinCtx;
}

/** Builds a zip with Python's zipfile module (a real, independent zip writer). */
export function pythonZip(
  out: string,
  entries: Array<{ name: string; file?: string; data?: string; stored?: boolean }>,
  base?: string,
): void {
  const script = `
import json, sys, zipfile, shutil
spec = json.loads(sys.stdin.read())
if spec['base']:
    shutil.copyfile(spec['base'], spec['out'])
    z = zipfile.ZipFile(spec['out'], 'a')
else:
    z = zipfile.ZipFile(spec['out'], 'w')
for e in spec['entries']:
    method = zipfile.ZIP_STORED if e.get('stored') else zipfile.ZIP_DEFLATED
    if e.get('file'):
        z.write(e['file'], e['name'], compress_type=method)
    else:
        data = bytes.fromhex(e['data']) if e.get('hex') else e['data'].encode('utf-8')
        z.writestr(zipfile.ZipInfo(e['name']) if False else e['name'], data, compress_type=method)
z.close()
`;
  run('python3', ['-c', script], { input: JSON.stringify({ out, base: base ?? null, entries }) });
}

/** Encodes text with Python's codecs (GB18030, Big5, UTF-16BE...): an encoder independent of Candor's decoders. */
export function encodeWithPython(text: string, encoding: string): Buffer {
  const hex = run(
    'python3',
    ['-c', 'import sys; sys.stdout.write(sys.stdin.read().encode(sys.argv[1]).hex())', encoding],
    { input: text },
  );
  return Buffer.from(hex, 'hex');
}
