import { describe, expect, it } from 'vitest';
import { annotationProblems, methodAnnotations } from '../../src/code/annotations.js';
import { buildCodeModel } from '../../src/code/model.js';
import { retrofitEndpoints } from '../../src/code/retrofit.js';
import { DexFile } from '../../src/formats/dex.js';
import { DEFAULT_LIMITS } from '../../src/io/limits.js';
import { defined } from '../defined.js';
import { assembleSmali } from '../fixtures/smali.js';
import { WORD_SYNC_SMALI } from '../fixtures/smali/wordsync.js';

const bytes = assembleSmali(WORD_SYNC_SMALI);

describe('DEX method and parameter annotations (assembled by Debian smali)', () => {
  it('reads the HTTP annotation of a Retrofit method and the annotations of its parameters', () => {
    const dex = new DexFile(bytes, DEFAULT_LIMITS);
    const found = [...methodAnnotations(dex)].map(([idx, a]) => [dex.methodSignature(idx), a]);
    expect(found).toEqual([
      [
        'Lr/t/a;->a(Ljava/lang/String;I)Lretrofit2/Call;',
        {
          method: [{ type: 'Lretrofit2/http/GET;', values: { value: ['v1/cw/{lang}'] } }],
          params: [
            [{ type: 'Lretrofit2/http/Path;', values: { value: ['lang'] } }],
            [{ type: 'Lretrofit2/http/Query;', values: { value: ['ver'] } }],
          ],
        },
      ],
    ]);
    const model = buildCodeModel([dex], null);
    expect(defined(retrofitEndpoints(model).get('Lr/t/a;->a'))).toMatchObject({
      httpMethod: 'GET',
      path: 'v1/cw/{lang}',
      params: [
        { kind: 'path', name: 'lang' },
        { kind: 'query', name: 'ver' },
      ],
    });
  });

  it('ends a damaged annotations directory as no annotations, without throwing', () => {
    const broken = Buffer.from(bytes);
    const classDefs = broken.readUInt32LE(0x64);
    const count = broken.readUInt32LE(0x60);
    // Every class's annotations_off points past the end of the file, or into the header.
    for (let c = 0; c < count; c++) broken.writeUInt32LE(c % 2 ? broken.length - 2 : 8, classDefs + c * 32 + 20);
    const dex = new DexFile(broken, DEFAULT_LIMITS);
    expect(() => methodAnnotations(dex)).not.toThrow();
    const types = [...methodAnnotations(dex).values()].flatMap((x) => x.method.map((y) => y.type));
    expect(types).not.toContain('Lretrofit2/http/GET;');
    // Every damaged directory is counted (half point past the end, half into the header), and the
    // scan's diagnostics say that Retrofit endpoints may be missing.
    expect(annotationProblems(dex).damagedClasses).toBeGreaterThanOrEqual(Math.floor(count / 2));
    const model = buildCodeModel([dex], null);
    retrofitEndpoints(model);
    retrofitEndpoints(model);
    expect(model.diagnostics.filter((d) => d.code === 'dex/bad-annotations')).toHaveLength(1);
  });

  it('stops at its read bound and says so', () => {
    const full = methodAnnotations(new DexFile(bytes, DEFAULT_LIMITS));
    expect(annotationProblems(new DexFile(bytes, DEFAULT_LIMITS)).cut).toBe(false);
    const dex = new DexFile(bytes, DEFAULT_LIMITS);
    const cut = methodAnnotations(dex, 2);
    expect(annotationProblems(dex).cut).toBe(true);
    expect(full.size).toBe(1);
    expect(cut.size).toBe(0);
    const model = buildCodeModel([dex], null);
    retrofitEndpoints(model);
    expect(model.diagnostics.map((d) => d.code)).toContain('limit/dex-annotations');
    expect(retrofitEndpoints(model).has('Lr/t/a;->a')).toBe(false);
  });
});
