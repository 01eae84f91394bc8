/**
 * Prints the 30 lists of the label review (eval/real/LABELS.md), a spread of entries each:
 * `npx tsx eval/real/review.ts`.
 */
import { loadRealLists, stableHash } from './corpus.js';
import { labelList, listEntries } from './labels.js';
const ls = loadRealLists();
const pick = [...ls].sort((a, b) => stableHash('review:' + a.file) - stableHash('review:' + b.file)).slice(0, 30);
for (const l of pick) {
  const lab = labelList(l);
  const e = listEntries(l.text);
  // a spread sample: every k-th entry
  const k = Math.max(1, Math.floor(e.length / 30));
  console.log(
    `## ${l.file.slice(-50)} group=${l.group} n=${lab.entries} ` +
      `anchors=${lab.anchors.length} political=${lab.political}`,
  );
  console.log(
    e
      .filter((_, i) => i % k === 0)
      .slice(0, 30)
      .join(' | ')
      .slice(0, 400),
  );
}
