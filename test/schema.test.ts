import AjvModule from 'ajv';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCHEMA_PATH, reportSchema, reportSchemaText } from '../src/report/schema.js';
import { scan } from '../src/scan/scan.js';
import { CORPUS, ROOT, corpusApks, corpusFile, tempDir } from './helpers.js';
import { first } from './defined.js';

const Ajv = AjvModule as unknown as typeof AjvModule.default;
const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
const validate = ajv.compile(reportSchema());
const errors = () => JSON.stringify(validate.errors?.slice(0, 5));
const FIXED = { now: () => new Date('2026-01-01T00:00:00Z'), scanId: 'schema-test', jobs: 1 };

describe('the generated report schema', () => {
  it('is the committed schema/report.schema.json (run `npm run schema` after changing the model or evidence)', () => {
    expect(readFileSync(join(ROOT, SCHEMA_PATH), 'utf8')).toBe(reportSchemaText());
  });

  it('validates a scan of every corpus APK and DEX', async () => {
    const report = await scan({ inputs: corpusApks(), cwd: '/', ...FIXED });
    expect(report.apps.length).toBeGreaterThan(10);
    expect(new Set(report.findings.map((f) => f.detectorId)).size).toBeGreaterThan(4);
    expect(validate(report), errors()).toBe(true);
  });

  it('validates a scan of real captures (pcap, pcapng with PCAPdroid app data, HAR)', async () => {
    const captures = join(CORPUS, 'network-captures');
    const report = await scan({
      inputs: [join(captures, 'ndpi', 'xiaomi.pcap'), join(captures, 'har', 'mitmproxy-chrome.har')],
      cwd: '/',
      ...FIXED,
    });
    expect(report.destinations?.length).toBeGreaterThan(0);
    expect(validate(report), errors()).toBe(true);
  });

  it('validates a scan of a firmware folder of real parts (OnePlus build.prop, corpus APKs, vbmeta)', async () => {
    const dir = join(tempDir('candor-schema-fw-'), 'op7');
    mkdirSync(join(dir, 'system', 'priv-app', 'Jamendo'), { recursive: true });
    copyFileSync(
      join(CORPUS, 'firmware', 'buildprops', 'op7pro__intl__11.0.5.1.GM21AA.prop'),
      join(dir, 'system', 'build.prop'),
    );
    copyFileSync(corpusFile('com.teleca.jamendo_35.apk'), join(dir, 'system', 'priv-app', 'Jamendo', 'Jamendo.apk'));
    copyFileSync(corpusFile('souch.smsbypass_9.apk'), join(dir, 'system', 'priv-app', 'Jamendo', 'SmsBypass.apk'));
    copyFileSync(join(CORPUS, 'firmware', 'lineageos-sdm845-vbmeta.img'), join(dir, 'vbmeta.img'));
    const report = await scan({ inputs: [dir], cwd: '/', ...FIXED });
    expect(first(report.firmware ?? []).apps.length).toBe(2);
    expect(validate(report), errors()).toBe(true);
  });

  it('rejects a finding whose evidence renames a field, or whose detector is unknown', async () => {
    const report = await scan({ inputs: [corpusFile('souch.smsbypass_9.apk')], cwd: '/', ...FIXED });
    expect(validate(report), errors()).toBe(true);
    const permission = report.findings.find((f) => f.detectorId === 'app/permissions');
    expect(permission).toBeDefined();
    const renamed = structuredClone(report) as unknown as {
      findings: Array<{ detectorId: string; evidence: Record<string, unknown> }>;
    };
    const e = renamed.findings.find((f) => f.detectorId === 'app/permissions')!.evidence;
    e.permissionName = e.permission;
    delete e.permission;
    expect(validate(renamed)).toBe(false);
    const unknown = structuredClone(report) as unknown as { findings: Array<{ detectorId: string }> };
    first(unknown.findings).detectorId = 'app/no-such-detector';
    expect(validate(unknown)).toBe(false);
  });
});
