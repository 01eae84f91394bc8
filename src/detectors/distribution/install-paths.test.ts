import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../scan/analyze.js';
import { deriveApk } from '../../../test/fixtures/apk-builder.js';
import { buildDex, type FixtureClass } from '../../../test/fixtures/dex-builder.js';
import { first } from '../../../test/defined.js';
import { analyzeContext, corpusApks, corpusFile, tempDir } from '../../../test/helpers.js';
import { apkModel, artefact, manifest } from '../../../test/fixtures/models.js';
import { testDetector } from '../../../test/rule-tester.js';
import { DexFile } from '../../formats/dex.js';
import { DEFAULT_LIMITS } from '../../io/limits.js';
import detector from './install-paths.js';

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

/** An in-memory app of package org.example.app whose one real DEX holds these classes. */
function dexApp(classes: FixtureClass[]) {
  return apkModel('app.apk', {
    hasManifest: true,
    manifest: manifest(),
    dexes: [{ artefact: artefact('app.apk!/classes.dex', 'dex'), dex: new DexFile(buildDex(classes), DEFAULT_LIMITS) }],
  });
}

describe('rule table', () => {
  testDetector(detector, {
    valid: [
      {
        name: "a link to the app's own store page",
        input: dexApp([
          {
            descriptor: 'Lorg/example/app/Rate;',
            methods: [{ name: 'rate', strings: ['market://details?id=org.example.app'] }],
          },
        ]),
      },
      {
        name: 'an app with ordinary strings and no install code',
        input: dexApp([{ descriptor: 'Lorg/example/app/Main;', methods: [{ name: 'run', strings: ['Hello'] }] }]),
      },
    ],
    invalid: [
      {
        name: 'a redirect to third-party stores (the Huawei AppGallery finding)',
        input: dexApp([
          {
            descriptor: 'Lcom/vendor/market/Redirect;',
            methods: [{ name: 'open', strings: ['https://apkpure.com/search?q=', 'aptoidesearch://'] }],
          },
        ]),
        messageId: 'role',
        data: { package: 'org.example.app', role: 'a redirector' },
        severity: 'medium',
        evidence: { role: 'redirector', thirdPartyStores: ['apkpure', 'aptoide'] },
      },
      {
        name: 'a silent install through a pm shell command',
        input: dexApp([
          {
            descriptor: 'Lcom/x/Root;',
            methods: [{ name: 'run', strings: ['pm install -r /sdcard/x.apk'], calls: ['Ljava/lang/Runtime;->exec'] }],
          },
        ]),
        messageId: 'role',
        data: { role: 'an installer' },
        evidence: { role: 'installer' },
      },
    ],
  });
});
