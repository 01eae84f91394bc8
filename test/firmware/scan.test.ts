import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import AjvModule from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { scan, type ProgressEvent } from '../../src/scan/scan.js';
import { Store } from '../../src/store/sqlite.js';
import { diffScans, renderDiffText, type ScanDiff } from '../../src/report/diff.js';
import { renderHtml } from '../../src/report/html.js';
import { parseStixBundle } from '../../src/iocs/stix.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { findingsOf, type Report } from '../../src/model.js';
import type { DetectorId } from '../../src/detectors/evidence.js';
import { CORPUS, ROOT, corpusFile, pythonZip, run, tempDir } from '../helpers.js';
import { buildDex } from '../fixtures/dex-builder.js';
import { POLITICAL_TERMS } from '../fixtures/lists.js';
import {
  bootImage,
  buildApp,
  img2simg,
  mkfsErofs,
  mkfsExt4,
  payloadBin,
  platformFrameworkRes,
  superImage,
  writeTree,
  type TreeFile,
} from '../fixtures/firmware-builder.js';
import { first } from '../defined.js';

/**
 * Whole-phone audits end to end: a firmware built from real APKs (aapt + apksigner), real file systems
 * (mkfs.erofs, mkfs.ext4) and the container formats of an A/B OTA and a factory image, scanned like a
 * user would, then compared with a later version by `candor diff`.
 */

const TSX = import.meta.resolve('tsx');
const VBMETA_DISABLED = join(CORPUS, 'firmware', 'lineageos-sdm845-vbmeta.img');

interface Built {
  dir: string;
  otaZip: string;
  factoryZip: string;
  v2Folder: string;
}

function systemTree(version: 1 | 2): Record<string, TreeFile> {
  const store = buildApp({
    pkg: 'com.vendor.appstore',
    versionName: '7.0',
    permissions: ['android.permission.INSTALL_PACKAGES', 'android.permission.INTERNET'],
    platformKey: true,
  });
  const terms = version === 1 ? POLITICAL_TERMS.slice(0, 20) : [...POLITICAL_TERMS, '新疆再教育营', '李文亮'];
  const browser = buildApp({
    pkg: 'com.vendor.browser',
    versionCode: version,
    versionName: `${version}.0`,
    permissions: ['android.permission.INTERNET', 'android.permission.READ_PHONE_STATE'],
    assets: { 'ad_blacklist.txt': terms.join('\n') },
    dex: buildDex([
      {
        descriptor: 'Lcom/vendor/browser/Telemetry;',
        methods: [{ name: 'upload', strings: ['https://stat.browser-vendor.cn/v1/report', 'ad_blacklist.txt'] }],
      },
      { descriptor: 'Lcom/adjust/sdk/Adjust;', methods: [{ name: 'onCreate', strings: ['adjust'] }] },
    ]),
  });
  const tree: Record<string, TreeFile> = {
    'system/build.prop': [
      'ro.product.system.brand=Xiaomi',
      'ro.product.system.manufacturer=Xiaomi',
      'ro.product.system.model=M2007J3SG',
      'ro.product.system.device=apollo',
      `ro.system.build.fingerprint=Xiaomi/apollo_global/apollo:12/SKQ1.211006.001/V13.0.${version}.0:user/release-keys`,
      `ro.build.display.id=V13.0.${version}.0.SJDMIXM`,
      'ro.build.version.release=12',
      'ro.build.version.sdk=31',
      `ro.build.version.security_patch=2022-0${version}-01`,
      'ro.build.type=user',
      'ro.build.tags=release-keys',
      `ro.miui.region=${version === 1 ? 'SG' : 'CN'}`,
      'ro.product.mod_device=apollo_global',
      'ro.miui.ui.version.name=V130',
      'ro.debuggable=1',
    ].join('\n'),
    'system/framework/framework-res.apk': { copy: platformFrameworkRes() },
    'system/priv-app/VendorStore/VendorStore.apk': { copy: store },
    'system/app/Browser/Browser.apk': { copy: browser },
    'system/app/Jamendo/Jamendo.apk': { copy: corpusFile('com.teleca.jamendo_35.apk') },
    'system/etc/permissions/privapp-permissions-vendor.xml':
      '<permissions><privapp-permissions package="com.vendor.appstore">' +
      '<permission name="android.permission.INSTALL_PACKAGES"/></privapp-permissions></permissions>',
  };
  if (version === 2) tree['system/app/Notes/Notes.apk'] = { copy: corpusFile('org.dyndns.fules.ck_20.apk') };
  return tree;
}

