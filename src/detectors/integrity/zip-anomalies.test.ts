import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { first } from '../../../test/defined.js';
import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../scan/analyze.js';
import { analyzeContext, corpusFile, run, tempDir } from '../../../test/helpers.js';
import detector from './zip-anomalies.js';
import { testDetector } from '../../../test/rule-tester.js';
import { apkModel } from '../../../test/fixtures/models.js';

testDetector(detector, {
  valid: [
    { name: 'a well-formed archive', input: apkModel('ok.apk') },
    {
      name: 'zip diagnostics that Android and analysers read alike',
      input: apkModel('ok.apk', { zipAnomalies: [{ code: 'zip/comment', message: 'archive comment' }] }),
    },
  ],
  invalid: [
    {
      name: 'a DEX before the zip entries is Janus (high)',
      input: apkModel('j.apk', { prependedMagic: 'dex' }),
      messageId: 'janus',
      data: { path: 'j.apk' },
      severity: 'high',
      evidence: { cve: 'CVE-2017-13156' },
    },
    {
      name: 'other prepended bytes are low',
      input: apkModel('p.apk', {
        zipAnomalies: [{ code: 'zip/prepended-data', message: '17 bytes before the first entry' }],
      }),
      messageId: 'prepended',
      data: { bytes: '17 bytes before the first entry' },
      severity: 'low',
    },
    {
      name: 'a duplicate entry is reported once, with a fake encryption flag beside it',
      input: apkModel('d.apk', {
        zipAnomalies: [
          { code: 'zip/duplicate-entry', message: 'second classes.dex', entry: 'classes.dex' },
          { code: 'zip/duplicate-entry', message: 'third classes.dex', entry: 'classes.dex' },
          { code: 'zip/encryption-flag', message: 'flag 0x1', entry: 'res/a.xml' },
        ],
      }),
      errors: [
        { messageId: 'duplicate', data: { entry: '"classes.dex"' }, severity: 'medium' },
        { messageId: 'fake-encryption', data: { entry: '"res/a.xml"' }, severity: 'low' },
      ],
    },
    {
      name: 'a path-traversal entry name',
      input: apkModel('t.apk', {
        zipAnomalies: [{ code: 'zip/unsafe-entry-name', message: 'escapes', entry: '../../etc/x' }],
      }),
      messageId: 'unsafe-name',
      evidence: { entry: '../../etc/x' },
    },
  ],
});

const ID = 'integrity/zip-anomalies';

describe('built and real APKs: positive', () => {
  it('reports the Janus layout (DEX prepended to an APK) at high severity', () => {
    const r = analyzeFile(corpusFile('janus.apk'), 'janus.apk', analyzeContext());
    const f = r.findings.filter((x) => x.detectorId === ID);
    expect(f.map((x) => [x.messageId, x.severity])).toEqual([['janus', 'high']]);
    // The APK behind the prepended DEX is still audited.
    expect(first(r.apps).package).toBe('com.example');
  });

  it('reports duplicate entry names (Master Key style) written by Python', () => {
    const out = join(tempDir(), 'dup.apk');
    run('python3', [
      '-c',
      [
        'import zipfile,warnings',
        "warnings.simplefilter('ignore')",
        `src=zipfile.ZipFile('${corpusFile('urzip.apk')}')`,
        `z=zipfile.ZipFile('${out}','w')`,
        'for i in src.infolist(): z.writestr(i, src.read(i.filename))',
        "z.writestr('classes.dex', b'dex\\n035\\0')",
        'z.close()',
      ].join('\n'),
    ]);
    const f = analyzeFile(out, 'dup.apk', analyzeContext()).findings.filter((x) => x.detectorId === ID);
    expect(f.map((x) => x.messageId)).toContain('duplicate');
  });
});

describe('built and real APKs: negative', () => {
  it('reports nothing for a well-formed signed APK', () => {
    expect(
      analyzeFile(corpusFile('urzip.apk'), 'urzip.apk', analyzeContext()).findings.filter((x) => x.detectorId === ID),
    ).toEqual([]);
  });

  it('does not call data before a zip Janus unless it is a DEX', () => {
    const out = join(tempDir(), 'sfx.apk');
    writeFileSync(out, Buffer.concat([Buffer.from('#!/bin/sh\nexit 0\n'), readFileSync(corpusFile('urzip.apk'))]));
    const f = analyzeFile(out, 'sfx.apk', analyzeContext()).findings.filter((x) => x.detectorId === ID);
    expect(f.map((x) => x.messageId)).not.toContain('janus');
  });
});
