import { readFileSync } from 'node:fs';
import { loadDefaultLexicon } from './src/lexicon/lexicon.js';
import { normalizeTerms } from './src/lexicon/normalize.js';
export function benignSources(): Array<{ name: string; entries: string[] }> {
  const jieba = readFileSync('/usr/lib/python3/dist-packages/jieba/dict.txt', 'utf8').split('\n').map((l) => l.split(' ')[0]).filter(Boolean);
  const essay = readFileSync('/usr/share/rime-data/essay.txt', 'utf8').split('\n').map((l) => l.split('\t')[0]).filter(Boolean);
  const words = readFileSync('/usr/share/dict/american-english', 'utf8').split('\n').filter(Boolean);
  return [{ name: 'jieba', entries: jieba }, { name: 'rime-essay', entries: essay }, { name: 'wamerican', entries: words }];
}
if (process.argv[2] === 'terms') {
  const lex = loadDefaultLexicon();
  const counts = new Map<string, { n: number; src: Set<string>; cat: string; weak: boolean; ex: string[] }>();
  let total = 0;
  for (const s of benignSources()) {
    const norm = normalizeTerms(s.entries);
    total += norm.length;
    for (let i = 0; i < norm.length; i++) {
      const hits = lex.matchNormalized(norm[i]);
      const seen = new Set<string>();
      for (const h of hits) {
        if (seen.has(h.entry.term)) continue; seen.add(h.entry.term);
        const c = counts.get(h.entry.term) ?? { n: 0, src: new Set(), cat: h.entry.category, weak: h.entry.weak, ex: [] };
        c.n++; c.src.add(s.name); if (c.ex.length < 4) c.ex.push(s.entries[i]);
        counts.set(h.entry.term, c);
      }
    }
  }
  console.log('total', total);
  for (const [t, c] of [...counts].sort((a, b) => b[1].n - a[1].n)) console.log(c.n, c.weak ? '~' : ' ', c.cat, t, [...c.src].join(','), c.ex.join(' / '));
}
