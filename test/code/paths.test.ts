import { describe, expect, it } from 'vitest';
import { listMechanisms } from '../../src/code/list-mechanism.js';
import { listUse } from '../../src/code/list-use.js';
import { buildCodeModel, type CodeModel } from '../../src/code/model.js';
import { regionGates, regionReads, remoteSwitches } from '../../src/code/region-gate.js';
import { DexFile } from '../../src/formats/dex.js';
import { DEFAULT_LIMITS, type Limits } from '../../src/io/limits.js';
import { assembleSmali } from '../fixtures/smali.js';
import { AD_FILTER_SMALI } from '../fixtures/smali/adfilter.js';
import { CHAT_SMALI } from '../fixtures/smali/chat.js';
import { chatPrefsSmali } from '../fixtures/smali/chat-prefs.js';
import { CHAT_BOUND_SMALI } from '../fixtures/smali/chat-bound.js';
import { KEYBOARD_SMALI } from '../fixtures/smali/keyboard.js';
import { FINGERPRINT_SMALI, SERVER_PICK_SMALI } from '../fixtures/smali/negatives.js';
import { first } from '../defined.js';

const modelOf = (sources: Record<string, string>, limits: Limits = DEFAULT_LIMITS) =>
  buildCodeModel([new DexFile(assembleSmali(sources), limits)], null, limits);
const never = () => false;
function sinksOf(model: CodeModel) {
  const sinks = new Map<number, 'fetch' | 'apply' | 'list'>();
  for (const m of listMechanisms(model, never, never)) {
    for (const id of m.listMethods) sinks.set(id, 'list');
    for (const id of m.fetchMethods) sinks.set(id, 'fetch');
    for (const id of m.applyMethods) sinks.set(id, 'apply');
  }
  return sinks;
}

