import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { elfListStrings, elfPointerStrings, parseElf } from '../../src/formats/elf.js';
import type { Artefact } from '../../src/model.js';
import { nativeRunBlobs } from '../../src/scan/derive-blobs.js';
import { distinct, gameLists } from '../fixtures/game-lists.js';
import { analyzeContext, requireTool, run, tempDir } from '../helpers.js';

/**
 * The native-library lists of the game corpus, compiled back into shared libraries by gcc as a
 * `const char *const words[]` table (the strings land in .rodata.str1.1, the pointers in .data.rel.ro),
 * once as UTF-8 and once as GBK bytes written by Python's codec, as Chinese toolchains emit them.
 */

const LISTS = gameLists((p) => /^lib\/.*\.so$/.test(p));
const ARTEFACT: Artefact = {
  id: 'so',
  parentId: null,
  kind: 'native-lib',
  path: 'lib/armeabi/libgame.so',
  sha256: '',
  size: 0,
};

function compile(strings: Buffer[], opt: string): Buffer {
  const dir = tempDir('candor-natlist-');
  const lit = (b: Buffer) => `"${b.toString('hex').replace(/(..)/g, '\\x$1')}"`;
  writeFileSync(
    join(dir, 'w.c'),
    `#include <string.h>\nconst char *const words[] = {\n${strings.map(lit).join(',\n')}\n};\n` +
      'int bad(const char *s) { for (unsigned i = 0; i < sizeof words / sizeof *words; i++) ' +
      'if (strstr(s, words[i])) return 1; return 0; }\n' +
      'const char *msg(void) { return "filter: %s matched at %d"; }\n',
  );
  run(requireTool('gcc'), ['-shared', '-fPIC', opt, '-o', join(dir, 'w.so'), join(dir, 'w.c')]);
  return readFileSync(join(dir, 'w.so'));
}

/** GBK bytes by Python's codec for every line it can encode (one process for the whole list). */
function gbkLines(lines: string[]): Array<{ line: string; bytes: Buffer }> {
  const script = [
    'import json,sys',
    'out=[]',
    'for l in json.loads(sys.stdin.read()):',
    '  try: out.append([l, l.encode("gbk").hex()])',
    '  except UnicodeEncodeError: pass',
    'print(json.dumps(out))',
  ].join('\n');
  const pairs = JSON.parse(run('/usr/bin/python3', ['-c', script], { input: JSON.stringify(lines) })) as Array<
    [string, string]
  >;
  return pairs.map(([line, hex]) => ({ line, bytes: Buffer.from(hex, 'hex') }));
}

describe('keyword tables in native libraries', () => {
  const lexicon = analyzeContext().detectors.lexicon;
  it('has the native-library lists to test on', () => expect(LISTS.length).toBe(5));

  for (const [charset, opt] of [
    ['utf-8', '-O2'],
    ['utf-8', '-O0'],
    ['gbk', '-O2'],
  ] as const) {
    it(`finds each list as one run of entries (${charset}, gcc ${opt})`, () => {
      for (const list of LISTS) {
        // Lines GBK cannot encode are left out of the GBK build, as a GBK toolchain could not emit them.
        const gbk = charset === 'gbk' ? gbkLines(list.lines) : null;
        const lines = gbk ? gbk.map((g) => g.line) : list.lines;
        const bytes = gbk ? gbk.map((g) => g.bytes) : lines.map((l) => Buffer.from(l));
        const so = compile(bytes, opt);
        const strings = [...elfPointerStrings(so, parseElf(so)), ...elfListStrings(so, parseElf(so))];
        if (charset === 'gbk')
          expect(strings.filter((s) => s.encoding === 'gb18030').length).toBeGreaterThan(lines.length / 3);
        const blobs = nativeRunBlobs(ARTEFACT, strings, lexicon, new Map());
        const got = blobs.flatMap((b) => b.entries ?? []);
        const want = distinct(lines);
        const found = new Set(got);
        // gcc merges identical literals; the reader must find nearly every one, and little else.
        expect(want.filter((w) => found.has(w)).length / want.length, list.file).toBeGreaterThanOrEqual(0.97);
        const wanted = new Set(want);
        expect(got.filter((g) => wanted.has(g)).length / got.length, list.file).toBeGreaterThanOrEqual(0.99);
        expect(got).not.toContain('filter: %s matched at %d');
        if (charset === 'gbk') expect(blobs.some((b) => b.encoding === 'gb18030')).toBe(true);
      }
    });
  }

  it('keeps one-character and two-letter entries, which the 4-byte printable scan drops', () => {
    const so = compile(
      ['六四', '枪', 'jj', 'AV', '法轮功', '藏独', '台独'].map((s) => Buffer.from(s)),
      '-O2',
    );
    const texts = [...elfPointerStrings(so, parseElf(so)), ...elfListStrings(so, parseElf(so))].map((s) => s.text);
    for (const w of ['枪', 'jj', 'AV', '六四']) expect(texts).toContain(w);
  });
});
