import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { walkCode } from '../../src/code/dalvik.js';
import { buildCodeModel, type CodeModel } from '../../src/code/model.js';
import { DexFile } from '../../src/formats/dex.js';
import { DEFAULT_LIMITS } from '../../src/io/limits.js';
import { androguardFiles, corpusFile, requireTool } from '../helpers.js';
import { assembleSmali } from '../fixtures/smali.js';

/** Instructions per opcode name as dexdump disassembles them (payload pseudo-instructions left out). */
function dexdumpOpcodes(path: string): Map<string, number> {
  const r = spawnSync('dexdump', ['-d', path], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const counts = new Map<string, number>();
  for (const l of r.stdout.split('\n')) {
    const m = /^[0-9a-f]{6}: [0-9a-f ]+\| ?[0-9a-f]{4}: ([a-z0-9/-]+)/.exec(l);
    const op = m?.[1];
    if (!op || ['array-data', 'packed-switch-data', 'sparse-switch-data'].includes(op)) continue;
    counts.set(op, (counts.get(op) ?? 0) + 1);
  }
  return counts;
}

const OPCODE_NAMES: Record<number, string> = {
  0x1a: 'const-string',
  0x22: 'new-instance',
  0x26: 'fill-array-data',
  0x6e: 'invoke-virtual',
  0x70: 'invoke-direct',
  0x71: 'invoke-static',
  0x72: 'invoke-interface',
  0x12: 'const/4',
  0x18: 'const-wide',
  0x38: 'if-eqz',
  0x5b: 'iput-object',
  0x62: 'sget-object',
  0xfc: 'invoke-custom',
};

function dexOf(path: string): DexFile {
  return new DexFile(readFileSync(path), DEFAULT_LIMITS);
}

const edgesFrom = (m: CodeModel, name: string, kind?: string) =>
  m.methodsNamed(name).flatMap((id) =>
    m
      .out(id)
      .filter((e) => !kind || e.kind === kind)
      .map((e) => m.name(e.to)),
  );

describe('Dalvik decoder', () => {
  requireTool('dexdump');
  it('visits every instruction dexdump disassembles, opcode by opcode, in real DEX files', () => {
    const files = [corpusFile('okhttp.d8.038.dex'), corpusFile('classes.dex'), ...androguardFiles('.dex').slice(0, 6)];
    const mismatches: string[] = [];
    for (const p of files) {
      const dex = dexOf(p);
      const mine = new Map<number, number>();
      for (const b of dex.codeBodies()) {
        walkCode(dex.buf, b.codeOff, (i) => {
          mine.set(i.op, (mine.get(i.op) ?? 0) + 1);
        });
      }
      const ref = dexdumpOpcodes(p);
      let total = 0;
      for (const n of mine.values()) total += n;
      let refTotal = 0;
      for (const n of ref.values()) refTotal += n;
      if (total !== refTotal) mismatches.push(`${basename(p)}: ${total} instructions, dexdump ${refTotal}`);
      for (const [op, name] of Object.entries(OPCODE_NAMES)) {
        if ((mine.get(Number(op)) ?? 0) !== (ref.get(name) ?? 0))
          mismatches.push(`${basename(p)} ${name}: ${mine.get(Number(op)) ?? 0}/${ref.get(name) ?? 0}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe('call graph on real OkHttp', () => {
  const model = buildCodeModel([dexOf(corpusFile('okhttp.d8.038.dex'))], null);

  it('resolves the interface call of the interceptor chain to every interceptor OkHttp instantiates', () => {
    const targets = edgesFrom(model, 'Lokhttp3/internal/http/RealInterceptorChain;->proceed', 'virtual');
    expect(targets).toEqual(
      expect.arrayContaining([
        'Lokhttp3/internal/http/RetryAndFollowUpInterceptor;->intercept',
        'Lokhttp3/internal/http/BridgeInterceptor;->intercept',
        'Lokhttp3/internal/cache/CacheInterceptor;->intercept',
        'Lokhttp3/internal/connection/ConnectInterceptor;->intercept',
        'Lokhttp3/internal/http/CallServerInterceptor;->intercept',
      ]),
    );
  });

  it('links an AsyncCall handed to an executor to the run() it inherits', () => {
    const at = model.methodsNamed('Lokhttp3/RealCall$AsyncCall;->executeOn')[0];
    const m = at === undefined ? undefined : model.method(at);
    expect(m).toBeDefined();
    const e = model.out((m as { id: number }).id).find((x) => x.kind === 'async');
    expect(e && model.name(e.to)).toBe('Lokhttp3/internal/NamedRunnable;->run');
    expect(e?.via).toBe('Ljava/util/concurrent/Executor;->execute');
  });

  it('indexes library calls under the framework names of their classes', () => {
    expect(model.apiCallers('Ljava/util/concurrent/Executor;->execute').map((id) => model.name(id))).toContain(
      'Lokhttp3/RealCall$AsyncCall;->executeOn',
    );
  });
});

describe('asynchronous edges linked on demand', () => {
  const path = androguardFiles('.dex').find((p) => p.endsWith('TestsAnnotation/classes.dex'));
  if (!path) throw new Error('androguard example TestsAnnotation/classes.dex missing');
  const asyncKey = (from: number, to: number, pc: number, via?: string) => `${from}>${to}@${pc}:${via ?? ''}`;

  it("finds a method's async callers when asked for callers first, as when every caller's calls are read", () => {
    const callersFirst = buildCodeModel([dexOf(path)], null);
    const intoFirst = new Set<string>();
    for (let id = 0; id < callersFirst.methodCount; id++)
      for (const e of callersFirst.in(id)) if (e.kind === 'async') intoFirst.add(asyncKey(e.to, id, e.pc, e.via));
    const callsFirst = buildCodeModel([dexOf(path)], null);
    const fromCalls = new Set<string>();
    for (let id = 0; id < callsFirst.methodCount; id++)
      for (const e of callsFirst.out(id)) if (e.kind === 'async') fromCalls.add(asyncKey(id, e.to, e.pc, e.via));
    expect(fromCalls.size).toBeGreaterThan(100);
    expect([...intoFirst].sort()).toEqual([...fromCalls].sort());
  });

  it('links a callback held by a field its constructor fills (AnimatedVectorDrawableCompat.mCallback)', () => {
    const model = buildCodeModel([dexOf(path)], null);
    const cb = 'Landroid/support/graphics/drawable/AnimatedVectorDrawableCompat$1;';
    const [target] = model.classMethods(cb).filter((id) => model.method(id).name === 'scheduleDrawable');
    expect(target).toBeDefined();
    const callers = model
      .in(target as number)
      .filter((e) => e.kind === 'async')
      .map((e) => `${model.name(e.to)} via ${e.via}`);
    expect(callers).toContain(
      'Landroid/support/graphics/drawable/AnimatedVectorDrawableCompat$AnimatedVectorDrawableDelegateState;' +
        '->newDrawable via Landroid/graphics/drawable/Drawable;->setCallback',
    );
  });
});

describe('an app of several DEX files (smali, assembled per file)', () => {
  const cls = (name: string, body: string, sup = 'Ljava/lang/Object;') =>
    `.class public L${name};\n.super ${sup}\n${body}`;
  // DEX 1 defines the callee, a subclass overriding a method of a DEX 0 class, and a name DEX 0 lacks.
  const first = {
    'm/a/A': cls(
      'm/a/A',
      `
.method public static go(Lm/a/B;)V
    .locals 0
    invoke-static {}, Lm/b/C;->onlyInSecond()V
    invoke-virtual {p0}, Lm/a/B;->run()V
    return-void
.end method
`,
    ),
    'm/a/B': cls(
      'm/a/B',
      `
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
    ),
  };
  const second = {
    'm/b/C': cls(
      'm/b/C',
      `
.method public static onlyInSecond()V
    .locals 1
    new-instance v0, Lm/b/D;
    invoke-direct {v0}, Lm/b/D;-><init>()V
    invoke-static {}, Landroid/os/Process;->myPid()I
    return-void
.end method
`,
    ),
    'm/b/D': cls(
      'm/b/D',
      `
.method public constructor <init>()V
    .locals 0
    invoke-direct {p0}, Lm/a/B;-><init>()V
    return-void
.end method
.method public run()V
    .locals 0
    return-void
.end method
`,
      'Lm/a/B;',
    ),
  };

  it('links calls, overrides and names across the files as one app', () => {
    const dexes = [first, second].map((s) => new DexFile(assembleSmali(s), DEFAULT_LIMITS));
    const model = buildCodeModel(dexes, null, DEFAULT_LIMITS);
    const [go] = model.methodsNamed('Lm/a/A;->go');
    const callees = model.out(go!).map((e) => `${e.kind} ${model.name(e.to)}`);
    // The static call lands in the second file; the virtual call reaches B.run and D.run, which the
    // second file defines as an override of a class of the first.
    expect(callees.sort()).toEqual(['call Lm/a/B;->run', 'call Lm/b/C;->onlyInSecond', 'virtual Lm/b/D;->run']);
    expect(model.methodsNamed('Lm/b/C;->onlyInSecond')).toHaveLength(1);
    expect(model.ancestors('Lm/b/D;')).toContain('Lm/a/B;');
    expect(model.apiCallers('Landroid/os/Process;->myPid').map((id) => model.name(id))).toEqual([
      'Lm/b/C;->onlyInSecond',
    ]);
    // Both files hold run()V: one signature for both, so a name of either file is found by its value.
    const d = model.method(model.methodsNamed('Lm/b/D;->run')[0]!);
    expect([d.name, d.proto]).toEqual(['run', '()V']);
  });
});