function build(): Built {
  const dir = tempDir('candor-fw-');
  const sysTree = writeTree(join(dir, 'system-tree'), systemTree(1));
  const vendorTree = writeTree(join(dir, 'vendor-tree'), {
    'build.prop': 'ro.product.vendor.brand=Xiaomi\nro.vendor.build.security_patch=2022-01-01\nro.boot.hwc=GLOBAL\n',
  });
  const system = readFileSync(mkfsErofs(sysTree, join(dir, 'system.img'), ['-zlz4hc']));
  const vendor = readFileSync(mkfsExt4(vendorTree, join(dir, 'vendor.img'), ['-L', 'vendor'], '8M'));
  const boot = bootImage({
    version: 2,
    cmdline: 'console=ttyMSM0,115200n8 androidboot.hardware=qcom androidboot.selinux=permissive',
  });
  const vbmeta = readFileSync(VBMETA_DISABLED);

  // A/B OTA: payload.bin stored in a zip, as update_engine expects.
  writeFileSync(
    join(dir, 'payload.bin'),
    payloadBin([
      { name: 'system', image: system, encodings: ['xz', 'zstd', 'bz', 'replace'] },
      { name: 'vendor', image: vendor, encodings: ['zstd'] },
      { name: 'boot', image: boot },
      { name: 'vbmeta', image: vbmeta },
    ]),
  );
  const otaZip = join(dir, 'apollo-ota.zip');
  pythonZip(otaZip, [
    { name: 'payload.bin', file: join(dir, 'payload.bin'), stored: true },
    { name: 'META-INF/com/android/metadata', data: 'ota-type=AB\npre-device=apollo\n' },
  ]);

  // Factory image: outer zip > image-*.zip > sparse super.img (system_a, vendor_a, empty system_b), boot, vbmeta.
  writeFileSync(
    join(dir, 'super.raw'),
    superImage([
      { name: 'system_a', image: system },
      { name: 'vendor_a', image: vendor },
      { name: 'system_b', image: null },
    ]),
  );
  img2simg(join(dir, 'super.raw'), join(dir, 'super.img'));
  writeFileSync(join(dir, 'boot.img'), boot);
  const inner = join(dir, 'image-apollo.zip');
  pythonZip(inner, [
    { name: 'super.img', file: join(dir, 'super.img') },
    { name: 'boot.img', file: join(dir, 'boot.img') },
    { name: 'vbmeta.img', file: VBMETA_DISABLED },
  ]);
  const factoryZip = join(dir, 'apollo-factory.zip');
  pythonZip(factoryZip, [
    { name: 'apollo-factory/image-apollo.zip', file: inner, stored: true },
    { name: 'apollo-factory/flash-all.sh', data: 'fastboot update image-apollo.zip\n' },
  ]);

  // Version 2, already extracted to a folder: the list grew, an app was added, the region changed.
  const v2Folder = writeTree(join(dir, 'apollo-v2'), systemTree(2));
  writeTree(v2Folder, { 'vendor/build.prop': 'ro.product.vendor.brand=Xiaomi\nro.boot.hwc=CN\n' });
  return { dir, otaZip, factoryZip, v2Folder };
}

let built: Built;
let ota: Report;
beforeAll(async () => {
  built = build();
  ota = await scan({ inputs: [built.otaZip], cwd: built.dir, jobs: 2, now: () => new Date('2026-11-29T00:00:00Z') });
}, 240_000);

