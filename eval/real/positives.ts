import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDex } from '../../test/fixtures/dex-builder.js';
import { buildNativeLib } from '../../test/fixtures/native-lib.js';
import { cachedApk, sh, tempWorkDir, valuesXml, type ApkSpec } from './build.js';
import { CHAINS, chainLabel } from './chains.js';
import { stableHash, type RealList } from './corpus.js';
import { listEntries } from './labels.js';

/**
 * The positive APKs: every real list put back into an APK. Game files go to the path their name encodes,
 * as the dataset holds them (Citizen Lab extracted every list to text, one entry per line), and, where a
 * real tool can rebuild the container the name says it shipped in, also rebuilt: a native library (gcc),
 * Lua source and compiled Lua (luac5.1), DEX string constants (the DEX builder checked against dexdump),
 * a string-array in resources.arsc (aapt2) and a JSON array. Open-source lists go in as a plain asset, and
 * a deterministic subset of them through every encoding chain.
 */

export interface PositiveCase {
  id: string;
  list: string;
  group: string;
  /** The format row of the table: the file's extension or the rebuilt container. */
  format: string;
  /** The encoding chain row ("plain" when none). */
  chain: string;
  apk: string;
}

export const LISTS_PER_CHAIN = 20;

/** The format of a path as the table groups it: its extension, or the Unity/hash naming of game data. */
export function formatOf(apkPath: string): string {
  const name = apkPath.split('/').pop() ?? apkPath;
  if (/\.split\d+$/.test(name)) return 'unity split (.splitN)';
  if (/^[0-9a-f]{32}$/.test(name) && apkPath.includes('bin/Data/')) return 'unity data (hash name)';
  const ext = /\.([A-Za-z0-9]{1,12})$/.exec(name.replace(/\.[0-9a-f]{32}(?=\.)/, ''))?.[1];
  return ext ? `.${ext.toLowerCase()}` : 'no extension';
}

/** A Lua string literal of the UTF-8 bytes: quotes, backslashes and control bytes escaped as `\\ddd`. */
function luaString(s: string): Buffer {
  const out: number[] = [0x22];
  for (const b of Buffer.from(s, 'utf8')) {
    if (b === 0x22 || b === 0x5c || b < 0x20 || b === 0x7f) out.push(...Buffer.from(`\\${String(b).padStart(3, '0')}`));
    else out.push(b);
  }
  out.push(0x22);
  return Buffer.from(out);
}

/** Lua source that returns the entries as a table, as game configs do (compiled by luac5.1 to check it). */
export function luaSource(entries: string[]): Buffer {
  const lines = entries.flatMap((e) => [Buffer.from('  '), luaString(e), Buffer.from(',\n')]);
  return Buffer.concat([Buffer.from('local words = {\n'), ...lines, Buffer.from('}\nreturn words\n')]);
}

function compileLua(source: Buffer): Buffer {
  const dir = tempWorkDir('candor-eval-lua-');
  const src = join(dir, 'words.lua');
  const out = join(dir, 'words.luac');
  writeFileSync(src, source);
  sh('luac5.1', ['-s', '-o', out, src]);
  return readFileSync(out);
}

