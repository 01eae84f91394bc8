import type { DeviceProfile } from '../model.js';

/**
 * build.prop files (key=value, `#` comments, `import` lines) and `getprop` dumps (`[key]: [value]`), and
 * the device profile read from them: identity, versions, security patch, build type and tags, and the
 * region, locale and carrier properties vendors switch features on (MIUI's ro.miui.region and
 * ro.product.mod_device, ColorOS's regionmark, EMUI's ro.config.hw_optb, OxygenOS's
 * persist.sys.oem.region, Xiaomi's ro.boot.hwc...).
 */

export type Props = Map<string, string>;

const MAX_LINES = 200_000;

export function parseProps(text: string): Props {
  const props: Props = new Map();
  const lines = text.split(/\r?\n/, MAX_LINES);
  for (const raw of lines) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('import ')) continue;
    const getprop = /^\[([^\]]+)\]:\s*\[(.*)\]$/.exec(line);
    if (getprop) {
      props.set(getprop[1] ?? '', getprop[2] ?? '');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0) props.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return props;
}

/** A file is a property file by name: build.prop, default.prop, prop.default, *.prop, getprop dumps. */
export function isPropFile(path: string): boolean {
  return /(^|\/)(build\.prop|default\.prop|prop\.default|[^/]*\.prop|[^/]*\.getprop)$/.test(path);
}

/** Property-name words that carry a region, between separators. */
const REGION_WORDS = [
  'region|regionmark|country|iso-country|locale|carrier|csc|sales_code',
  'optb|hwc|hwcountry|nv_id|mod_device|cust_variant|market|sku',
].join('|');
const REGION_KEY = new RegExp(`(^|[._-])(${REGION_WORDS})($|[._-])`, 'i');
const NOT_REGION =
  /^(debug\.|dev\.|init\.svc\.)|(lcd|display|camera|audio|sampling|\.date|\.utc|surfaceflinger|version)/i;

export function isRegionProperty(key: string): boolean {
  return REGION_KEY.test(key) && !NOT_REGION.test(key);
}

/** Reads a property from any partition's prefix (ro.product.system.model, ro.product.vendor.model...). */
function pick(
  all: Array<{ path: string; props: Props }>,
  keys: string[],
  sources: Record<string, string>,
  field: string,
): string | null {
  for (const key of keys) {
    for (const { path, props } of all) {
      const v = props.get(key);
      if (v) {
        sources[field] = `${path}:${key}`;
        return v;
      }
    }
  }
  return null;
}

const PARTITION_PREFIXES = ['', 'system.', 'vendor.', 'product.', 'odm.', 'system_ext.', 'bootimage.'];
const variants = (base: string, part: string) =>
  PARTITION_PREFIXES.map((p) => base.replace('{p}', p)).filter((k, i, a) => a.indexOf(k) === i && k.includes(part));

const SKINS: Array<[string, string]> = [
  ['ro.miui.ui.version.name', 'MIUI'],
  ['ro.mi.os.version.name', 'HyperOS'],
  ['ro.build.version.emui', 'EMUI'],
  ['hw_sc.build.platform.version', 'HarmonyOS'],
  ['ro.build.version.opporom', 'ColorOS'],
  ['ro.build.version.oplusrom', 'ColorOS'],
  ['ro.oxygen.version', 'OxygenOS'],
  ['ro.rom.version', 'OxygenOS/H2OS'],
  ['ro.build.version.oneui', 'One UI'],
  ['ro.vivo.os.version', 'Funtouch/OriginOS'],
  ['ro.lineage.version', 'LineageOS'],
];

export function deviceProfile(files: Array<{ path: string; props: Props }>): DeviceProfile {
  // system first: it is what the device reports; vendor and others fill gaps.
  const order = (p: string) =>
    ['system/', 'system_ext/', 'product/', 'vendor/', 'odm/'].findIndex((x) => p.includes(x));
  const all = [...files].sort(
    (a, b) => ((order(a.path) + 10) % 10) - ((order(b.path) + 10) % 10) || a.path.localeCompare(b.path),
  );
  const sources: Record<string, string> = {};
  const get = (field: string, ...keys: string[]) => pick(all, keys, sources, field);
  const region: Record<string, string> = {};
  for (const { path, props } of all) {
    for (const [k, v] of props)
      if (isRegionProperty(k) && !(k in region)) {
        region[k] = v;
        sources[`region:${k}`] = path;
      }
  }
  let skin: string | null = null;
  for (const [key, label] of SKINS) {
    const v = get('skin', key);
    if (v) {
      skin = `${label} ${v}`;
      break;
    }
  }
  return {
    brand: get('brand', ...variants('ro.product.{p}brand', 'brand')),
    manufacturer: get('manufacturer', ...variants('ro.product.{p}manufacturer', 'manufacturer')),
    model: get('model', ...variants('ro.product.{p}model', 'model')),
    device: get('device', ...variants('ro.product.{p}device', 'device'), 'ro.build.product'),
    name: get('name', ...variants('ro.product.{p}name', 'name')),
    fingerprint: get('fingerprint', ...variants('ro.{p}build.fingerprint', 'fingerprint'), 'ro.build.oemfingerprint'),
    firmwareVersion: get(
      'firmwareVersion',
      'ro.build.display.id',
      'ro.build.version.incremental',
      'ro.system.build.version.incremental',
    ),
    androidVersion: get('androidVersion', ...variants('ro.{p}build.version.release', 'release')),
    sdk: get('sdk', ...variants('ro.{p}build.version.sdk', 'sdk')),
    securityPatch: get('securityPatch', 'ro.build.version.security_patch', 'ro.vendor.build.security_patch'),
    buildType: get('buildType', ...variants('ro.{p}build.type', 'type')),
    buildTags: get('buildTags', ...variants('ro.{p}build.tags', 'tags')),
    buildDate: get('buildDate', ...variants('ro.{p}build.date', 'date')),
    skin,
    region,
    sources,
  };
}
