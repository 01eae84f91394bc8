import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../scan/analyze.js';
import { analyzeContext, corpusFile } from '../../../test/helpers.js';
import detector from './permissions.js';
import { testDetector } from '../../../test/rule-tester.js';
import { apkModel, manifest } from '../../../test/fixtures/models.js';
import type { PermissionUse } from '../../model.js';

const requesting = (...names: string[]) =>
  apkModel('app.apk', {
    hasManifest: true,
    manifest: manifest({
      package: 'org.example.app',
      permissions: names.map((name): PermissionUse => ({ name, element: 'uses-permission' })),
    }),
  });

testDetector(detector, {
  valid: [
    {
      name: 'normal permissions (INTERNET, VIBRATE)',
      input: requesting('android.permission.INTERNET', 'android.permission.VIBRATE'),
    },
    { name: 'a bare DEX without a manifest', input: apkModel('classes.dex') },
    { name: 'a permission Candor has no entry for', input: requesting('org.example.permission.C2D_MESSAGE') },
  ],
  invalid: [
    {
      name: 'INSTALL_PACKAGES is high, with the reason from data/permissions.json',
      input: requesting('android.permission.INSTALL_PACKAGES'),
      messageId: 'permission',
      data: {
        package: 'org.example.app',
        permission: 'android.permission.INSTALL_PACKAGES',
        level: 'signature|privileged',
        why: "installs apps silently, without the user's consent",
      },
      severity: 'high',
      evidence: { protectionLevel: 'signature|privileged', element: 'uses-permission' },
    },
    {
      name: 'a permission requested twice is reported once',
      input: requesting('android.permission.READ_SMS', 'android.permission.READ_SMS'),
      messageId: 'permission',
      data: { level: 'dangerous' },
    },
  ],
});

const ID = 'app/permissions';
const findings = (apk: string) =>
  analyzeFile(corpusFile(apk), apk, analyzeContext()).findings.filter((f) => f.detectorId === ID);

describe('real APKs: positive', () => {
  it('reports the SMS permissions of SMS Bypass, with protection levels', () => {
    const f = findings('souch.smsbypass_9.apk');
    const byName = Object.fromEntries(f.map((x) => [x.evidence.permission, x]));
    expect(byName['android.permission.RECEIVE_SMS']).toMatchObject({
      severity: 'medium',
      evidence: { protectionLevel: 'dangerous' },
    });
    expect(byName['android.permission.SEND_SMS']?.tags).toContain('privacy');
  });

  it('reports permissions the platform implies for old target SDKs', () => {
    const f = findings('a2dp.Vol_137.apk');
    const implied = f.find((x) => x.evidence.permission === 'android.permission.READ_EXTERNAL_STORAGE');
    expect(implied?.evidence).toMatchObject({ element: 'implied' });
  });
});

describe('real APKs: negative', () => {
  it('reports nothing for an app that requests no permissions', () => {
    expect(findings('urzip.apk')).toEqual([]);
  });

  it('does not report normal permissions such as INTERNET', () => {
    const f = findings('com.teleca.jamendo_35.apk').map((x) => x.evidence.permission);
    expect(f).not.toContain('android.permission.INTERNET');
    expect(f).toContain('android.permission.READ_PHONE_STATE');
  });
});
