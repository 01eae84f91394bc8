import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../scan/analyze.js';
import { analyzeContext, corpusFile } from '../../../test/helpers.js';

const ID = 'app/permissions';
const findings = (apk: string) => analyzeFile(corpusFile(apk), apk, analyzeContext()).findings.filter((f) => f.detectorId === ID);

describe('positive', () => {
  it('reports the SMS permissions of SMS Bypass, with protection levels', () => {
    const f = findings('souch.smsbypass_9.apk');
    const byName = Object.fromEntries(f.map((x) => [(x.evidence as { permission: string }).permission, x]));
    expect(byName['android.permission.RECEIVE_SMS']).toMatchObject({ severity: 'medium', evidence: { protectionLevel: 'dangerous' } });
    expect(byName['android.permission.SEND_SMS']?.tags).toContain('privacy');
  });

  it('reports permissions the platform implies for old target SDKs', () => {
    const f = findings('a2dp.Vol_137.apk');
    const implied = f.find((x) => (x.evidence as { permission: string }).permission === 'android.permission.READ_EXTERNAL_STORAGE');
    expect(implied?.evidence).toMatchObject({ element: 'implied' });
  });
});

describe('negative', () => {
  it('reports nothing for an app that requests no permissions', () => {
    expect(findings('urzip.apk')).toEqual([]);
  });

  it('does not report normal permissions such as INTERNET', () => {
    const f = findings('com.teleca.jamendo_35.apk').map((x) => (x.evidence as { permission: string }).permission);
    expect(f).not.toContain('android.permission.INTERNET');
    expect(f).toContain('android.permission.READ_PHONE_STATE');
  });
});
