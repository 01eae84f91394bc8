import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BufferSource } from '../../src/io/byte-source.js';
import { parseBootImage } from '../../src/formats/bootimg.js';
import { findVbmeta, parseVbmeta } from '../../src/formats/vbmeta.js';
import { deviceProfile, isRegionProperty, parseProps } from '../../src/formats/buildprop.js';
import { emptyGrants, readPermissionXml } from '../../src/formats/privapp.js';
import { CORPUS } from '../helpers.js';
import { bootImage } from '../fixtures/firmware-builder.js';
import { first } from '../defined.js';

const FW = join(CORPUS, 'firmware');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const src = (p: string) => new BufferSource(readFileSync(join(FW, p)));

/** The property a line-oriented grep finds: an independent reading of the same file. */
function grepProp(file: string, key: string): string | null {
  const text = readFileSync(join(FW, 'buildprops', file), 'utf8');
  for (const line of text.split('\n')) {
    if (line.startsWith(`${key}=`)) return line.slice(key.length + 1).trim();
    if (line.startsWith(`[${key}]: [`)) return line.slice(key.length + 5, -1);
  }
  return null;
}

describe('boot images', () => {
  it('reads header v2 (avbroot test image): cmdline with extra cmdline, name, OS version, patch level', () => {
    const b = parseBootImage(src('avbroot/boot_v2.img'));
    expect(b.kind).toBe('boot');
    expect(b.headerVersion).toBe(2);
    expect(b.name).toBe('NameNameNameName');
    expect(b.cmdline.startsWith('CmdlineCmdline')).toBe(true);
    expect(b.cmdline).toContain('ExtraCmdline');
    expect(b.pageSize).toBe(4096);
    expect(b.kernelSize).toBeGreaterThan(0);
  });

  it('reads header v4 and vendor_boot v4 with its bootconfig', () => {
    expect(parseBootImage(src('avbroot/boot_v4.img')).headerVersion).toBe(4);
    const v = parseBootImage(src('avbroot/vendor_v4.img'));
    expect(v.kind).toBe('vendor_boot');
    expect(v.headerVersion).toBe(4);
    expect(v.bootconfig).toBe('bootconfig data');
  });

  for (const version of [0, 1, 2, 3, 4]) {
    it(`decodes OS version, patch level and ramdisk format of a header v${version} image`, () => {
      const img = bootImage({
        version,
        cmdline: 'console=ttyMSM0 androidboot.selinux=permissive',
        osVersion: [12, 1, 0],
        patch: [2022, 3],
      });
      const b = parseBootImage(new BufferSource(img));
      expect(b.headerVersion).toBe(version);
      expect(b.cmdline).toBe('console=ttyMSM0 androidboot.selinux=permissive');
      expect(b.osVersion).toBe('12.1.0');
      expect(b.patchLevel).toBe('2022-03');
      expect(b.ramdiskFormat).toBe('gzip');
    });
  }
});

describe('vbmeta', () => {
  it('sees that the LineageOS sdm845 vbmeta.img disables verification and dm-verity (flags 3)', () => {
    const s = src('lineageos-sdm845-vbmeta.img');
    const v = parseVbmeta(s, 0, sha);
    expect(v.flags).toBe(3);
    expect(v.verificationDisabled).toBe(true);
    expect(v.hashtreeDisabled).toBe(true);
    expect(v.partitions.map((p) => `${p.kind}:${p.partition}`)).toEqual([
      'hash:boot',
      'hashtree:system',
      'hashtree:vendor',
      'hash:dtbo',
    ]);
    expect(v.algorithm).toBe('SHA256_RSA4096');
  });

  it('reads hash, hashtree and chain descriptors, properties and cmdlines (avbroot vbmeta_root.img)', () => {
    const v = parseVbmeta(src('avbroot/vbmeta_root.img'), 0, sha);
    expect(v.flags).toBe(0);
    expect(v.partitions).toEqual([
      { partition: 'hashtreed_partition', kind: 'hashtree' },
      { partition: 'hashed_partition', kind: 'hash' },
      { partition: 'chained_partition', kind: 'chain' },
    ]);
    expect(v.cmdlines).toEqual(['foobar']);
    expect(Object.keys(v.properties)).toEqual(['foobar']);
  });

  it('finds vbmeta through the AVB footer of an image', () => {
    const s = src('avbroot/vbmeta_appended_hash_tree.img');
    const at = findVbmeta(s);
    expect(at).toBeGreaterThan(0);
    expect(first(parseVbmeta(s, at as number, sha).partitions).partition).toBe('vbmeta_appended_hash_tree');
  });
});

