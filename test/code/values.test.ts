import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildCodeModel, type CodeModel } from '../../src/code/model.js';
import { describe as describeValue, stringElements } from '../../src/code/semantics.js';
import { comparisonsOn } from '../../src/code/region-gate.js';
import { USE_BRANCH, constString, type Value } from '../../src/code/values.js';
import { DexFile } from '../../src/formats/dex.js';
import { DEFAULT_LIMITS } from '../../src/io/limits.js';
import { defined } from '../defined.js';
import { corpusFile } from '../helpers.js';
import { assembleSmali } from '../fixtures/smali.js';
import { AD_FILTER_SMALI } from '../fixtures/smali/adfilter.js';

const model = buildCodeModel([new DexFile(assembleSmali(AD_FILTER_SMALI), DEFAULT_LIMITS)], null);
const method = (m: CodeModel, name: string) => {
  const at = m.methodsNamed(name)[0];
  const x = at === undefined ? undefined : m.method(at);
  if (!x) throw new Error(`no method ${name}`);
  return x.id;
};
const summary = (name: string) => {
  const s = model.summary(method(model, name));
  if (!s) throw new Error(`no summary for ${name}`);
  return s;
};

describe('constant propagation (smali fixture assembled by Debian smali)', () => {
  it('rebuilds a URL from a constant of another class, a StringBuilder chain and an int', () => {
    const s = summary('Lx/q/b;->a');
    const url = s.calls.find((c) => c.callee === 'Ljava/net/URL;-><init>');
    expect(describeValue(s, url?.args[1])).toBe(
      'https://cfg.adsrv.example/v2/ad/fw?pkg={Context.getPackageName()}&ver=31',
    );
  });

  it('resolves constants written in <clinit> of a constants class, through sget in other classes', () => {
    expect(model.fieldConstant('Lx/q/a;->b:J')).toEqual({ k: 'num', v: 43_200_000 });
    expect(model.fieldConstant('Lx/q/a;->c:I')).toEqual({ k: 'num', v: 3 });
    const cmp = summary('Lx/q/g;->a').comparisons.find((c) => c.op === 0x31);
    expect(cmp?.right).toEqual({ k: 'num', v: 43_200_000 });
  });

  it('collects a country set filled by Set.add in <clinit> and the key passed by reflection', () => {
    expect(stringElements(model.fieldConstant('Lx/q/m;->a:Ljava/util/Set;'))).toHaveLength(27);
    const invoke = summary('Lx/q/l;->a').calls.find((c) => c.callee === 'Ljava/lang/reflect/Method;->invoke');
    const arr = invoke?.args[2];
    expect(arr?.k === 'arr' ? constString(arr.elems[0]) : null).toBe('ro.vendor.region');
  });

  it('does not take a field that ordinary code writes for a constant', () => {
    expect(model.fieldConstant('Lx/q/e;->n:I')).toBeUndefined();
  });
});

