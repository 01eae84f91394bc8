import { shortHash } from '../io/hash.js';
import type { FileResult } from './analyze.js';

/**
 * Moves a cached file result to a new logical root path: a file stored at `a/app.apk` and found again at
 * `b/app.apk` reuses its analysis. Paths, messages and artefact ids (hashes of paths) are rewritten.
 */
export function relocate(result: FileResult, fromRoot: string, toRoot: string): FileResult {
  if (fromRoot === toRoot) return result;
  const movePath = (p: string) =>
    p === fromRoot || p.startsWith(`${fromRoot}!/`) || p.startsWith(`${fromRoot} `)
      ? toRoot + p.slice(fromRoot.length)
      : p;
  const ids = new Map<string, string>();
  const artefacts = result.artefacts.map((a) => {
    const path = movePath(a.path);
    const id = shortHash(path);
    ids.set(a.id, id);
    return { ...a, path, id };
  });
  const mapId = (id: string) => ids.get(id) ?? id;
  const deep = (v: unknown): unknown => {
    if (typeof v === 'string') return v.split(fromRoot).join(toRoot);
    if (Array.isArray(v)) return v.map(deep);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deep(x)]));
    return v;
  };
  return {
    ...result,
    artefacts: artefacts.map((a) => ({ ...a, parentId: a.parentId ? mapId(a.parentId) : null })),
    apps: result.apps.map((a) => ({ ...(deep(a) as typeof a), artefactId: mapId(a.artefactId) })),
    findings: result.findings.map((f) => ({
      ...(deep(f) as typeof f),
      artefactId: mapId(f.artefactId),
      fingerprint: f.fingerprint,
    })),
    diagnostics: result.diagnostics.map((d) => ({
      ...(deep(d) as typeof d),
      ...(d.artefactId ? { artefactId: mapId(d.artefactId) } : {}),
    })),
  };
}