function classDescriptor(jadxPath: string): string {
  const parts = jadxPath
    .replace(/^jadx\//, '')
    .replace(/\.java$/, '')
    .split('/');
  if (parts[0] === 'defpackage') parts.shift();
  return `L${parts.join('/')};`;
}

const REBUILT_FORMATS: Record<string, string> = {
  jadx: 'dex (String constants of <clinit>)',
  apktool: 'resources.arsc (aapt2 string-array)',
  '.so': '.so (ELF, gcc)',
  '.lua': '.lua (source table)',
  '.luac': '.luac (luac5.1 bytecode)',
  '.json': '.json (array)',
};

const rebuiltKind = (path: string) =>
  path.startsWith('jadx/') ? 'jadx' : path.startsWith('apktool/res/') ? 'apktool' : formatOf(path);

/** The format row of a game file's rebuilt container, without building it; null when there is none. */
export function rebuiltGameFormat(list: RealList): string | null {
  return REBUILT_FORMATS[rebuiltKind(list.apkPath)] ?? null;
}

/** The rebuilt container of a game file, when a real tool can make it; null otherwise. */
export function rebuiltGameSpec(list: RealList): { format: string; spec: ApkSpec } | null {
  const entries = listEntries(list.text);
  const path = list.apkPath;
  const kind = rebuiltKind(path);
  const format = REBUILT_FORMATS[kind];
  if (!format) return null;
  const at = (data: Buffer | string): ApkSpec => ({ entries: { [path]: data } });
  switch (kind) {
    case 'jadx':
      return {
        format,
        spec: {
          entries: {
            'classes.dex': buildDex([
              { descriptor: classDescriptor(path), methods: [{ name: '<clinit>', strings: entries }] },
            ]),
          },
        },
      };
    case 'apktool': {
      const values = { [path.split('/')[2] ?? 'values']: valuesXml({ filter_words: entries }, { app_name: 'Game' }) };
      return { format, spec: { entries: {}, resources: { packageName: list.origin, values } } };
    }
    case '.so':
      return { format, spec: at(readFileSync(buildNativeLib(entries))) };
    case '.lua':
      return { format, spec: at(luaSource(entries)) };
    case '.luac':
      return { format, spec: at(compileLua(luaSource(entries))) };
    default:
      return { format, spec: at(JSON.stringify(entries)) };
  }
}

/** Open-source lists for a chain: LISTS_PER_CHAIN lists chosen by hash, at most one per group. */
export function chainSubset(lists: RealList[], chain: string, n = LISTS_PER_CHAIN): RealList[] {
  const ranked = lists
    .filter((l) => l.source === 'open-source')
    .sort((a, b) => stableHash(`${chain}:${a.file}`) - stableHash(`${chain}:${b.file}`));
  const groups = new Set<string>();
  const out: RealList[] = [];
  for (const l of ranked) {
    if (out.length >= n) break;
    if (groups.has(l.group) || listEntries(l.text).length === 0) continue;
    groups.add(l.group);
    out.push(l);
  }
  return out;
}

export function buildPositives(
  lists: RealList[],
  opts: { perChain?: number; onBuilt?: () => void } = {},
): PositiveCase[] {
  const cases: PositiveCase[] = [];
  const add = (list: RealList, format: string, chain: string, spec: () => ApkSpec) => {
    const { apk, built } = cachedApk(spec, {
      name: `positive ${format} ${chain} ${list.apkPath}`,
      input: readFileSync(list.path),
    });
    if (built) opts.onBuilt?.();
    cases.push({ id: `${list.file} [${format}; ${chain}]`, list: list.file, group: list.group, format, chain, apk });
  };
  for (const list of lists) {
    if (list.source === 'game') {
      const asShipped = !list.apkPath.startsWith('jadx/') && !list.apkPath.startsWith('apktool/');
      if (asShipped)
        add(list, `${formatOf(list.apkPath)} (as extracted)`, 'plain', () => ({
          entries: { [list.apkPath]: readFileSync(list.path) },
        }));
      const format = rebuiltGameFormat(list);
      if (format) add(list, format, 'plain', () => (rebuiltGameSpec(list) as { spec: ApkSpec }).spec);
    } else {
      add(list, '.txt (open-source, plain asset)', 'plain', () => ({ entries: { [list.apkPath]: list.text } }));
    }
  }
  for (const chain of CHAINS) {
    const label = chainLabel(chain);
    for (const list of chainSubset(lists, label, opts.perChain)) {
      add(list, '.txt (open-source, encoded)', label, () => chain.build(list.text, listEntries(list.text)));
    }
  }
  return cases;
}