describe('branch joins', () => {
  const JOIN = {
    'j/a': `.class public Lj/a;
.super Ljava/lang/Object;
.method public static a(Z)V
    .locals 3
    const-string v0, "https://h.example/"
    if-eqz p0, :b
    const-string v1, "v3"
    const-string v2, "k"
    goto :join
    :b
    const-string v1, "v2"
    const-string v2, "k"
    :join
    invoke-static {v0, v1, v2}, Lj/a;->b(Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;)V
    return-void
.end method
.method public static b(Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;)V
    .locals 0
    return-void
.end method
.method public static c()V
    .locals 2
    const/4 v0, 0x0
    :loop
    const/16 v1, 0xa
    if-ge v0, v1, :end
    invoke-static {v0}, Lj/a;->d(I)V
    add-int/lit8 v0, v0, 0x1
    goto :loop
    :end
    return-void
.end method
.method public static d(I)V
    .locals 0
    return-void
.end method
.method public static e(I)V
    .locals 2
    packed-switch p0, :table
    const-string v1, "d.example"
    goto :join
    :one
    const-string v1, "a.example"
    goto :join
    :two
    const-string v1, "b.example"
    goto :join
    :three
    const-string v1, "c.example"
    :join
    invoke-static {v1}, Lj/a;->g(Ljava/lang/String;)V
    return-void
    :table
    .packed-switch 0x1
        :one
        :two
        :three
    .end packed-switch
.end method
.method public static f(Landroid/telephony/TelephonyManager;)Z
    .locals 2
    invoke-virtual {p0}, Landroid/telephony/TelephonyManager;->getSimOperator()Ljava/lang/String;
    move-result-object v0
    const/4 v1, 0x0
    const/4 p0, 0x3
    invoke-virtual {v0, v1, p0}, Ljava/lang/String;->substring(II)Ljava/lang/String;
    move-result-object v0
    invoke-static {v0}, Ljava/lang/Integer;->parseInt(Ljava/lang/String;)I
    move-result v0
    sparse-switch v0, :table
    const/4 v0, 0x0
    return v0
    :cn
    const/4 v0, 0x1
    return v0
    :table
    .sparse-switch
        0x1cc -> :cn
        0x1d2 -> :cn
    .end sparse-switch
.end method
.method public static g(Ljava/lang/String;)V
    .locals 0
    return-void
.end method
.field public static u:Ljava/lang/String;
.field public static w:Ljava/lang/String;
.method public static h(Z)V
    .locals 1
    const-string v0, "https://a.example/"
    sput-object v0, Lj/a;->u:Ljava/lang/String;
    if-eqz p0, :keep
    const-string v0, "https://b.example/"
    sput-object v0, Lj/a;->u:Ljava/lang/String;
    :keep
    sget-object v0, Lj/a;->u:Ljava/lang/String;
    invoke-static {v0}, Lj/a;->g(Ljava/lang/String;)V
    return-void
.end method
.method public static i(Z)V
    .locals 1
    if-eqz p0, :skip
    const-string v0, "https://c.example/"
    sput-object v0, Lj/a;->w:Ljava/lang/String;
    :skip
    sget-object v0, Lj/a;->w:Ljava/lang/String;
    invoke-static {v0}, Lj/a;->g(Ljava/lang/String;)V
    return-void
.end method
.method public static j()V
    .locals 1
    const-string v0, "https://d.example/"
    sput-object v0, Lj/a;->w:Ljava/lang/String;
    return-void
.end method
.field public static x:Ljava/lang/Runnable;
.method public static k()V
    .locals 1
    sget-object v0, Lj/a;->x:Ljava/lang/Runnable;
    if-nez v0, :have
    new-instance v0, Lj/b;
    invoke-direct {v0}, Lj/b;-><init>()V
    sput-object v0, Lj/a;->x:Ljava/lang/Runnable;
    :have
    sget-object v0, Lj/a;->x:Ljava/lang/Runnable;
    invoke-static {v0}, Lj/a;->l(Ljava/lang/Runnable;)V
    return-void
.end method
.method public static l(Ljava/lang/Runnable;)V
    .locals 0
    return-void
.end method
`,
  };
  const m = buildCodeModel([new DexFile(assembleSmali(JOIN), DEFAULT_LIMITS)], null);
  const call = (from: string, to: string) => {
    const s = m.summary(method(m, from));
    return defined(s?.calls.find((c) => c.callee === to));
  };

  it('keeps a value both arms agree on, and makes different constants a set instead of the last one', () => {
    const c = call('Lj/a;->a', 'Lj/a;->b');
    expect(c.args[0]).toEqual({ k: 'str', s: 'https://h.example/' });
    expect(c.args[2]).toEqual({ k: 'str', s: 'k' });
    expect(c.args[1]).toEqual({
      k: 'alt',
      opts: [
        { k: 'str', s: 'v2' },
        { k: 'str', s: 'v3' },
      ],
    });
  });

  it('starts each switch case from the registers at the switch and joins the cases where they meet', () => {
    const arg = call('Lj/a;->e', 'Lj/a;->g').args[0];
    expect(arg?.k).toBe('alt');
    const hosts = arg?.k === 'alt' ? arg.opts.map((o) => constString(o)).sort() : [];
    expect(hosts).toEqual(['a.example', 'b.example', 'c.example', 'd.example']);
    const sw = defined(m.summary(method(m, 'Lj/a;->e'))).comparisons.find((c) => c.op === 0x2b);
    expect(sw?.left).toEqual({ k: 'param', i: 0 });
    expect(sw?.right).toEqual({ k: 'alt', opts: [1, 2, 3].map((v) => ({ k: 'num', v })) });
  });

  it('takes a sparse switch on the SIM operator code for a comparison with each mobile country code', () => {
    const f = method(m, 'Lj/a;->f');
    const s = defined(m.summary(f));
    const op = defined(s.calls.find((c) => c.callee === 'Ljava/lang/Integer;->parseInt'));
    expect(op.use & USE_BRANCH).toBe(USE_BRANCH);
    expect(comparisonsOn(m, [{ method: f, via: 'source' }]).comparisons).toEqual([
      'compared with MCC 460',
      'compared with MCC 466',
    ]);
  });

  it('reads a field the method wrote in one arm only as either value after the arms meet', () => {
    // Written before the branch and again in one arm: the read after the join is one of the two URLs.
    const both = call('Lj/a;->h', 'Lj/a;->g').args[0];
    expect(both?.k === 'alt' ? both.opts.map((o) => constString(o)).sort() : both).toEqual([
      'https://a.example/',
      'https://b.example/',
    ]);
    // Written in one arm only, and by another method with another value: what the field held on entry.
    expect(call('Lj/a;->i', 'Lj/a;->g').args[0]).toEqual({ k: 'field', field: 'Lj/a;->w:Ljava/lang/String;' });
    // Made only when the field is empty: the field holds that object, or one made the same way before.
    const lazy = call('Lj/a;->k', 'Lj/a;->l').args[0];
    expect(lazy?.k === 'obj' ? lazy.cls : lazy).toBe('Lj/b;');
  });

  it('does not take the entry value of a loop counter for a constant inside the loop', () => {
    expect(call('Lj/a;->c', 'Lj/a;->d').args[0]).toEqual({ k: 'unknown' });
  });
});

