import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../src/scan/analyze.js';
import { analyzeContext, androguardFiles, corpusApks, requireTool } from '../helpers.js';

/** Signer certificates and schemes against `apksigner verify --print-certs`, on every APK apksigner accepts. */
describe('APK signatures agree with apksigner', () => {
  requireTool('apksigner');
  const apks = [
    ...corpusApks().filter((p) => p.endsWith('.apk')),
    ...androguardFiles('.apk').filter((p) => /\/(signing|tests)\//.test(p)),
  ];

  it(`reports the same signer certificates and schemes on ${apks.length} APKs`, () => {
    let compared = 0;
    const mismatches: string[] = [];
    for (const apk of apks) {
      const r = spawnSync('apksigner', ['verify', '--print-certs', '-v', '--min-sdk-version', '1', apk], {
        encoding: 'utf8',
      });
      // apksigner not starting is a broken test machine, not an APK apksigner rejects: say so.
      if (r.error) throw r.error;
      if (r.status !== 0 || !/^Verifies$/m.test(r.stdout)) continue;
      const certs = new Set(
        [...r.stdout.matchAll(/^Signer #\d+ certificate SHA-256 digest: ([0-9a-f]{64})$/gm)].map((m) => m[1] ?? ''),
      );
      const verified = [...r.stdout.matchAll(/^Verified using (v\d) scheme[^:]*: true$/gm)]
        .map((m) => m[1] ?? '')
        .filter((s) => s !== 'v4');
      const app = analyzeFile(apk, basename(apk), analyzeContext()).apps[0];
      compared++;
      const ours = new Set(app?.signers.map((s) => s.sha256) ?? []);
      const missingSchemes = verified.filter((s) => !app?.signatureSchemes.includes(s));
      if ([...certs].some((c) => !ours.has(c)) || [...ours].some((c) => !certs.has(c)) || missingSchemes.length > 0) {
        mismatches.push(
          `${apk}: ours ${[...ours].join(',')} [${app?.signatureSchemes.join(',')}] ` +
            `vs apksigner ${[...certs].join(',')} [${verified.join(',')}]`,
        );
      }
    }
    expect(compared).toBeGreaterThan(20);
    expect(mismatches).toEqual([]);
  });
});
