/**
 * The firmware's permission XML (`/etc/permissions/*.xml`, `/etc/sysconfig/*.xml`,
 * `/etc/default-permissions/*.xml`): which privileged permissions each package is allowed
 * (`<privapp-permissions>`), which it is denied, and which runtime permissions are granted by default
 * (`<exception>` in default-permissions). A small tag scanner suffices: these files are plain XML
 * without entities, and anything it cannot read is skipped, not guessed.
 */

export interface PermissionGrants {
  /** package -> privileged permissions the firmware allows */
  privileged: Map<string, Set<string>>;
  /** package -> permissions explicitly denied */
  denied: Map<string, Set<string>>;
  /** package -> runtime permissions granted by default */
  defaults: Map<string, Set<string>>;
  /** package -> the files that mention it */
  sources: Map<string, Set<string>>;
}

export function emptyGrants(): PermissionGrants {
  return { privileged: new Map(), denied: new Map(), defaults: new Map(), sources: new Map() };
}

export function isPermissionXml(path: string): boolean {
  return /\/etc\/(permissions|sysconfig|default-permissions)\/[^/]+\.xml$/.test(path);
}

const TAG = /<(\/?)([A-Za-z][\w-]*)([^>]*?)(\/?)>/g;
const ATTR = /([\w:-]+)\s*=\s*"([^"]*)"/g;

export function readPermissionXml(text: string, path: string, into: PermissionGrants): void {
  const stripped = text.replace(/<!--[\s\S]*?-->/g, '');
  const stack: Array<{ tag: string; pkg: string | null }> = [];
  for (const m of stripped.matchAll(TAG)) {
    const [, closing, tag = '', attrText = '', selfClosing] = m;
    if (closing) {
      while (stack.length && stack.pop()?.tag !== tag);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const [, name = '', value = ''] of attrText.matchAll(ATTR)) attrs[name] = value;
    const parent = stack.at(-1);
    if ((tag === 'privapp-permissions' || tag === 'exception') && attrs.package) {
      addTo(into.sources, attrs.package, path);
      if (!selfClosing) stack.push({ tag, pkg: attrs.package });
      continue;
    }
    if ((tag === 'permission' || tag === 'deny-permission') && parent?.pkg && attrs.name) {
      const target =
        tag === 'deny-permission' ? into.denied : parent.tag === 'exception' ? into.defaults : into.privileged;
      addTo(target, parent.pkg, attrs.name);
    }
    if (!selfClosing && tag !== 'permission' && tag !== 'deny-permission') stack.push({ tag, pkg: null });
  }
}

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  let s = map.get(key);
  if (!s) map.set(key, (s = new Set()));
  s.add(value);
}
