import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { lzmaAloneDecode, microLzmaDecode, xzDecode } from '../src/decode/xz.js';
import { UnavailableError } from '../src/io/errors.js';
import { nativeAvailable, unavailableDiagnostics, useNativeResolver } from '../src/io/native.js';
import { scan } from '../src/scan/scan.js';
import { compileRules, yaraDiagnostics } from '../src/yara/rules.js';
import { corpusFile, requireTool } from './helpers.js';

/**
 * YARA-X and @napi-rs/lzma are optional native packages: on a platform without their binary, Candor must
 * still scan and say what it could not do. Absence is simulated by a resolver that fails as `require` does
 * for a missing package; everything else runs for real.
 */

function absent(specifier: string): never {
  throw Object.assign(new Error(`Cannot find module '${specifier}'`), { code: 'MODULE_NOT_FOUND' });
}

const TEXT = 'falun gong\ntiananmen\n'.repeat(50);
const RULE = { path: 'always.yar', source: 'rule always { condition: true }' };

function xz(args: string[]): Buffer {
  requireTool('xz');
  return execFileSync('xz', ['-c', ...args], { input: TEXT });
}

afterEach(() => useNativeResolver(null));

describe('with the native packages installed', () => {
  it('loads both, decodes xz and .lzma, compiles rules and adds no diagnostic', () => {
    expect(nativeAvailable('lzma')).toBe(true);
    expect(nativeAvailable('yara')).toBe(true);
    expect(Buffer.from(xzDecode(xz([]), 1 << 20)).toString()).toBe(TEXT);
    expect(compileRules([RULE]).files).toEqual([{ path: RULE.path, status: 'loaded' }]);
    expect(unavailableDiagnostics(['lzma', 'yara'])).toEqual([]);
  });
});

describe('without them', () => {
  it('makes xz, .lzma and MicroLZMA decoding an unavailable/lzma error, not a crash or a bad-stream verdict', () => {
    const stream = xz([]);
    const alone = xz(['--format=lzma']);
    useNativeResolver(absent);
    expect(() => xzDecode(stream, 1 << 20)).toThrow(UnavailableError);
    // xz writes .lzma streams of undeclared size, which are refused before any decoder is needed.
    expect(() => lzmaAloneDecode(alone, 1 << 20)).toThrow(/undeclared size/);
    const declared = Buffer.from(alone);
    declared.writeUInt32LE(TEXT.length, 5);
    declared.writeUInt32LE(0, 9);
    for (const f of [
      () => lzmaAloneDecode(declared, 1 << 20),
      () => microLzmaDecode(Buffer.from([0xa2, 0, 0, 0, 0, 0]), 16, 16),
    ]) {
      let thrown: unknown;
      try {
        f();
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(UnavailableError);
      expect((thrown as UnavailableError).code).toBe('unavailable/lzma');
      expect((thrown as Error).message).toMatch(/LZMA decoding unavailable.*@napi-rs\/lzma cannot load/);
    }
  });

  it('skips YARA rules with a reason instead of failing to compile them', () => {
    useNativeResolver(absent);
    const rules = compileRules([RULE]);
    expect(rules.compiled).toEqual([]);
    expect(rules.files).toEqual([
      { path: RULE.path, status: 'skipped', reason: 'YARA scanning is unavailable on this platform' },
    ]);
    expect(yaraDiagnostics(rules).map((d) => d.code)).toEqual(['yara/rule-skipped']);
  });

  it('still scans an app, and the report names each missing capability once', async () => {
    useNativeResolver(absent);
    const report = await scan({
      inputs: [corpusFile('souch.smsbypass_9.apk')],
      cwd: '/',
      jobs: 1,
      yaraSources: [RULE],
    });
    expect(report.apps.map((a) => a.package)).toEqual(['souch.smsbypass']);
    expect(report.findings.some((f) => f.detectorId === 'app/permissions')).toBe(true);
    const unavailable = report.diagnostics.filter((d) => d.code.startsWith('unavailable/'));
    expect(unavailable.map((d) => d.code).sort()).toEqual(['unavailable/lzma', 'unavailable/yara']);
    expect(unavailable.find((d) => d.code === 'unavailable/yara')?.message).toMatch(/^YARA scanning unavailable/);
  });

  it('asks only about what the scan needs: no YARA diagnostic without rules', () => {
    const real = createRequire(import.meta.url);
    useNativeResolver((s) => (s.includes('yara') ? absent(s) : real(s)));
    expect(unavailableDiagnostics(['lzma'])).toEqual([]);
    expect(unavailableDiagnostics(['lzma', 'yara']).map((d) => d.code)).toEqual(['unavailable/yara']);
  });
});