describe('a firmware scan', () => {
  it('reads the OTA package through zip, payload.bin, EROFS and ext4 and audits every pre-installed app', () => {
    const fw = ota.firmware?.[0];
    expect(fw).toBeDefined();
    expect(fw!.layers).toEqual(expect.arrayContaining(['zip', 'payload', 'erofs', 'ext4', 'boot', 'vbmeta']));
    expect(fw!.partitions.map((p) => `${p.name}:${p.fileSystem}`).sort()).toEqual(['system:erofs', 'vendor:ext4']);
    const packages = fw!.apps.map((a) => a.package).sort();
    expect(packages).toEqual(['android', 'com.teleca.jamendo', 'com.vendor.appstore', 'com.vendor.browser']);
    // Every app went through the APK detectors: permissions, trackers, lists.
    expect(ota.apps.find((a) => a.package === 'com.vendor.browser')?.trackers.map((t) => t.name)).toContain('Adjust');
    expect(ota.artefacts.find((a) => a.kind === 'firmware')?.path).toBe(built.otaZip);
    expect(ota.diagnostics.filter((d) => d.level === 'error')).toEqual([]);
    const ajv = new (AjvModule as unknown as typeof AjvModule.default)({ allErrors: true, strict: false });
    ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
    const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schema', 'report.schema.json'), 'utf8')));
    expect(validate(ota), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  });

  it("builds the device profile from every partition's build.prop", () => {
    const p = first(ota.firmware ?? []).profile;
    expect(p.brand).toBe('Xiaomi');
    expect(p.model).toBe('M2007J3SG');
    expect(p.device).toBe('apollo');
    expect(p.androidVersion).toBe('12');
    expect(p.securityPatch).toBe('2022-01-01');
    expect(p.skin).toBe('MIUI V130');
    expect(p.region).toMatchObject({
      'ro.miui.region': 'SG',
      'ro.product.mod_device': 'apollo_global',
      'ro.boot.hwc': 'GLOBAL',
    });
  });

  it('lists each pre-installed app with partition, privilege, platform signature and firmware grants', () => {
    const store = first(ota.firmware ?? []).apps.find((a) => a.package === 'com.vendor.appstore')!;
    expect(store.partition).toBe('system');
    expect(store.pathInPartition).toBe('/system/priv-app/VendorStore/VendorStore.apk');
    expect(store.privileged).toBe(true);
    expect(store.platformSigned).toBe(true);
    expect(store.grantedPermissions).toContain('android.permission.INSTALL_PACKAGES');
    expect(store.canInstallPackages).toBe(true);
    expect(store.aosp).toBe(false);
    const browser = first(ota.firmware ?? []).apps.find((a) => a.package === 'com.vendor.browser')!;
    expect(browser.privileged).toBe(false);
    expect(browser.platformSigned).toBe(false);
    expect(browser.canInstallPackages).toBe(false);
    expect(first(ota.firmware ?? []).apps.find((a) => a.package === 'android')?.platformSigned).toBe(true);
  });

  it('reports the firmware-level findings', () => {
    const byId = <Id extends DetectorId>(id: Id) => findingsOf(ota.findings, id);
    expect(byId('firmware/silent-installer').map((f) => f.evidence.package)).toEqual(['com.vendor.appstore']);
    const lists = byId('firmware/system-keyword-list');
    expect(lists.map((f) => f.evidence.package)).toEqual(['com.vendor.browser']);
    const list = first(lists);
    expect(list.severity).toBe('high');
    const related = list.evidence.related;
    expect(
      ota.findings
        .filter((f) => related.includes(f.fingerprint))
        .some((f) => f.detectorId === 'censorship/keyword-list'),
    ).toBe(true);
    const endpoint = byId('firmware/non-adequate-endpoint');
    expect(endpoint.map((f) => f.evidence.country)).toContain('CN');
    expect(byId('firmware/verified-boot-disabled')[0]?.evidence).toMatchObject({
      flags: 3,
      verificationDisabled: true,
    });
    expect(byId('firmware/selinux-permissive')).toHaveLength(1);
    expect(byId('firmware/weak-build')[0]?.evidence.reasons).toContain('ro.debuggable=1');
    expect(byId('firmware/preinstalled-tracker').map((f) => f.evidence.name)).toContain('Adjust');
  });

  it('finds the same apps and findings in the factory image (nested zip, sparse super.img, A/B slots)', async () => {
    const factory = await scan({ inputs: [built.factoryZip], cwd: built.dir, jobs: 1 });
    const fw = first(factory.firmware ?? []);
    expect(fw.layers).toEqual(expect.arrayContaining(['zip', 'sparse', 'super', 'erofs', 'ext4', 'boot', 'vbmeta']));
    expect(fw.apps.map((a) => a.package).sort()).toEqual(
      first(ota.firmware ?? [])
        .apps.map((a) => a.package)
        .sort(),
    );
    const ids = (r: Report) =>
      [...new Set(r.findings.filter((f) => f.detectorId.startsWith('firmware/')).map((f) => f.detectorId))].sort();
    expect(ids(factory)).toEqual(ids(ota));
    expect(fw.partitions.map((p) => p.path.split('!/').pop())).toEqual(
      expect.arrayContaining(['system_a', 'vendor_a']),
    );
  });

  it('reads vendor tarballs: a Samsung-style .tar.md5 of LZ4 sparse images, and a .tgz of images', async () => {
    const dir = tempDir('candor-fw-tar-');
    img2simg(join(built.dir, 'system.img'), join(dir, 'system.img'));
    run('lz4', ['-q', '-f', join(dir, 'system.img'), join(dir, 'system.img.lz4')]);
    run('lz4', ['-q', '-f', join(built.dir, 'boot.img'), join(dir, 'boot.img.lz4')]);
    run('tar', ['--format=ustar', '-C', dir, '-cf', join(dir, 'AP_APOLLO.tar.md5'), 'system.img.lz4', 'boot.img.lz4']);
    writeFileSync(
      join(dir, 'AP_APOLLO.tar.md5'),
      Buffer.concat([
        readFileSync(join(dir, 'AP_APOLLO.tar.md5')),
        Buffer.from('d41d8cd98f00b204e9800998ecf8427e  AP_APOLLO.tar\n'),
      ]),
    );
    const samsung = await scan({ inputs: [join(dir, 'AP_APOLLO.tar.md5')], cwd: '/', jobs: 2 });
    expect(first(samsung.firmware ?? []).layers).toEqual(expect.arrayContaining(['tar', 'sparse', 'erofs', 'boot']));
    expect(
      first(samsung.firmware ?? [])
        .apps.map((a) => a.package)
        .sort(),
    ).toEqual(['android', 'com.teleca.jamendo', 'com.vendor.appstore', 'com.vendor.browser']);
    expect(samsung.findings.some((f) => f.detectorId === 'firmware/selinux-permissive')).toBe(true);
    run('tar', ['-C', built.dir, '-czf', join(dir, 'apollo_global_images.tgz'), 'system.img', 'vendor.img']);
    const xiaomi = await scan({ inputs: [join(dir, 'apollo_global_images.tgz')], cwd: '/', jobs: 2 });
    expect(
      first(xiaomi.firmware ?? [])
        .partitions.map((p) => p.name)
        .sort(),
    ).toEqual(['system', 'vendor']);
    expect(first(xiaomi.firmware ?? []).profile.region['ro.boot.hwc']).toBe('GLOBAL');
  });

  it('resumes from the store: a second scan reuses every app analysed before (by SHA-256)', async () => {
    const store = new Store(join(tempDir('candor-store-'), 'c.sqlite'));
    try {
      const firstEvents: ProgressEvent[] = [];
      await scan({ inputs: [built.otaZip], cwd: built.dir, store, jobs: 2, onProgress: (e) => firstEvents.push(e) });
      const second: ProgressEvent[] = [];
      const again = await scan({
        inputs: [built.otaZip],
        cwd: built.dir,
        store,
        jobs: 2,
        onProgress: (e) => second.push(e),
      });
      const apkEvents = (events: ProgressEvent[]) =>
        events.filter(
          (e): e is Extract<ProgressEvent, { type: 'file' }> => e.type === 'file' && e.path.endsWith('.apk'),
        );
      expect(apkEvents(firstEvents).every((e) => !e.cached)).toBe(true);
      expect(apkEvents(second)).toHaveLength(4);
      expect(apkEvents(second).every((e) => e.cached)).toBe(true);
      expect(firstEvents.some((e) => e.type === 'firmware' && e.phase === 'walked' && e.apps === 4)).toBe(true);
      expect(first(again.firmware ?? []).apps).toHaveLength(4);
      expect(again.findings.filter((f) => f.detectorId === 'firmware/silent-installer')).toHaveLength(1);
    } finally {
      store.close();
    }
  });
});

describe('firmware in the reports', () => {
  it('shows the device, the inventory and verified boot in the terminal and HTML reports', () => {
    const text = renderTerminal(ota, { color: false });
    expect(text).toMatch(/Firmware .*apollo-ota\.zip/);
    expect(text).toContain('Xiaomi M2007J3SG (apollo) · Android 12 · patch 2022-01-01');
    expect(text).toMatch(/com\.vendor\.appstore 7\.0 \[system\] priv platform INSTALLER/);
    expect(text).toContain('verification DISABLED');
    const html = renderHtml(ota);
    expect(html).toContain('<h2>Firmware: ');
    expect(html).toContain('M2007J3SG');
    expect(html).toContain('verification disabled');
    expect(html).toContain('aria-label="apps by partition"');
  });

  it('escapes hostile property values and file names from a firmware', async () => {
    const dir = tempDir('candor-fw-hostile-');
    writeTree(join(dir, 'fw'), {
      'system/build.prop':
        'ro.product.system.model=<script>alert(1)</script>\nro.miui.region=<img src=x onerror=alert(2)>\n',
      'system/app/<b>x</b>/Jamendo.apk': { copy: corpusFile('com.teleca.jamendo_35.apk') },
    });
    const r = await scan({ inputs: [join(dir, 'fw')], cwd: '/', jobs: 1 });
    expect(first(r.firmware ?? []).profile.model).toBe('<script>alert(1)</script>');
    const html = renderHtml(r);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>x</b>');
    expect(html).toMatch(/(&#60;|&lt;)script(&#62;|&gt;)alert\(1\)/);
  });
});

describe('firmware and traffic in one scan', () => {
  it("places a system app's hard-coded host by the capture, and names the app on the destination", async () => {
    const { buildPcap } = await import('../fixtures/pcap-builder.js');
    const pcap = join(tempDir('candor-fw-pcap-'), 'phone.pcap');
    const start = 1_700_000_000;
    writeFileSync(
      pcap,
      buildPcap(
        Array.from({ length: 5 }, (_, i) => ({
          ts: start + i * 300,
          client: '192.168.1.23',
          server: '161.117.96.10',
          clientPort: 41000 + i,
          serverPort: 443,
          sni: 'stat.browser-vendor.cn',
          uploadBytes: 900,
        })),
      ),
    );
    const r = await scan({ inputs: [built.otaZip, pcap], cwd: '/', jobs: 2 });
    const placed = findingsOf(r.findings, 'firmware/non-adequate-endpoint').find(
      (f) => f.evidence.host === 'stat.browser-vendor.cn',
    );
    expect(placed?.evidence).toMatchObject({
      country: 'SG',
      how: 'seen in a capture of this scan',
      package: 'com.vendor.browser',
    });
    expect(placed?.severity).toBe('medium');
    expect(r.destinations?.find((d) => d.host === 'stat.browser-vendor.cn')?.apps).toContain('com.vendor.browser');
  });
});

describe('indicators on firmware', () => {
  it("matches STIX android-property:name indicators against the firmware's properties", async () => {
    const stix = JSON.stringify({
      type: 'bundle',
      id: 'bundle--fw',
      objects: [
        {
          type: 'indicator',
          spec_version: '2.1',
          id: 'indicator--prop',
          name: 'stalkerware property',
          pattern: "[android-property:name = 'persist.sys.monitor.upload']",
          pattern_type: 'stix',
          valid_from: '2024-01-01T00:00:00Z',
        },
        {
          type: 'indicator',
          spec_version: '2.1',
          id: 'indicator--absent',
          name: 'absent property',
          pattern: "[android-property:name = 'ro.not.there']",
          pattern_type: 'stix',
          valid_from: '2024-01-01T00:00:00Z',
        },
      ],
    });
    const dir = tempDir('candor-fw-ioc-');
    writeTree(join(dir, 'fw'), {
      'system/build.prop': 'ro.product.system.brand=X\npersist.sys.monitor.upload=1\n',
      'system/app/J/J.apk': { copy: corpusFile('com.teleca.jamendo_35.apk') },
    });
    const r = await scan({
      inputs: [join(dir, 'fw')],
      cwd: '/',
      jobs: 1,
      indicators: [parseStixBundle(stix, 'fw.stix2')],
    });
    const hits = r.findings.filter((f) => f.detectorId === 'iocs/stix-indicator');
    expect(hits.map((f) => f.evidence.indicator)).toEqual(['stalkerware property']);
  });
});

describe('candor diff between two firmware versions', () => {
  it('shows the list that grew (terms added), the new app and the region switch', async () => {
    const v2 = await scan({ inputs: [built.v2Folder], cwd: built.dir, jobs: 2 });
    expect(first(v2.firmware ?? []).layers).toContain('folder');
    const d = diffScans(ota, v2);
    const grown = d.lists.changed.find((l) => l.app === 'com.vendor.browser');
    expect(grown).toBeDefined();
    expect(grown!.to).toBeGreaterThan(grown!.from);
    expect(grown!.termsAdded).toEqual(expect.arrayContaining(['新疆再教育营', '李文亮']));
    expect(grown!.termsRemoved).toEqual([]);
    expect(d.apps.added.map((a) => a.package)).toEqual(['org.dyndns.fules.ck']);
    expect(d.apps.changed.find((a) => a.package === 'com.vendor.browser')).toMatchObject({ from: '1.0', to: '2.0' });
    expect(d.regionProperties.changed).toEqual(
      expect.arrayContaining([
        { key: 'ro.miui.region', from: 'SG', to: 'CN' },
        { key: 'ro.boot.hwc', from: 'GLOBAL', to: 'CN' },
      ]),
    );
    expect(d.profile.find((p) => p.field === 'securityPatch')).toEqual({
      field: 'securityPatch',
      from: '2022-01-01',
      to: '2022-02-01',
    });
    const text = renderDiffText(d);
    expect(text).toMatch(/KEYWORD LISTS\n {2}~ \d+ → \d+ terms \(\+\d+ −0\): com\.vendor\.browser/);
    expect(text).toContain('+ 李文亮');
  });

  it('works from the command line on stored scans and on JSON reports, and gates CI on list growth', () => {
    const dir = tempDir('candor-diff-cli-');
    const db = join(dir, 'c.sqlite');
    const cli = (args: string[]) =>
      spawnSync(process.execPath, ['--import', TSX, join(ROOT, 'src', 'cli', 'run.ts'), ...args], {
        cwd: dir,
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      });
    const s1 = cli(['scan', built.otaZip, '--db', db, '-q', '--format', 'json', '--out', join(dir, 'a.json')]);
    expect(s1.status, s1.stderr).toBe(0);
    const s2 = cli(['scan', built.v2Folder, '--db', db, '-q', '--format', 'json', '--out', join(dir, 'b.json')]);
    expect(s2.status, s2.stderr).toBe(0);
    const a = JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8')) as Report;
    const b = JSON.parse(readFileSync(join(dir, 'b.json'), 'utf8')) as Report;
    const byId = cli(['diff', a.scan.id, b.scan.id, '--db', db]);
    expect(byId.status, byId.stderr).toBe(0);
    expect(byId.stdout).toContain('com.vendor.browser');
    const byFile = cli(['diff', join(dir, 'a.json'), join(dir, 'b.json'), '--format', 'json', '--fail-on-growth']);
    expect(byFile.status).toBe(1);
    expect(first((JSON.parse(byFile.stdout) as ScanDiff).apps.added).package).toBe('org.dyndns.fules.ck');
  });
});
