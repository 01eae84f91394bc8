import { describe, expect, it } from 'vitest';
import { classFieldAnnotations } from '../../src/code/annotations.js';
import { annotatedJsonNames, boundType, signatureClasses } from '../../src/code/bound-types.js';
import { buildCodeModel } from '../../src/code/model.js';
import { retrofitEndpoints } from '../../src/code/retrofit.js';
import { DexFile } from '../../src/formats/dex.js';
import { DEFAULT_LIMITS } from '../../src/io/limits.js';
import { defined } from '../defined.js';
import { assembleSmali } from '../fixtures/smali.js';
import { BOUND_GUARD_SMALI } from '../fixtures/smali/bound.js';

const STR = 'Ljava/lang/String;';
/** Binding annotations of the other libraries, a static and an unannotated field, a suspend service method. */
const MORE: Record<string, string> = {
  'q/y/a': `.class public Lq/y/a;
.super Ljava/lang/Object;
.field public static s:I
.field public a:${STR}
    .annotation runtime Lcom/google/gson/annotations/SerializedName;
        value = "w"
        alternate = { "words", "kw" }
    .end annotation
.end field
.field public b:${STR}
    .annotation runtime Lcom/squareup/moshi/Json;
        name = "ttl"
    .end annotation
.end field
.field public c:${STR}
    .annotation runtime Lcom/fasterxml/jackson/annotation/JsonProperty;
        value = "ver"
    .end annotation
.end field
.field public hosts:Ljava/util/Set;
`,
  'q/y/b': `.class public interface abstract Lq/y/b;
.super Ljava/lang/Object;
.method public abstract a(${STR}Lkotlin/coroutines/Continuation;)Ljava/lang/Object;
    .annotation system Ldalvik/annotation/Signature;
        value = {
            "(",
            "${STR}",
            "Lkotlin/coroutines/Continuation<",
            "-",
            "Lq/y/a;",
            ">;)",
            "Ljava/lang/Object;"
        }
    .end annotation
    .annotation runtime Lretrofit2/http/GET;
        value = "v1/w"
    .end annotation
.end method
`,
};

describe('JSON keys of classes bound by Gson, Moshi or Jackson (assembled by Debian smali)', () => {
  const dex = new DexFile(assembleSmali({ ...BOUND_GUARD_SMALI, ...MORE }), DEFAULT_LIMITS);
  const model = buildCodeModel([dex], null);

  it('reads field annotations, with the generic signature of a list field', () => {
    const classDef = (desc: string) => dex.classDefs.findIndex((_, c) => dex.classDescriptor(c) === desc);
    const read = (desc: string) =>
      new Map([...classFieldAnnotations(dex, classDef(desc))].map(([idx, a]) => [dex.fieldSignature(idx), a]));
    const byField = new Map([...read('Lq/w/c;'), ...read('Lq/y/a;')]);
    // A set is sorted by type index (the DEX format's order), not the source's.
    const list = defined(byField.get('Lq/w/c;->a:Ljava/util/List;'));
    expect([...list].sort((a, b) => a.type.localeCompare(b.type))).toEqual([
      { type: 'Lcom/google/gson/annotations/SerializedName;', values: { value: ['words'] } },
      { type: 'Ldalvik/annotation/Signature;', values: { value: ['Ljava/util/List<', STR, '>;'] } },
    ]);
    expect(byField.has('Lq/y/a;->hosts:Ljava/util/Set;')).toBe(false);
  });

  it('gives no field annotations for a damaged directory or a spent bound, without throwing', () => {
    const bytes = assembleSmali({ ...BOUND_GUARD_SMALI, ...MORE });
    const c = new DexFile(bytes, DEFAULT_LIMITS).classDefs.length;
    const broken = Buffer.from(bytes);
    const classDefs = broken.readUInt32LE(0x64);
    for (let k = 0; k < c; k++) broken.writeUInt32LE(broken.length - 2, classDefs + k * 32 + 20);
    const damaged = new DexFile(broken, DEFAULT_LIMITS);
    for (let k = 0; k < c; k++) expect(classFieldAnnotations(damaged, k).size).toBe(0);
    const spent = new DexFile(bytes, DEFAULT_LIMITS);
    const sizes = [...Array(c).keys()].map((k) => classFieldAnnotations(spent, k, 1).size);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1);
    expect(classFieldAnnotations(spent, -1).size).toBe(0);
  });

  it('names the keys of a class and of the app classes it holds; transient and static fields are not keys', () => {
    expect(boundType(model, 'Lq/w/b;')).toEqual({
      cls: 'Lq/w/b;',
      keys: ['code', 'data', 'words', 'expire', 'ver'],
      listFields: ['Lq/w/c;->a:Ljava/util/List;'],
      classes: ['Lq/w/b;', 'Lq/w/c;'],
    });
    // Every name an annotation allows, each library's element; an unannotated field is read by its name.
    expect(defined(boundType(model, 'Lq/y/a;')).keys).toEqual(['w', 'words', 'kw', 'ttl', 'ver', 'hosts']);
    expect(boundType(model, 'Ljava/lang/String;')).toBeNull();
  });

  it("gives a field's annotated names only: an obfuscated name without an annotation is no key", () => {
    expect(annotatedJsonNames(model, 'Lq/w/h;->a:Ljava/lang/String;')).toEqual(['msg']);
    expect(annotatedJsonNames(model, 'Lq/y/a;->hosts:Ljava/util/Set;')).toEqual([]);
    expect(annotatedJsonNames(model, 'Lq/w/f;->a:Lq/w/c;')).toEqual([]);
    expect(annotatedJsonNames(model, 'not a field')).toEqual([]);
  });

  it("takes a Retrofit method's response class from its generic return type or its continuation", () => {
    const endpoints = retrofitEndpoints(model);
    expect(defined(endpoints.get('Lq/w/a;->a')).responseTypes).toEqual(['Lq/w/b;']);
    expect(defined(endpoints.get('Lq/y/b;->a')).responseTypes).toEqual(['Lq/y/a;']);
  });

  it('lists the methods that create an object of a class, not those that only name it', () => {
    const names = (desc: string) => model.creators(desc).map((id) => model.name(id));
    expect(names('Lq/w/e;')).toEqual(['Lq/w/j;->onCreate']);
    // const-class and check-cast name Lq/w/c; without creating one.
    expect(names('Lq/w/c;')).toEqual([]);
    expect(names('Lcom/google/gson/Gson;').sort()).toEqual(['Lq/w/e;->run', 'Lq/w/f;->b']);
    expect(names('Lnot/in/App;')).toEqual([]);
  });

  it('lists the classes of a generic signature, outer first', () => {
    expect(signatureClasses('Lretrofit2/Call<Ljava/util/List<Lq/w/c;>;>;')).toEqual([
      'Lretrofit2/Call;',
      'Ljava/util/List;',
      'Lq/w/c;',
    ]);
    expect(signatureClasses('TT;')).toEqual([]);
  });
});