describe('build.prop and getprop dumps', () => {
  const cases: Array<[string, string[]]> = [
    [
      'op7pro__intl__11.0.5.1.GM21AA.prop',
      ['ro.build.version.security_patch', 'ro.build.type', 'ro.build.tags', 'ro.build.version.release'],
    ],
    [
      'op9rt__china__MT2110_11_A.10.getprop',
      ['ro.product.brand', 'ro.product.model', 'ro.build.version.security_patch'],
    ],
    ['opx__3.1.4.prop', ['ro.build.version.security_patch', 'ro.build.type', 'ro.build.tags']],
  ];
  for (const [file, keys] of cases) {
    it(`reads ${file} as grep does`, () => {
      const props = parseProps(readFileSync(join(FW, 'buildprops', file), 'utf8'));
      for (const k of keys) expect(props.get(k), k).toBe(grepProp(file, k));
    });
  }

  it('builds a device profile with the region properties vendors switch on', () => {
    const files = ['op9rt__china__MT2110_11_A.10.getprop'].map((f) => ({
      path: f,
      props: parseProps(readFileSync(join(FW, 'buildprops', f), 'utf8')),
    }));
    const p = deviceProfile(files);
    expect(p.brand).toBe('OnePlus');
    expect(p.model).toBe('MT2110');
    expect(p.securityPatch).toBe('2021-11-05');
    expect(p.region['persist.sys.oplus.region']).toBe('CN');
    expect(p.region['gsm.sim.operator.iso-country']).toBe('ru');
    expect(p.region['ro.oplus.image.my_region.type']).toBe('CN_OnePlus');
    // Display geometry that merely contains "region" is not a region switch.
    expect(Object.keys(p.region).some((k) => k.includes('lcd'))).toBe(false);
    expect(p.sources.brand).toContain('ro.product.brand');
  });

  it('knows the region properties of MIUI, EMUI, ColorOS and OxygenOS', () => {
    for (const k of [
      'ro.miui.region',
      'ro.product.mod_device',
      'ro.config.hw_optb',
      'ro.vendor.oplus.regionmark',
      'persist.sys.oem.region',
      'ro.boot.hwc',
      'ro.product.locale',
      'ro.csc.sales_code',
    ])
      expect(isRegionProperty(k), k).toBe(true);
    for (const k of [
      'ro.build.version.release',
      'debug.sf.enable_hwc_vds',
      'persist.oplus.display.surfaceflinger.regionsampling.cwb',
    ])
      expect(isRegionProperty(k), k).toBe(false);
  });
});

describe('permission XML', () => {
  it('collects privileged allow-lists, denials and default grants', () => {
    const g = emptyGrants();
    readPermissionXml(
      `<?xml version="1.0" encoding="utf-8"?>
<!-- <privapp-permissions package="commented.out"><permission name="X"/></privapp-permissions> -->
<permissions>
  <privapp-permissions package="com.vendor.appstore">
    <permission name="android.permission.INSTALL_PACKAGES"/>
    <permission name="android.permission.DELETE_PACKAGES" />
    <deny-permission name="android.permission.READ_LOGS"/>
  </privapp-permissions>
</permissions>`,
      'privapp-permissions-vendor.xml',
      g,
    );
    readPermissionXml(
      '<exceptions><exception package="com.vendor.analytics">' +
        '<permission name="android.permission.READ_PHONE_STATE" fixed="false"/></exception></exceptions>',
      'default-permissions.xml',
      g,
    );
    expect([...(g.privileged.get('com.vendor.appstore') ?? [])]).toEqual([
      'android.permission.INSTALL_PACKAGES',
      'android.permission.DELETE_PACKAGES',
    ]);
    expect([...(g.denied.get('com.vendor.appstore') ?? [])]).toEqual(['android.permission.READ_LOGS']);
    expect([...(g.defaults.get('com.vendor.analytics') ?? [])]).toEqual(['android.permission.READ_PHONE_STATE']);
    expect(g.privileged.has('commented.out')).toBe(false);
  });
});
