import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../scan/analyze.js';
import { deriveApk } from '../../../test/fixtures/apk-builder.js';
import { buildDex, type FixtureClass } from '../../../test/fixtures/dex-builder.js';
import { first } from '../../../test/defined.js';
import { analyzeContext, corpusApks, corpusFile, tempDir } from '../../../test/helpers.js';

const ID = 'distribution/install-paths';

function scanDex(classes: FixtureClass[], base = 'urzip.apk') {
  const apk = deriveApk({
    base: corpusFile(base),
    out: join(tempDir(), 'd.apk'),
    entries: { 'classes.dex': buildDex(classes) },
  });
  return analyzeFile(apk, 'd.apk', analyzeContext()).findings.filter((f) => f.detectorId === ID);
}

describe('positive', () => {
  it('reports an updater that downloads APKs over plain HTTP and installs them via a PackageInstaller session', () => {
    const f = first(
      scanDex([
        {
          descriptor: 'Lcom/vendor/updater/Updater;',
          methods: [
            {
              name: 'download',
              strings: ['http://cdn.example-mirror.net/apps/update.apk'],
              calls: ['Landroid/app/DownloadManager;->enqueue'],
            },
            {
              name: 'install',
              strings: ['application/vnd.android.package-archive'],
              calls: [
                'Landroid/content/pm/PackageInstaller;->createSession',
                'Landroid/content/pm/PackageInstaller$Session;->commit',
              ],
            },
          ],
        },
      ]),
    );
    expect(f).toMatchObject({ severity: 'high', evidence: { role: 'updater', verifiesSignatures: false } });
    expect(f.message).toContain('downloads APKs over plain HTTP');
    expect((f.evidence.installPaths as Array<{ kind: string }>).map((p) => p.kind)).toEqual(
      expect.arrayContaining([
        'PackageInstaller session',
        'APK install intent (MIME type)',
        'DownloadManager download',
      ]),
    );
  });

  it('reports an app that sends users to third-party stores for a package it is given', () => {
    const f = first(
      scanDex([
        {
          descriptor: 'Lcom/vendor/market/Redirect;',
          methods: [
            { name: 'open', strings: ['https://apkpure.com/search?q=', 'aptoidesearch://', 'market://details?id='] },
          ],
        },
      ]),
    );
    expect(f.evidence).toMatchObject({ role: 'redirector', thirdPartyStores: ['apkpure', 'aptoide'] });
    expect(f.severity).toBe('medium');
    expect(f.tags).toContain('store-redirect');
  });

  it('reports silent-install commands and the unknown-sources screen', () => {
    const f = first(
      scanDex([
        {
          descriptor: 'Lcom/x/Root;',
          methods: [
            {
              name: 'run',
              strings: ['pm install -r /sdcard/x.apk', 'android.settings.MANAGE_UNKNOWN_APP_SOURCES'],
              calls: ['Ljava/lang/Runtime;->exec'],
            },
          ],
        },
      ]),
    );
    expect(f.evidence.role).toBe('installer');
    expect((f.evidence.installPaths as Array<{ kind: string }>).map((p) => p.kind)).toEqual(
      expect.arrayContaining(['pm install shell command', 'shell command', 'unknown-sources settings screen']),
    );
  });
});

describe('negative', () => {
  it('does not report an app that only links to its own Play Store page', () => {
    expect(
      scanDex([
        {
          descriptor: 'Lcom/x/Rate;',
          methods: [
            {
              name: 'rate',
              strings: [
                'market://details?id=info.guardianproject.urzip',
                'https://play.google.com/store/apps/details?id=info.guardianproject.urzip',
              ],
            },
          ],
        },
      ]),
    ).toEqual([]);
  });

  it('reports nothing for the FOSS corpus apps without install code', () => {
    for (const apk of corpusApks().filter((p) => /jamendo|urzip|smsbypass|a2dp/.test(p))) {
      expect(
        analyzeFile(apk, 'c', analyzeContext()).findings.filter((f) => f.detectorId === ID),
        apk,
      ).toEqual([]);
    }
  });
});
