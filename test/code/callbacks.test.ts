import { describe, expect, it } from 'vitest';
import { calleesOrTasks, callersOrCreators } from '../../src/code/callbacks.js';
import { buildCodeModel } from '../../src/code/model.js';
import { numberIn } from '../../src/code/semantics.js';
import { DexFile } from '../../src/formats/dex.js';
import { DEFAULT_LIMITS } from '../../src/io/limits.js';
import { defined } from '../defined.js';
import { assembleSmali } from '../fixtures/smali.js';

/**
 * A Runnable handed through the app's own thread helper (`t/a.post`), which gives it to a Handler: the
 * model links the helper's Handler call, but the helper's parameter names no class. And a retry count
 * compared with a constant read through a synthetic getter.
 */
const SOURCES: Record<string, string> = {
  't/a': `.class public Lt/a;
.super Ljava/lang/Object;
.field private static a:Landroid/os/Handler;
.method public static post(Ljava/lang/Runnable;)V
    .locals 1
    sget-object v0, Lt/a;->a:Landroid/os/Handler;
    invoke-virtual {v0, p0}, Landroid/os/Handler;->post(Ljava/lang/Runnable;)Z
    return-void
.end method
`,
  't/b': `.class public Lt/b;
.super Ljava/lang/Object;
.implements Ljava/lang/Runnable;
.method public constructor <init>()V
    .locals 0
    invoke-direct {p0}, Ljava/lang/Object;-><init>()V
    return-void
.end method
.method public run()V
    .locals 0
    return-void
.end method
`,
  't/c': `.class public Lt/c;
.super Ljava/lang/Object;
.field private static final MAX:I = 0x3
.method public static start()V
    .locals 1
    new-instance v0, Lt/b;
    invoke-direct {v0}, Lt/b;-><init>()V
    invoke-static {v0}, Lt/a;->post(Ljava/lang/Runnable;)V
    return-void
.end method
.method static synthetic access$000()I
    .locals 1
    sget v0, Lt/c;->MAX:I
    return v0
.end method
.method public static retry(I)V
    .locals 1
    invoke-static {}, Lt/c;->access$000()I
    move-result v0
    if-ge p0, v0, :stop
    invoke-static {}, Lt/c;->start()V
    :stop
    return-void
.end method
`,
};

describe('callbacks handed through app helpers (assembled by Debian smali)', () => {
  const model = buildCodeModel([new DexFile(assembleSmali(SOURCES), DEFAULT_LIMITS)], null);
  const id = (name: string) => defined(model.methodsNamed(name)[0], name);

  it('leads from the method that creates a Runnable to its run, and back', () => {
    expect(model.in(id('Lt/b;->run'))).toEqual([]);
    const down = calleesOrTasks(model, id('Lt/c;->start'));
    expect(down.filter((e) => e.kind === 'created').map((e) => model.name(e.to))).toEqual(['Lt/b;->run']);
    expect(callersOrCreators(model, id('Lt/b;->run')).map((e) => [model.name(e.to), e.kind])).toEqual([
      ['Lt/c;->start', 'created'],
    ]);
    // A method with callers keeps them: creators stand in only where no call reaches.
    expect(callersOrCreators(model, id('Lt/a;->post')).map((e) => e.kind)).toEqual(['call']);
  });

  it('reads the constant a getter returns in a comparison', () => {
    const s = defined(model.summary(id('Lt/c;->retry')));
    const cmp = defined(s.comparisons.find((c) => c.op === 0x35));
    expect(cmp.right.k).toBe('ret');
    expect(numberIn(model, s, cmp.right)).toBe(3);
    expect(numberIn(model, s, cmp.left)).toBeNull();
  });
});
