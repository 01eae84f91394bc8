import { describe, expect, it } from 'vitest';
import { methodAnnotations } from '../../src/code/annotations.js';
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
  });
});
