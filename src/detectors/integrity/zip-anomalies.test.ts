import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../scan/analyze.js';
import { analyzeContext, corpusFile, run, tempDir } from '../../../test/helpers.js';

const ID = 'integrity/zip-anomalies';

describe('positive', () => {
  it('reports the Janus layout (DEX prepended to an APK) at high severity', () => {
    const r = analyzeFile(corpusFile('janus.apk'), 'janus.apk', analyzeContext());
    const f = r.findings.filter((x) => x.detectorId === ID);
    expect(f.map((x) => [x.messageId, x.severity])).toEqual([['janus', 'high']]);
    // The APK behind the prepended DEX is still audited.
    expect(r.apps[0].package).toBe('com.example');
  });

  it('reports duplicate entry names (Master Key style) written by Python', () => {
    const out = join(tempDir(), 'dup.apk');
    run('python3', ['-c', `import zipfile,warnings\nwarnings.simplefilter('ignore')\nsrc=zipfile.ZipFile('${corpusFile('urzip.apk')}')\nz=zipfile.ZipFile('${out}','w')\nfor i in src.infolist(): z.writestr(i, src.read(i.filename))\nz.writestr('classes.dex', b'dex\\n035\\0')\nz.close()`]);
    const f = analyzeFile(out, 'dup.apk', analyzeContext()).findings.filter((x) => x.detectorId === ID);
    expect(f.map((x) => x.messageId)).toContain('duplicate');
  });
});

describe('negative', () => {
  it('reports nothing for a well-formed signed APK', () => {
    expect(analyzeFile(corpusFile('urzip.apk'), 'urzip.apk', analyzeContext()).findings.filter((x) => x.detectorId === ID)).toEqual([]);
  });

  it('does not call data before a zip Janus unless it is a DEX', () => {
    const out = join(tempDir(), 'sfx.apk');
    writeFileSync(out, Buffer.concat([Buffer.from('#!/bin/sh\nexit 0\n'), readFileSync(corpusFile('urzip.apk'))]));
    const f = analyzeFile(out, 'sfx.apk', analyzeContext()).findings.filter((x) => x.detectorId === ID);
    expect(f.map((x) => x.messageId)).not.toContain('janus');
  });
});
