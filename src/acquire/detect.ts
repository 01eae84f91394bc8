import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FileSource } from '../io/byte-source.js';
import { DEFAULT_LIMITS } from '../io/limits.js';
import { readZipDirectory } from '../containers/zip.js';
import { layerKinds } from '../containers/sniff.js';

/**
 * Decides whether an input is a firmware (image, OTA package, factory zip or tarball, extracted tree)
 * rather than an app, a capture or a loose file. Zips are firmware when they carry images, a payload,
 * a block OTA or a system tree, and are not themselves APKs.
 */

/** Entry names that make a zip a firmware package, one alternative each. */
const FIRMWARE_ZIP_ENTRY = new RegExp(
  `^(${[
    'payload\\.bin',
    '[^/]+\\.img',
    '[^/]+\\.transfer\\.list',
    '[^/]+\\.new\\.dat(\\.br)?',
    'META-INF\\/com\\/google\\/android\\/update-binary',
    '(system|vendor|product)\\/.+',
    'image-[^/]+\\.zip',
    '[^/]+\\/image-[^/]+\\.zip',
    '[^/]+\\/[^/]+\\.img',
  ].join('|')})$`,
);

export function isFirmwareFile(path: string): boolean {
  let src: FileSource | null = null;
  try {
    src = new FileSource(path);
    if (src.size < 512) return false;
    // An image layer decides at once; a gzip only by its name; a zip only by what it holds.
    let zip = false;
    for (const kind of layerKinds(src)) {
      if (kind === 'zip') zip = true;
      else if (kind !== 'gzip' || /\.(tgz|tar\.gz)$/i.test(path)) return true;
    }
    if (!zip) return false;
    const dir = readZipDirectory(src, DEFAULT_LIMITS);
    if (dir.byName.has('AndroidManifest.xml')) return false;
    return dir.entries.some((e) => FIRMWARE_ZIP_ENTRY.test(e.name));
  } catch {
    return false;
  } finally {
    src?.close();
  }
}

/** An extracted firmware: a build.prop or priv-app near the top, or partition images in the folder. */
export function isFirmwareFolder(dir: string): boolean {
  const candidates = [
    'build.prop',
    'system/build.prop',
    'system/system/build.prop',
    'priv-app',
    'system/priv-app',
    'system/system/priv-app',
    'vendor/build.prop',
  ];
  if (candidates.some((c) => existsSync(join(dir, c)))) return true;
  try {
    return readdirSync(dir).some(
      (n) => /\.(img)$/i.test(n) && statSync(join(dir, n)).isFile() && isFirmwareFile(join(dir, n)),
    );
  } catch {
    return false;
  }
}
