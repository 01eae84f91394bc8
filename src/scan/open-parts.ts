import { MalformedInputError } from '../io/errors.js';
import type { ResourceTable } from '../formats/arsc.js';
import { parseBinaryXml } from '../formats/axml.js';
import { DexFile } from '../formats/dex.js';
import { elfListStrings, elfPointerStrings, elfStrings, parseElf, type ElfInfo } from '../formats/elf.js';
import { readManifest, type Manifest } from '../formats/manifest.js';
import type { Artefact } from '../model.js';
import type { AnalyzeContext } from './analyze-context.js';
import type { ApkModel } from './apk-model.js';
import type { Collector } from './collector.js';

/**
 * Opens the parts of an app (DEX, ELF, the binary manifest): a part that fails to parse is a diagnostic
 * and the rest of the app is still analysed.
 */

/** Parser warnings kept per part: enough to see the problem, not a flood. */
export const MAX_PART_WARNINGS = 20;

export function openDex(bytes: Buffer, path: string, a: Artefact, ctx: AnalyzeContext, out: Collector): DexFile | null {
  try {
    return new DexFile(bytes, ctx.limits);
  } catch (err) {
    out.diag('error', err, path, a.id);
    return null;
  }
}

export function openElf(bytes: Buffer, a: Artefact, out: Collector): ApkModel['nativeLibs'][number] {
  let elf: ElfInfo | null = null;
  try {
    elf = parseElf(bytes);
  } catch (err) {
    out.diag('warning', err, a.path, a.id);
  }
  // Pointer tables first: where one holds a list, it has the list's own order and its tail-merged entries.
  return {
    artefact: a,
    elf,
    strings: elfStrings(bytes, elf),
    ...(elf ? { listStrings: [...elfPointerStrings(bytes, elf), ...elfListStrings(bytes, elf)] } : {}),
  };
}

export function openManifest(
  bytes: Buffer | null,
  resources: ResourceTable | null,
  path: string,
  artefactId: string,
  out: Collector,
): Manifest | null {
  if (!bytes) return null;
  try {
    const xml = parseBinaryXml(bytes);
    for (const w of xml.warnings.slice(0, MAX_PART_WARNINGS)) out.warn('axml/warning', w, path, artefactId);
    if (!xml.root) throw new MalformedInputError('axml/no-root', 'manifest has no root element');
    return readManifest(xml.root, resources);
  } catch (err) {
    out.diag('error', err, path, artefactId);
    return null;
  }
}