describe('region gate paths', () => {
  it('follows a reflective region read up two returns to the gate, and down through an executor to the fetch', () => {
    const model = modelOf(AD_FILTER_SMALI);
    const { gates, ungated } = regionGates(model, regionReads(model), sinksOf(model));
    expect(gates).toHaveLength(1);
    const gate = first(gates);
    expect(gate.read.key).toBe('ro.vendor.region');
    expect(gate.path).toEqual([
      'Lx/q/l;->a',
      'returned-to → Lx/q/l;->b',
      'returned-to → Lx/q/g;->a',
      'async via Ljava/util/concurrent/Executor;->execute → Lx/q/g$1;->run',
      'call → Lx/q/b;->a',
    ]);
    expect(gate.sinkKind).toBe('fetch');
    expect(gate.countries).toHaveLength(27);
    // The fingerprint's country property and locale are sent as a header: they gate nothing.
    expect(ungated.map((u) => u.read.key ?? u.read.api).sort()).toEqual(['Locale.getCountry', 'persist.sys.country']);
    expect(ungated.every((u) => u.gatePaths.length === 0)).toBe(true);
  });

  it('follows an account region from a login response through an instance field to the fetch it gates', () => {
    const model = modelOf(CHAT_SMALI);
    const { gates } = regionGates(model, regionReads(model), sinksOf(model));
    expect(gates.map((g) => ({ key: g.read.key, path: g.path, comparisons: g.comparisons }))).toEqual([
      {
        key: 'region',
        path: ['Ly/k/b;->a', 'via field r → Ly/k/g;->a', 'call → Ly/k/d;->a'],
        comparisons: ['String.equals(CN)'],
      },
    ]);
  });

  it('finds the server flag that turns the filter off', () => {
    const model = modelOf(CHAT_SMALI);
    expect(remoteSwitches(model, sinksOf(model)).switches).toEqual([
      { key: 'sw', api: 'JSONObject.optBoolean', path: ['Ly/k/b;->a', 'via field s → Ly/k/h;->a'], sinkKind: 'apply' },
    ]);
  });

  it('follows the region and the switch through SharedPreferences, by key, to the fetch and the filter', () => {
    const model = modelOf(chatPrefsSmali());
    const sinks = sinksOf(model);
    const { gates, ungated } = regionGates(model, regionReads(model), sinks);
    expect(gates.map((g) => ({ key: g.read.key, path: g.path, comparisons: g.comparisons }))).toEqual([
      {
        key: 'region',
        path: ['Ly/k/b;->a', 'via preference "acct_cc" → Ly/k/g;->a', 'call → Ly/k/d;->a'],
        comparisons: ['String.equals(CN)'],
      },
    ]);
    expect(ungated).toEqual([]);
    // The switch goes through the app's helper both ways: the key is the caller's constant each time.
    expect(remoteSwitches(model, sinks).switches).toEqual([
      {
        key: 'sw',
        api: 'JSONObject.optBoolean',
        path: ['Ly/k/b;->a', 'passed-to → Ly/k/p;->b', 'via preference "f_on" → Ly/k/h;->a'],
        sinkKind: 'apply',
      },
    ]);
  });

  it('links no stored value to a read of another key, or to a read that only shows it', () => {
    const model = modelOf(chatPrefsSmali('acct_region'));
    const { gates, ungated } = regionGates(model, regionReads(model), sinksOf(model));
    expect(gates).toEqual([]);
    // The region is read back under "acct_cc" by the settings screen only, which branches on nothing.
    expect(ungated.map((u) => [u.read.key, u.gatePaths])).toEqual([['region', []]]);
  });

  it('reads the region and the switch from the fields a Gson binding fills, by their annotated keys', () => {
    const model = modelOf(CHAT_BOUND_SMALI);
    const sinks = sinksOf(model);
    const { gates } = regionGates(model, regionReads(model), sinks);
    expect(gates.map((g) => ({ api: g.read.api, key: g.read.key, path: g.path, countries: g.countries }))).toEqual([
      {
        api: 'server response Gson.fromJson',
        key: 'region',
        path: ['Ly/k/g;->a', 'call → Ly/k/d;->a'],
        countries: ['CN'],
      },
    ]);
    // The bound result code is tested before the object is kept: it decides over no list code.
    expect(remoteSwitches(model, sinks).switches).toEqual([
      { key: 'filter_on', api: 'Gson.fromJson y.k.c', path: ['Ly/k/h;->a'], sinkKind: 'apply' },
    ]);
  });

  it('takes a number as a server switch only when its key is named as one', () => {
    // The chat client's switch as an int, `optInt(key, 1)`, stored in a static int and tested by the filter.
    const withIntSwitch = (key: string) =>
      Object.fromEntries(
        Object.entries(CHAT_SMALI).map(([name, src]) => [
          name,
          src
            .replace('"sw"', `"${key}"`)
            .replace('optBoolean(Ljava/lang/String;Z)Z', 'optInt(Ljava/lang/String;I)I')
            .replace('sput-boolean v1, Ly/k/c;->s:Z', 'sput v1, Ly/k/c;->s:I')
            .replace('.field public static s:Z', '.field public static s:I')
            .replace('sget-boolean v0, Ly/k/c;->s:Z', 'sget v0, Ly/k/c;->s:I'),
        ]),
      );
    const switchesOf = (key: string) => {
      const model = modelOf(withIntSwitch(key));
      return remoteSwitches(model, sinksOf(model)).switches.map((x) => [x.key, x.api, x.path]);
    };
    expect(switchesOf('kw_switch')).toEqual([
      ['kw_switch', 'JSONObject.optInt', ['Ly/k/b;->a', 'via field s → Ly/k/h;->a']],
    ]);
    expect(switchesOf('count')).toEqual([]);
  });

  it("reads MIUI's own region API and build flag in front of the ad filter's download", () => {
    // The ad filter's region helper x/q/l as MIUI system apps write it, through the MIUI SDK's miui.os.Build.
    const STR = 'Ljava/lang/String;';
    const helper = (b: string) =>
      [
        '.class public Lx/q/l;',
        '.super Ljava/lang/Object;',
        '.method public static b()Z',
        '    .locals 2',
        b,
        '.end method',
        '',
      ].join('\n');
    const variants: Record<string, string> = {
      flag: '    sget-boolean v0, Lmiui/os/Build;->IS_INTERNATIONAL_BUILD:Z\n    return v0',
      region: [
        '    sget-object v0, Lx/q/m;->a:Ljava/util/Set;',
        `    invoke-static {}, Lmiui/os/Build;->getRegion()${STR}`,
        '    move-result-object v1',
        '    invoke-interface {v0, v1}, Ljava/util/Set;->contains(Ljava/lang/Object;)Z',
        '    move-result v0',
        '    return v0',
      ].join('\n'),
      check: [
        '    const-string v0, "IN"',
        `    invoke-static {v0}, Lmiui/os/Build;->checkRegion(${STR})Z`,
        '    move-result v0',
        '    return v0',
      ].join('\n'),
    };
    const gateOf = (name: string) => {
      const model = modelOf({ ...AD_FILTER_SMALI, 'x/q/l': helper(variants[name] ?? '') });
      const { gates } = regionGates(model, regionReads(model), sinksOf(model));
      return gates.map((g) => [g.read.api, g.path.slice(0, 2), g.sinkKind, g.countries.length]);
    };
    const up = ['returned-to → Lx/q/g;->a'];
    expect(gateOf('flag')).toEqual([['miui.os.Build.IS_INTERNATIONAL_BUILD', ['Lx/q/l;->b', ...up], 'fetch', 0]]);
    expect(gateOf('region')).toEqual([['Build.getRegion', ['Lx/q/l;->b', ...up], 'fetch', 27]]);
    expect(gateOf('check')).toEqual([['Build.checkRegion', ['Lx/q/l;->b', ...up], 'fetch', 1]]);
  });

  it('finds no list behind a region read that picks a server or feeds a fingerprint', () => {
    for (const sources of [SERVER_PICK_SMALI, FINGERPRINT_SMALI]) {
      const model = modelOf(sources);
      const reads = regionReads(model);
      expect(reads.length).toBeGreaterThan(0);
      expect(regionGates(model, reads, sinksOf(model)).gates).toEqual([]);
    }
  });

  it('says when the visit bound cut a query short', () => {
    const model = modelOf(AD_FILTER_SMALI, { ...DEFAULT_LIMITS, code: { ...DEFAULT_LIMITS.code, maxPathVisits: 2 } });
    const r = regionGates(model, regionReads(model), sinksOf(model));
    expect(r.cut).toBe(true);
    expect(r.gates).toEqual([]);
  });
});

describe('list use (for the keyword-list detector)', () => {
  it('names the asset loader and the method that masks whole words found in the set', () => {
    const model = modelOf(KEYBOARD_SMALI);
    const { uses } = listUse(model, { asset: 'assets/kb/w.txt' });
    expect(uses.map(({ userId: _, ...u }) => u)).toEqual([
      {
        loader: 'Lz/p/a;->a',
        content: [],
        user: 'Lz/p/c;->a',
        path: ['Lz/p/a;->a', 'via field a → Lz/p/c;->a'],
        operations: ['case-folding', 'masking', 'set-lookup', 'whole-word'],
      },
    ]);
    expect(listUse(model, { asset: 'assets/other.txt' }).uses).toEqual([]);
  });

  it('names the code that matches the entries of a String[] held by a class', () => {
    const model = modelOf(FINGERPRINT_SMALI);
    const { uses } = listUse(model, { className: 'Ln/f/a;', method: '<clinit>' });
    expect(uses.map((u) => [u.user, u.operations])).toEqual([['Ln/f/a;->b', ['substring']]]);
  });
});
