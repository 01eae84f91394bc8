import type { Location } from '../model.js';

/**
 * Names that developers give keyword lists and the code around them: weak evidence, never a verdict on
 * its own. Matched in the file name, class and method of a list's location, split at camel case, `_`,
 * `-`, `.` and `/` so that `SensitiveWordConfig.luac`, `kw_keyword.csv` and `minGanCai.txt` all count.
 */
const LIST_NAME_WORDS: ReadonlyArray<[RegExp, string]> = [
  [/^sensitiv/, 'sensitive'],
  [/^sensi$/, 'sensitive'],
  [/^sense$/, 'sensitive'],
  [/^badwords?$/, 'badword'],
  [/^dirty(words?)?$/, 'dirty'],
  [/^illegal(words?)?$/, 'illegal'],
  [/^(forbid|forbidden)(words?)?$/, 'forbidden'],
  [/^censor/, 'censor'],
  [/^(mingan|mingc)/, 'mingan'],
  [/^(shield|shielding|pingbi)$/, 'shield'],
  [/^(blacklist|blocklist|blackwords?)$/, 'blacklist'],
  [/^(keywords?|kw)$/, 'keyword'],
  [/^(filter|filters|wordfilter|strfilter|textfilter)$/, 'filter'],
  [/^(profanity|swear|obscene|naughty|taboo|banned|banwords?)/, 'profanity'],
];
const CJK_NAME_WORDS: ReadonlyArray<[RegExp, string]> = [
  [/敏感/, 'sensitive'],
  [/屏蔽/, 'shield'],
  [/过滤|過濾/, 'filter'],
  [/违禁|違禁/, 'forbidden'],
  [/脏话|髒話/, 'dirty'],
];

export function listNameSignals(location: Location): string[] {
  const inner = location.path.slice(location.path.lastIndexOf('!/') + 1);
  const raw = [inner, location.className ?? '', location.method ?? ''].join('/');
  const words = raw
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9\u3400-\u9fff]+/)
    .filter((w) => w.length > 0);
  const out = new Set<string>();
  for (const w of words) {
    // `black` + `list`, `bad` + `word` arrive split by the camel-case step: join adjacent pairs as well.
    for (const [re, name] of LIST_NAME_WORDS) if (re.test(w)) out.add(name);
  }
  for (let i = 0; i + 1 < words.length; i++) {
    const pair = words[i]! + words[i + 1]!;
    for (const [re, name] of LIST_NAME_WORDS) if (re.test(pair)) out.add(name);
  }
  for (const [re, name] of CJK_NAME_WORDS) if (re.test(raw)) out.add(name);
  return [...out].sort();
}
