import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DexFile } from '../../src/formats/dex.js';
import { exodusClassNames } from '../../src/formats/dex-queries.js';
import { LimitExceededError, MalformedInputError } from '../../src/io/errors.js';
import { DEFAULT_LIMITS, resolveLimits } from '../../src/io/limits.js';
import { buildDex } from '../fixtures/dex-builder.js';
import { androguardFiles, corpusApks, requireTool, tempDir } from '../helpers.js';
import { defined, first } from '../defined.js';

function dexdumpCounts(path: string): { constString: number; invoke: number } {
  const r = spawnSync('dexdump', ['-d', path], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const lines = r.stdout.split('\n').filter((l) => /^[0-9a-f]{6}: /.test(l));
  return {
    constString: lines.filter((l) => /\| ?[0-9a-f]{4}: const-string(\/jumbo)? /.test(l)).length,
    invoke: lines.filter((l) => /\| ?[0-9a-f]{4}: invoke-(virtual|super|direct|static|interface|polymorphic)/.test(l))
      .length,
  };
}

describe('DEX parser', () => {
  requireTool('dexdump');

  it('indexes exactly the const-string and invoke instructions dexdump disassembles', () => {
    const dexes = [...corpusApks().filter((p) => p.endsWith('.dex')), ...androguardFiles('.dex').slice(0, 12)];
    const mismatches: string[] = [];
    for (const p of dexes) {
      const dex = new DexFile(readFileSync(p), DEFAULT_LIMITS);
      const x = dex.xrefs();
      const ref = dexdumpCounts(p);
      if (x.strings.targets.length !== ref.constString || x.methods.targets.length !== ref.invoke) {
        mismatches.push(
          `${basename(p)}: const-string ${x.strings.targets.length}/${ref.constString}, ` +
            `invoke ${x.methods.targets.length}/${ref.invoke}`,
        );
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('records which method loads which string, through const-string and const-string/jumbo', () => {
    const buf = buildDex(
      [
        {
          descriptor: 'Lcom/candor/fixture/Lists;',
          methods: [
            { name: 'load', strings: ['法轮功', 'free tibet', 'hello 😀', 'nul\u0000inside'], invokes: ['other'] },
            { name: 'other', strings: ['x'] },
          ],
        },
      ],
      70_000,
    );
    const path = join(tempDir(), 'fixture.dex');
    writeFileSync(path, buf);
    expect(spawnSync('dexdump', ['-d', path], { encoding: 'utf8' }).stdout).toContain('const-string/jumbo');
    const dex = new DexFile(buf, DEFAULT_LIMITS);
    const x = dex.xrefs();
    const load = x.bodies.findIndex((b) => dex.methodOwnerAndName(b.methodIdx).method === 'load');
    const loaded = Array.from(x.strings.targets.subarray(x.strings.start[load], x.strings.start[load + 1])).map((i) =>
      dex.string(i),
    );
    expect(loaded).toEqual(['法轮功', 'free tibet', 'hello 😀', 'nul\u0000inside']);
    const invoked = Array.from(x.methods.targets.subarray(x.methods.start[load], x.methods.start[load + 1])).map((i) =>
      dex.methodSignature(i),
    );
    expect(invoked).toEqual(['Lcom/candor/fixture/Lists;->other()V']);
    expect(exodusClassNames(dex).has('com/candor/fixture/Lists')).toBe(true);
  });

  it('rejects a DEX whose sections point outside the file', () => {
    const buf = Buffer.from(buildDex([{ descriptor: 'La;', methods: [{ name: 'm', strings: ['s'] }] }]));
    const lying = Buffer.from(buf);
    lying.writeUInt32LE(0x0fffffff, 56); // string_ids_size
    expect(() => new DexFile(lying, DEFAULT_LIMITS)).toThrow(MalformedInputError);
    const farOff = Buffer.from(buf);
    farOff.writeUInt32LE(buf.length + 1000, 100); // class_defs_off
    expect(() => new DexFile(farOff, DEFAULT_LIMITS)).toThrow(MalformedInputError);
    expect(() => new DexFile(buf.subarray(0, 50), DEFAULT_LIMITS)).toThrow(MalformedInputError);
    expect(() => new DexFile(buf, resolveLimits({ dex: { maxStrings: 2 } }))).toThrow(LimitExceededError);
  });

  it('survives class data and code offsets that lie, with warnings instead of a crash', () => {
    const buf = Buffer.from(buildDex([{ descriptor: 'La;', methods: [{ name: 'm', strings: ['s'] }] }]));
    const classDefsOff = buf.readUInt32LE(100);
    const bad = Buffer.from(buf);
    bad.writeUInt32LE(buf.length + 5, classDefsOff + 24); // class_data_off
    const dex = new DexFile(bad, DEFAULT_LIMITS);
    expect(dex.xrefs().bodies).toEqual([]);
    expect(dex.warnings.join(' ')).toMatch(/class_data_off/);
    // A code item whose instruction count runs past the file.
    const dex2buf = Buffer.from(buf);
    const body = first(new DexFile(dex2buf, DEFAULT_LIMITS).codeBodies());
    dex2buf.writeUInt32LE(0x7fffffff, body.codeOff + 12);
    expect(new DexFile(dex2buf, DEFAULT_LIMITS).xrefs().badBodies).toBe(1);
  });

  describe('cost bounds: work follows the bytes, not what the file claims', () => {
    const realDex = () =>
      readFileSync(first(androguardFiles('.dex').sort((a, b) => readFileSync(b).length - readFileSync(a).length)));

    it('reads a class_data item shared by every class once', () => {
      const buf = Buffer.from(realDex());
      const honest = new DexFile(buf, DEFAULT_LIMITS);
      const richest = honest
        .members()
        .reduce((best, m, i, all) => (m.methods.length > (all[best]?.methods.length ?? 0) ? i : best), 0);
      const classOff = buf.readUInt32LE(100);
      const shared = defined(honest.classDefs[richest], 'the richest class').classDataOff;
      for (let c = 0; c < honest.classDefs.length; c++) buf.writeUInt32LE(shared, classOff + c * 32 + 24);
      const dex = new DexFile(buf, DEFAULT_LIMITS);
      const decoded = dex.members().reduce((n, m) => n + m.methods.length, 0);
      expect(decoded).toBe(defined(honest.members()[richest], 'its members').methods.length);
      expect(dex.xrefs().bodies.length).toBeLessThanOrEqual(decoded);
      expect(dex.warnings.some((w) => /shared with an earlier class/.test(w))).toBe(true);
    });

    it('walks a code item claimed by many methods once, and stops when overlapping items exceed the file', () => {
      const buf = Buffer.from(realDex());
      const honest = new DexFile(buf, DEFAULT_LIMITS);
      const bodies = honest.codeBodies();
      // Every code item claims as many instructions as the file can hold after the first one.
      const firstOff = first(bodies).codeOff;
      const units = Math.floor((buf.length - firstOff - 16) / 2);
      for (const b of bodies) buf.writeUInt32LE(Math.floor((buf.length - b.codeOff - 16) / 2), b.codeOff + 12);
      const dex = new DexFile(buf, DEFAULT_LIMITS);
      const x = dex.xrefs();
      const walked =
        x.strings.targets.length + x.methods.targets.length + x.fields.targets.length + x.types.targets.length;
      expect(walked).toBeLessThanOrEqual(units);
      expect(dex.warnings.some((w) => /overlap others/.test(w))).toBe(true);
    });

    it('bounds string lookups whose data has no terminating NUL by their declared length', () => {
      const buf = Buffer.from(realDex());
      const honest = new DexFile(buf, DEFAULT_LIMITS);
      const r = honest.stringBytes(honest.stringCount - 1) as [number, number];
      // Remove the NUL of the last string: its range ends at three bytes per declared unit, not at the file's end.
      buf[r[1]] = 0x41;
      const dex = new DexFile(buf, DEFAULT_LIMITS);
      const cut = dex.stringBytes(dex.stringCount - 1) as [number, number];
      expect(cut[0]).toBe(r[0]);
      expect(cut[1]).toBeLessThanOrEqual(r[0] + 3 * buf.readUInt8(r[0] - 1));
      expect(cut[1]).toBeGreaterThanOrEqual(r[1]);
    });
  });
});
