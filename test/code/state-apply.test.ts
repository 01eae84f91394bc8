import { describe, expect, it } from 'vitest';
import { listMechanisms } from '../../src/code/list-mechanism.js';
import { buildCodeModel } from '../../src/code/model.js';
import { applyThroughState } from '../../src/code/state-apply.js';
import { DexFile } from '../../src/formats/dex.js';
import { DEFAULT_LIMITS } from '../../src/io/limits.js';
import { assembleSmali } from '../fixtures/smali.js';
import { prefsListSmali } from '../fixtures/smali/prefs-list.js';

const never = () => false;

/**
 * A list stored in a file and applied by code that only reads the file back: `load` opens the file a path
 * getter names ({files dir}/words), optionally splits it, and adds the entries to the set `s`; `bad` either
 * tests a text for each entry with String.contains or only looks the text up in the set.
 */
function app(opts: { split: boolean; matcher: 'substring' | 'lookup' }): ReturnType<typeof buildCodeModel> {
  const parse = opts.split
    ? `const-string v2, ","
    invoke-virtual {v1, v2}, Ljava/lang/String;->split(Ljava/lang/String;)[Ljava/lang/String;
    move-result-object v1
    const/4 v2, 0
    aget-object v3, v1, v2`
    : 'move-object v3, v1';
  const matcher =
    opts.matcher === 'substring'
      ? `sget-object v0, Lh/a;->s:Ljava/util/HashSet;
    invoke-virtual {v0}, Ljava/util/HashSet;->iterator()Ljava/util/Iterator;
    move-result-object v0
    invoke-interface {v0}, Ljava/util/Iterator;->next()Ljava/lang/Object;
    move-result-object v1
    check-cast v1, Ljava/lang/String;
    invoke-virtual {p0, v1}, Ljava/lang/String;->contains(Ljava/lang/CharSequence;)Z
    move-result v2
    return v2`
      : `sget-object v0, Lh/a;->s:Ljava/util/HashSet;
    invoke-virtual {v0, p0}, Ljava/util/HashSet;->contains(Ljava/lang/Object;)Z
    move-result v2
    return v2`;
  const smali = `.class public Lh/a;
.super Ljava/lang/Object;
.field public static s:Ljava/util/HashSet;

.method public static path(Landroid/content/Context;)Ljava/lang/String;
    .registers 3
    new-instance v0, Ljava/lang/StringBuilder;
    invoke-direct {v0}, Ljava/lang/StringBuilder;-><init>()V
    invoke-virtual {p0}, Landroid/content/Context;->getFilesDir()Ljava/io/File;
    move-result-object v1
    invoke-virtual {v0, v1}, Ljava/lang/StringBuilder;->append(Ljava/lang/Object;)Ljava/lang/StringBuilder;
    const-string v1, "/words"
    invoke-virtual {v0, v1}, Ljava/lang/StringBuilder;->append(Ljava/lang/String;)Ljava/lang/StringBuilder;
    invoke-virtual {v0}, Ljava/lang/StringBuilder;->toString()Ljava/lang/String;
    move-result-object v0
    return-object v0
.end method

.method public static read(Ljava/io/File;)Ljava/lang/String;
    .registers 2
    const-string v0, ""
    return-object v0
.end method

.method public static load(Landroid/content/Context;)V
    .registers 6
    new-instance v0, Ljava/io/File;
    invoke-static {p0}, Lh/a;->path(Landroid/content/Context;)Ljava/lang/String;
    move-result-object v1
    invoke-direct {v0, v1}, Ljava/io/File;-><init>(Ljava/lang/String;)V
    invoke-static {v0}, Lh/a;->read(Ljava/io/File;)Ljava/lang/String;
    move-result-object v1
    ${parse}
    sget-object v4, Lh/a;->s:Ljava/util/HashSet;
    invoke-virtual {v4, v3}, Ljava/util/HashSet;->add(Ljava/lang/Object;)Z
    return-void
.end method

.method public static bad(Ljava/lang/String;)Z
    .registers 4
    ${matcher}
.end method
`;
  return buildCodeModel([new DexFile(assembleSmali({ 'h/a': smali }), DEFAULT_LIMITS)], null);
}

describe('applying code reached through a stored list (smali fixtures assembled by Debian smali)', () => {
  it('names the method that matches text against entries read back from the file, with the path', () => {
    const r = applyThroughState(app({ split: true, matcher: 'substring' }), ['words'], { visits: 10_000 });
    expect(r.uses.map((u) => ({ method: u.method, how: u.how, path: u.path }))).toEqual([
      { method: 'Lh/a;->bad', how: ['substring'], path: ['Lh/a;->load', 'adds to field s → Lh/a;->bad'] },
    ]);
  });

  it('finds nothing for another file, for a set only looked up, or for entries that were not parsed', () => {
    const budget = () => ({ visits: 10_000 });
    expect(applyThroughState(app({ split: true, matcher: 'substring' }), ['hosts'], budget()).uses).toEqual([]);
    expect(applyThroughState(app({ split: true, matcher: 'lookup' }), ['words'], budget()).uses).toEqual([]);
    expect(applyThroughState(app({ split: false, matcher: 'substring' }), ['words'], budget()).uses).toEqual([]);
  });
});

describe('a list kept as a string in SharedPreferences (smali, shaped like Xiaomi ad blocker)', () => {
  const mechanisms = (loaderKey: string) => {
    const model = buildCodeModel([new DexFile(assembleSmali(prefsListSmali(loaderKey)), DEFAULT_LIMITS)], null);
    return listMechanisms(model, never, never);
  };

  it('follows the stored string from the loader through the listener that parses it to the matcher', () => {
    const [m, ...more] = mechanisms('kw_list');
    expect(more).toEqual([]);
    expect(m?.fetches.map((f) => f.url)).toEqual(['https://cfg.example/v2/kw']);
    expect(m?.storage.preferenceKeys.sort()).toEqual(['kw_list', 'kw_time']);
    // The set the listener fills is made by the constructor (`a = new HashSet()`): the read names it.
    expect(m?.apply).toEqual([
      {
        method: 'Ls/p/d;->b',
        how: ['substring'],
        content: ['text typed or shown in a view'],
        path: ['Ls/p/b;->a', 'virtual → Ls/p/d$1;->a', 'adds to field a → Ls/p/d;->b'],
      },
    ]);
  });

  it('links no code that reads the stored time back, though it parses what it is given into the set', () => {
    expect(mechanisms('kw_time')).toEqual([]);
  });
});
