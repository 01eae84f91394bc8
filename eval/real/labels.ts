import type { RealList } from './corpus.js';

/**
 * Ground truth for the real lists, made without Candor's lexicon or list splitter: each list's own entry
 * count, and whether it is a political list by a small hand-written anchor set.
 *
 * Entry count: every file of the development set, games included, is text with one entry per line (Citizen
 * Lab extracted the lists out of the shipped .so/.luac/Unity files). The count is the number of distinct
 * non-empty lines after trimming white space and a byte-order mark. Files made of regular expressions
 * (alternations like `毛[^一-龥]*[泽澤]…|…`) have no countable entries: their count is `null` (undetermined)
 * and the term-count criterion does not apply to them.
 *
 * Political: a list is political when its entries contain at least POLITICAL_MIN_ANCHORS distinct anchors.
 * The anchors were written by hand from general knowledge of what Chinese political censorship targets
 * (leaders, the party, 1989, Falun Gong, Tibet/Xinjiang/Taiwan independence, dissidents, banned media),
 * not taken from data/lexicon/terms.txt; each anchor has its Simplified and Traditional spelling and counts
 * once. Unambiguous only: words like 政府 (government), 中国, 西藏 or 台湾, common in benign text, are not
 * anchors. Verified by reading 30 randomly chosen lists (eval/real/LABELS.md).
 */

export const POLITICAL_ANCHORS: string[][] = [
  ['法轮', '法輪'],
  ['六四', '6四', '六4'],
  ['达赖', '達賴'],
  ['藏独', '藏獨'],
  ['台独', '台獨', '臺獨'],
  ['疆独', '疆獨'],
  ['天安门事件', '天安門事件'],
  ['民运', '民運'],
  ['共产党', '共產黨'],
  ['习近平', '習近平'],
  ['胡锦涛', '胡錦濤'],
  ['江泽民', '江澤民'],
  ['温家宝', '溫家寶'],
  ['中南海'],
  ['李洪志'],
  ['刘晓波', '劉曉波'],
  ['东突', '東突'],
  ['大纪元', '大紀元'],
  ['薄熙来', '薄熙來'],
  ['魏京生'],
  ['王丹'],
  ['反共'],
  ['中共'],
  ['毛泽东', '毛澤東'],
  ['邓小平', '鄧小平'],
  ['李鹏', '李鵬'],
  ['赵紫阳', '趙紫陽'],
  ['学潮', '學潮'],
  ['新唐人'],
  ['法会', '法會'],
];

export const POLITICAL_MIN_ANCHORS = 3;

/** Lines that are regular expressions rather than entries: character classes, groups, lazy repeats. */
const REGEX_LINE = /\[\^|\]\{|\]\*|\.\*|\.\{\d|\(\?|\)\||\|\(|\]\?/;

export interface ListLabel {
  file: string;
  group: string;
  source: RealList['source'];
  /** Distinct non-empty lines; null when the file is made of regular expressions. */
  entries: number | null;
  anchors: string[];
  political: boolean;
}

export function listEntries(text: string): string[] {
  const seen = new Set<string>();
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)) {
    const line = raw.replace(/^\uFEFF/, '').trim();
    if (line.length > 0) seen.add(line);
  }
  return [...seen];
}

export function isRegexList(entries: string[]): boolean {
  if (entries.length === 0) return false;
  const regex = entries.filter((e) => REGEX_LINE.test(e)).length;
  return regex / entries.length >= 0.2;
}

export function anchorsIn(entries: string[]): string[] {
  const found: string[] = [];
  for (const forms of POLITICAL_ANCHORS) {
    const [canonical] = forms;
    if (canonical !== undefined && entries.some((e) => forms.some((f) => e.includes(f)))) found.push(canonical);
  }
  return found;
}

export function labelList(list: RealList): ListLabel {
  const entries = listEntries(list.text);
  const anchors = anchorsIn(entries);
  return {
    file: list.file,
    group: list.group,
    source: list.source,
    entries: isRegexList(entries) ? null : entries.length,
    anchors,
    political: anchors.length >= POLITICAL_MIN_ANCHORS,
  };
}