describe('field def-use', () => {
  it('knows who writes the list-holding field and who reads it', () => {
    expect(model.fieldWriters('Lx/q/d;->a:Ljava/util/Set;').map((id) => model.name(id))).toEqual(['Lx/q/c;->a']);
    expect(model.fieldReaders('Lx/q/d;->a:Ljava/util/Set;').map((id) => model.name(id))).toEqual(['Lx/q/d;->a']);
  });
});

describe('asynchronous edges', () => {
  const edges = (from: string) =>
    model.out(method(model, from)).map((e) => `${e.kind} ${model.name(e.to)}${e.via ? ` via ${e.via}` : ''}`);
  it('links a Runnable given to an executor, a Handler message and a receiver registered in code', () => {
    expect(edges('Lx/q/g;->a')).toContain('async Lx/q/g$1;->run via Ljava/util/concurrent/Executor;->execute');
    expect(edges('Lx/q/e;->a')).toContain(
      'async Lx/q/e;->handleMessage via Landroid/os/Handler;->sendEmptyMessageDelayed',
    );
    expect(edges('Lx/q/i;->onCreate')).toContain(
      'async Lx/q/h;->onReceive via Landroid/content/Context;->registerReceiver',
    );
    expect(model.receivers.map((r) => [model.name(r.method), r.actions])).toEqual([
      ['Lx/q/h;->onReceive', ['android.net.conn.CONNECTIVITY_CHANGE']],
    ]);
    expect(model.entries.get(method(model, 'Lx/q/i;->onCreate'))).toBe('app-init');
  });
});

describe('field constants do not depend on the order of queries', () => {
  // RFC 7540 §7: the HTTP/2 error codes okhttp's ErrorCode enum is built from, in declaration order.
  const HTTP2_ERRORS: Array<[string, number]> = [
    ['NO_ERROR', 0],
    ['PROTOCOL_ERROR', 1],
    ['INTERNAL_ERROR', 2],
    ['FLOW_CONTROL_ERROR', 3],
    ['REFUSED_STREAM', 7],
    ['CANCEL', 8],
  ];
  const ERROR_CODE = 'Lokhttp3/internal/http2/ErrorCode;';
  const VALUES = `${ERROR_CODE}->$VALUES:[${ERROR_CODE}`;
  const fresh = () =>
    buildCodeModel([new DexFile(readFileSync(corpusFile('okhttp.d8.038.dex')), DEFAULT_LIMITS)], null);
  const errors = (v: Value | undefined) =>
    v?.k === 'arr'
      ? v.elems.map((e) => {
          const [name, , code] = e.k === 'obj' ? e.ctor : [];
          return [name && constString(name), code?.k === 'num' ? code.v : null];
        })
      : [];

  it("reads a real enum's $VALUES as the constants its <clinit> has just made, whichever is asked first", () => {
    const valuesFirst = fresh();
    const valuesOnce = valuesFirst.fieldConstant(VALUES);
    const constantFirst = fresh();
    constantFirst.fieldConstant(`${ERROR_CODE}->CANCEL:${ERROR_CODE}`);
    for (const v of [valuesOnce, constantFirst.fieldConstant(VALUES)])
      expect(errors(v).slice(0, HTTP2_ERRORS.length)).toEqual(HTTP2_ERRORS);
  });

  // Two initialisers that read each other's fields: a is b's "y"; c is a read back while a is being made.
  const CYCLE = {
    'c/a': `.class public Lc/a;
.super Ljava/lang/Object;
.field public static a:Ljava/lang/String;
.method static constructor <clinit>()V
    .registers 1
    sget-object v0, Lc/b;->b:Ljava/lang/String;
    sput-object v0, Lc/a;->a:Ljava/lang/String;
    return-void
.end method`,
    'c/b': `.class public Lc/b;
.super Ljava/lang/Object;
.field public static b:Ljava/lang/String;
.field public static c:Ljava/lang/String;
.method static constructor <clinit>()V
    .registers 1
    const-string v0, "y"
    sput-object v0, Lc/b;->b:Ljava/lang/String;
    sget-object v0, Lc/a;->a:Ljava/lang/String;
    sput-object v0, Lc/b;->c:Ljava/lang/String;
    return-void
.end method`,
  };
  const cycleModel = () => buildCodeModel([new DexFile(assembleSmali(CYCLE), DEFAULT_LIMITS)], null);

  it('answers the same for initialisers in a cycle, whichever field is asked first', () => {
    const aFirst = cycleModel();
    const a1 = aFirst.fieldConstant('Lc/a;->a:Ljava/lang/String;');
    const c1 = aFirst.fieldConstant('Lc/b;->c:Ljava/lang/String;');
    const cFirst = cycleModel();
    const c2 = cFirst.fieldConstant('Lc/b;->c:Ljava/lang/String;');
    const a2 = cFirst.fieldConstant('Lc/a;->a:Ljava/lang/String;');
    expect(constString(a1)).toBe('y');
    expect(a2).toEqual(a1);
    expect(c2).toEqual(c1);
  });
});
