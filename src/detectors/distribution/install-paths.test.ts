import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../scan/analyze.js';
import { deriveApk } from '../../../test/fixtures/apk-builder.js';
import { buildDex, type FixtureClass } from '../../../test/fixtures/dex-builder.js';
import { first } from '../../../test/defined.js';
import { analyzeContext, corpusApks, corpusFile, tempDir } from '../../../test/helpers.js';
import { apkModel, apkWith } from '../../../test/fixtures/models.js';
import { testDetector } from '../../../test/rule-tester.js';
import type { Manifest } from '../../formats/manifest.js';
import detector from './install-paths.js';

const permissions = (...names: string[]): Partial<Manifest> => ({
  permissions: names.map((name) => ({ name, element: 'uses-permission' })),
});
const UPDATER = 'Lcom/vendor/updater/Updater;';
const MIME = 'application/vnd.android.package-archive';
/** An updater: one method downloads `url` with DownloadManager, another installs through a PackageInstaller session. */
const updater = (url: string, installCalls: string[] = []): FixtureClass => ({
  descriptor: UPDATER,
  methods: [
    { name: 'download', strings: [url], calls: ['Landroid/app/DownloadManager;->enqueue'] },
    { name: 'install', strings: [], calls: ['Landroid/content/pm/PackageInstaller;->createSession', ...installCalls] },
  ],
});
const oneMethod = (descriptor: string, strings: string[], calls: string[] = []): FixtureClass => ({
  descriptor,
  methods: [{ name: 'run', strings, calls }],
});

