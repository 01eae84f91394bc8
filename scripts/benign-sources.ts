import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { BenignSource } from '../src/lexicon/list-model.js';

/**
 * Real benign vocabulary from Debian packages, read where the packages install it. The list model is
 * fitted on these (scripts/fit-list-model.ts); each source names its package so that a fit says what it
 * was measured on. Sources whose package is not installed are skipped and reported.
 */

export interface BenignSourceSpec {
  name: string;
  debianPackage: string;
  licence: string;
  read(): string[];
}

const lines = (path: string) => readFileSync(path, 'utf8').split('\n');

function cldrNames(path: string): string[] {
  const xml = readFileSync(path, 'utf8');
  const out: string[] = [];
  // Display names of languages, scripts, territories, currencies, zones and units: the vocabulary of pickers.
  for (const m of xml.matchAll(
    /<(language|script|territory|variant|key|type|displayName|exemplarCity|unitPattern)\b[^>]*>([^<]+)</g,
  )) {
    out.push(m[2]!.trim());
  }
  return out;
}

export const BENIGN_SOURCES: BenignSourceSpec[] = [
  {
    name: 'jieba-dict',
    debianPackage: 'python3-jieba',
    licence: 'Expat',
    read: () => lines('/usr/lib/python3/dist-packages/jieba/dict.txt').map((l) => l.split(' ')[0] ?? ''),
  },
  {
    name: 'rime-essay',
    debianPackage: 'librime-data',
    licence: 'LGPL-3',
    read: () => lines('/usr/share/rime-data/essay.txt').map((l) => l.split('\t')[0] ?? ''),
  },
  {
    name: 'wamerican',
    debianPackage: 'wamerican',
    licence: 'public domain (SCOWL)',
    read: () => lines('/usr/share/dict/american-english'),
  },
  {
    name: 'cldr-zh-names',
    debianPackage: 'unicode-cldr-core',
    licence: 'Unicode-DFS-2016',
    read: () =>
      ['zh.xml', 'zh_Hant.xml', 'zh_Hant_HK.xml', 'en.xml'].flatMap((f) =>
        cldrNames(`/usr/share/unicode/cldr/common/main/${f}`),
      ),
  },
];

export function packageVersion(pkg: string): string | null {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

export function availableBenignSources(): {
  sources: Array<BenignSource & { spec: BenignSourceSpec }>;
  missing: string[];
} {
  const sources: Array<BenignSource & { spec: BenignSourceSpec }> = [];
  const missing: string[] = [];
  for (const spec of BENIGN_SOURCES) {
    if (!packageVersion(spec.debianPackage)) {
      missing.push(spec.debianPackage);
      continue;
    }
    try {
      sources.push({ name: spec.name, entries: spec.read().filter((e) => e.trim().length > 0), spec });
    } catch {
      missing.push(spec.debianPackage);
    }
  }
  return { sources, missing };
}
