import type { App, Component, IntentFilter, PermissionUse } from '../model.js';
import type { ResourceTable } from './arsc.js';
import { resolveString } from './arsc.js';
import { attr, attrString, type XmlElement } from './axml.js';

/** The parts of AndroidManifest.xml an audit needs, with string references resolved through resources.arsc. */
export type Manifest = Pick<
  App,
  | 'package'
  | 'versionCode'
  | 'versionName'
  | 'label'
  | 'minSdk'
  | 'targetSdk'
  | 'sharedUserId'
  | 'permissions'
  | 'declaredPermissions'
  | 'components'
>;

const COMPONENT_TYPES = new Set(['activity', 'activity-alias', 'service', 'receiver', 'provider']);
const PERMISSION_ELEMENTS = new Set(['uses-permission', 'uses-permission-sdk-23', 'uses-permission-sdk-m']);

const PROTECTION_LEVELS: Record<number, string> = {
  0: 'normal',
  1: 'dangerous',
  2: 'signature',
  3: 'signatureOrSystem',
  4: 'internal',
};

export function readManifest(root: XmlElement, resources: ResourceTable | null): Manifest {
  const str = (el: XmlElement, name: string, androidOnly = true): string | null => {
    const v = attr(el, name, androidOnly);
    if (!v) return null;
    if (v.type === 'reference') return resources ? resolveString(resources, v.value) : `@0x${v.value.toString(16)}`;
    return v.type === 'string' ? v.value : String(v.value);
  };
  const int = (el: XmlElement, name: string): number | null => {
    const v = attr(el, name);
    if (!v) return null;
    if (v.type === 'int') return v.value;
    if (v.type === 'string' && /^-?\d+$/.test(v.value.trim())) return Number(v.value.trim());
    return null;
  };
  const usesSdk = root.children.find((c) => c.name === 'uses-sdk');
  const app = root.children.find((c) => c.name === 'application');
  const permissions: PermissionUse[] = [];
  const declaredPermissions: Manifest['declaredPermissions'] = [];
  for (const el of root.children) {
    if (PERMISSION_ELEMENTS.has(el.name)) {
      const name = str(el, 'name');
      if (!name) continue;
      const max = int(el, 'maxSdkVersion');
      permissions.push({ name, element: el.name, ...(max !== null ? { maxSdkVersion: max } : {}) });
    } else if (el.name === 'permission') {
      const name = str(el, 'name');
      if (!name) continue;
      const level = attr(el, 'protectionLevel');
      const protectionLevel =
        level === undefined ? undefined : level.type === 'int' ? describeProtection(level.value) : String(level.value);
      declaredPermissions.push({ name, ...(protectionLevel ? { protectionLevel } : {}) });
    }
  }
  const targetSdk = usesSdk ? int(usesSdk, 'targetSdkVersion') : null;
  const minSdk = usesSdk ? int(usesSdk, 'minSdkVersion') : null;
  addImpliedPermissions(permissions, targetSdk ?? minSdk ?? 1);
  const components: Component[] = [];
  for (const el of app?.children ?? []) {
    if (!COMPONENT_TYPES.has(el.name)) continue;
    const exported = attr(el, 'exported');
    components.push({
      type: el.name as Component['type'],
      name: qualify(str(el, 'name') ?? '', attrString(root, 'package', false) ?? ''),
      exported: exported?.type === 'bool' ? exported.value : null,
      ...(str(el, 'permission') ? { permission: str(el, 'permission') as string } : {}),
      intentFilters: el.children.filter((c) => c.name === 'intent-filter').map((f) => readFilter(f, str)),
    });
  }
  const versionCodeAttr = attr(root, 'versionCode');
  return {
    package: attrString(root, 'package', false) ?? null,
    versionCode: versionCodeAttr?.type === 'int' ? versionCodeAttr.value >>> 0 : int(root, 'versionCode'),
    versionName: str(root, 'versionName'),
    label: app ? str(app, 'label') : null,
    minSdk,
    targetSdk,
    sharedUserId: str(root, 'sharedUserId'),
    permissions,
    declaredPermissions,
    components,
  };
}

/**
 * Permissions the platform grants an app without it asking, as aapt reports them: apps targeting
 * API < 4 get WRITE_EXTERNAL_STORAGE and READ_PHONE_STATE; WRITE_EXTERNAL_STORAGE brings
 * READ_EXTERNAL_STORAGE; READ/WRITE_CONTACTS bring READ/WRITE_CALL_LOG below API 16
 * (PackageParser.NEW_PERMISSIONS and SPLIT_PERMISSIONS of the Android 4-9 era).
 */
function addImpliedPermissions(permissions: PermissionUse[], targetSdk: number): void {
  const has = (name: string) => permissions.some((p) => p.name === name);
  const imply = (name: string) => {
    if (!has(name)) permissions.push({ name, element: 'implied' });
  };
  const P = 'android.permission.';
  if (targetSdk < 4) {
    imply(`${P}WRITE_EXTERNAL_STORAGE`);
    imply(`${P}READ_PHONE_STATE`);
  }
  if (has(`${P}WRITE_EXTERNAL_STORAGE`)) imply(`${P}READ_EXTERNAL_STORAGE`);
  if (targetSdk < 16) {
    if (has(`${P}READ_CONTACTS`)) imply(`${P}READ_CALL_LOG`);
    if (has(`${P}WRITE_CONTACTS`)) imply(`${P}WRITE_CALL_LOG`);
  }
}

function readFilter(f: XmlElement, str: (el: XmlElement, name: string) => string | null): IntentFilter {
  const pick = (tag: string) =>
    f.children
      .filter((c) => c.name === tag)
      .map((c) => str(c, 'name'))
      .filter((s): s is string => !!s);
  const data = f.children
    .filter((c) => c.name === 'data')
    .map((c) => {
      const d: Record<string, string> = {};
      for (const key of ['scheme', 'host', 'port', 'path', 'pathPrefix', 'pathPattern', 'mimeType']) {
        const v = str(c, key);
        if (v !== null) d[key] = v;
      }
      return d;
    });
  return { actions: pick('action'), categories: pick('category'), data };
}

function qualify(name: string, pkg: string): string {
  if (name.startsWith('.')) return pkg + name;
  if (name !== '' && !name.includes('.')) return `${pkg}.${name}`;
  return name;
}

function describeProtection(value: number): string {
  const base = PROTECTION_LEVELS[value & 0xf] ?? `0x${(value & 0xf).toString(16)}`;
  const flags: string[] = [];
  if (value & 0x10) flags.push('privileged');
  if (value & 0x20) flags.push('development');
  if (value & 0x40) flags.push('appop');
  if (value & 0x80) flags.push('pre23');
  if (value & 0x100) flags.push('installer');
  if (value & 0x200) flags.push('verifier');
  if (value & 0x400) flags.push('preinstalled');
  if (value & 0x800) flags.push('setup');
  return [base, ...flags].join('|');
}