testDetector(detector, {
  valid: [
    {
      name: "links to the app's own store page (rate this app)",
      input: apkWith({
        code: [
          oneMethod('Lcom/x/Rate;', [
            'market://details?id=org.example.app',
            'https://play.google.com/store/apps/details?id=org.example.app',
          ]),
        ],
      }),
    },
    {
      name: 'a DownloadManager download of a document: nothing installs it',
      input: apkWith({
        code: [
          oneMethod('Lcom/x/Docs;', ['https://cdn.example.org/report.pdf'], ['Landroid/app/DownloadManager;->enqueue']),
        ],
      }),
    },
    {
      name: 'a shell command that is no pm install',
      input: apkWith({ code: [oneMethod('Lcom/x/Sh;', ['ls -l /sdcard'], ['Ljava/lang/Runtime;->exec'])] }),
    },
    { name: 'a bare DEX without a manifest or install code', input: apkModel('classes.dex') },
  ],
  invalid: [
    {
      name: 'an updater that downloads APKs over plain HTTP and installs them: high',
      input: apkWith({
        code: [
          {
            descriptor: UPDATER,
            methods: [
              {
                name: 'download',
                strings: ['http://cdn.example-mirror.net/apps/update.apk'],
                calls: ['Landroid/app/DownloadManager;->enqueue'],
              },
              {
                name: 'install',
                strings: [MIME],
                calls: [
                  'Landroid/content/pm/PackageInstaller;->createSession',
                  'Landroid/content/pm/PackageInstaller$Session;->commit',
                ],
              },
            ],
          },
        ],
      }),
      messageId: 'role',
      data: { package: 'org.example.app', role: 'an updater', summary: 'downloads APKs over plain HTTP' },
      severity: 'high',
      confidence: 'high',
      evidence: {
        role: 'updater',
        // The session's two calls are one install path.
        installPaths: [
          { kind: 'DownloadManager download', where: `${UPDATER}->download` },
          { kind: 'APK install intent (MIME type)', where: `${UPDATER}->install`, value: MIME },
          { kind: 'PackageInstaller session', where: `${UPDATER}->install` },
        ],
        apkDownloads: [{ url: 'http://cdn.example-mirror.net/apps/update.apk', where: `${UPDATER}->download` }],
        storeLinks: [],
        verifiesSignatures: false,
        systemApp: false,
        excerpt: 'http://cdn.example-mirror.net/apps/update.apk',
      },
    },
    {
      name: 'an updater of APKs from its own HTTPS server that checks them with a digest: low',
      input: apkWith({
        code: [updater('https://updates.example.org/app-2.0.apk', ['Ljava/security/MessageDigest;->digest'])],
      }),
      messageId: 'role',
      data: { role: 'an updater', summary: '2 install paths, 0 store links' },
      severity: 'low',
      evidence: { verifiesSignatures: true },
    },
    {
      name: 'the same updater without a check: medium',
      input: apkWith({ code: [updater('https://updates.example.org/app-2.0.apk')] }),
      messageId: 'role',
      data: { summary: 'installs APKs from outside an official store without checking signatures' },
      severity: 'medium',
      evidence: { verifiesSignatures: false },
    },
    {
      name: 'third-party store links that forward a package: a medium redirector',
      input: apkWith({
        code: [
          oneMethod('Lcom/vendor/market/Redirect;', [
            'https://apkpure.com/search?q=',
            'aptoidesearch://',
            'market://details?id=',
          ]),
        ],
      }),
      messageId: 'role',
      data: { role: 'a redirector', summary: 'sends users to third-party stores (APKPure, Aptoide)' },
      severity: 'medium',
      confidence: 'high',
      evidence: {
        thirdPartyStores: ['apkpure', 'aptoide'],
        storeLinks: [
          { store: 'apkpure', official: false, value: 'https://apkpure.com/search?q=', forwardsPackage: true },
          { store: 'aptoide', official: false, value: 'aptoidesearch://', forwardsPackage: true },
          { store: 'google-play', official: true, value: 'market://details?id=', forwardsPackage: true },
        ],
        installPaths: [],
      },
    },
    {
      name: 'a system app that sends users to a third-party store: high',
      input: apkWith({
        code: [oneMethod('Lcom/vendor/Launcher;', ['coolmarket://details?id='])],
        manifest: { sharedUserId: 'android.uid.system' },
      }),
      messageId: 'role',
      data: { role: 'a redirector', summary: 'system app sends users to third-party stores (CoolApk)' },
      severity: 'high',
      confidence: 'medium',
      evidence: { systemApp: true, thirdPartyStores: ['coolapk'] },
    },
    {
      name: 'a link to Google Play for another package: a low redirector',
      input: apkWith({ code: [oneMethod('Lcom/x/More;', ['market://details?id='])] }),
      messageId: 'role',
      data: { role: 'a redirector', summary: '0 install paths, 1 store link' },
      severity: 'low',
      evidence: { thirdPartyStores: [] },
    },
    {
      name: "a PackageInstaller session's create and commit in one method: one install path, counted once",
      input: apkWith({
        code: [
          oneMethod(
            'Lcom/x/Inst;',
            [],
            [
              'Landroid/content/pm/PackageInstaller;->createSession',
              'Landroid/content/pm/PackageInstaller$Session;->commit',
            ],
          ),
        ],
      }),
      messageId: 'role',
      data: { role: 'an installer', summary: '1 install path, 0 store links' },
      confidence: 'medium',
      evidence: { installPaths: [{ kind: 'PackageInstaller session', where: 'Lcom/x/Inst;->run' }] },
    },
    {
      name: 'pm install through Runtime.exec and the unknown-sources screen: an installer',
      input: apkWith({
        code: [
          oneMethod(
            'Lcom/x/Root;',
            ['pm install -r /sdcard/x.apk', 'android.settings.MANAGE_UNKNOWN_APP_SOURCES'],
            ['Ljava/lang/Runtime;->exec'],
          ),
        ],
      }),
      messageId: 'role',
      data: { role: 'an installer', summary: '3 install paths, 0 store links' },
      severity: 'medium',
      evidence: {
        installPaths: [
          { kind: 'pm install shell command', where: 'Lcom/x/Root;->run', value: 'pm install -r /sdcard/x.apk' },
          {
            kind: 'unknown-sources settings screen',
            where: 'Lcom/x/Root;->run',
            value: 'android.settings.MANAGE_UNKNOWN_APP_SOURCES',
          },
          { kind: 'shell command', where: 'Lcom/x/Root;->run' },
        ],
      },
    },
    {
      name: 'INSTALL_PACKAGES alone makes a high installer',
      input: apkWith({ manifest: permissions('android.permission.INSTALL_PACKAGES') }),
      messageId: 'role',
      data: { package: 'org.example.app', role: 'an installer', summary: 'can install silently' },
      severity: 'high',
      confidence: 'medium',
      evidence: { installPaths: [{ kind: 'permission INSTALL_PACKAGES', where: 'AndroidManifest.xml' }] },
    },
    {
      name: 'an app that handles market:// links is a store',
      input: apkWith({
        manifest: {
          components: [
            {
              type: 'activity',
              name: 'org.example.app.Details',
              exported: true,
              intentFilters: [
                { actions: ['android.intent.action.VIEW'], categories: [], data: [{ scheme: 'market' }] },
              ],
            },
          ],
        },
      }),
      messageId: 'role',
      data: { role: 'a store', summary: '0 install paths, 0 store links' },
      severity: 'medium',
      evidence: { role: 'store' },
    },
  ],
});

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
