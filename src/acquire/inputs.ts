import { closeSync, openSync, readSync, readdirSync, statSync, type Dirent } from 'node:fs';
import { join, relative } from 'node:path';
import type { Diagnostic } from '../model.js';
import { isFirmwareFile, isFirmwareFolder } from './detect.js';

/**
 * Expands the paths given on the command line into the files to analyse. A folder (an `adb pull` of
 * /system/app, say) is walked recursively; inside folders only files that are archives, DEX, ELF or
 * text-like by name are taken, so a dump's images and databases do not flood the report.
 */

export interface InputFile {
  fsPath: string;
  logicalPath: string;
  size: number;
}

const TEXT_NAMES = /\.(txt|json|xml|csv|dat|cfg|conf|ini|properties|lst|list|pcap|pcapng|cap|har)$/i;
const MAX_FILES = 1_000_000;

/** A firmware image or extracted firmware folder: walked by the firmware reader, not analysed as one file. */
export interface FirmwareInput {
  kind: 'file' | 'folder';
  fsPath: string;
  logicalPath: string;
  size: number;
}

export function expandInputs(
  paths: string[],
  cwd: string,
): { files: InputFile[]; firmwares: FirmwareInput[]; diagnostics: Diagnostic[] } {
  const files: InputFile[] = [];
  const firmwares: FirmwareInput[] = [];
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    const abs = join(p.startsWith('/') ? '' : cwd, p);
    let st;
    try {
      st = statSync(abs);
    } catch (err) {
      diagnostics.push({ level: 'error', code: 'input/not-found', message: (err as Error).message, path: p });
      continue;
    }
    if (st.isFile()) {
      if (!seen.has(abs)) {
        if (isFirmwareFile(abs)) firmwares.push({ kind: 'file', fsPath: abs, logicalPath: logical(p), size: st.size });
        else files.push({ fsPath: abs, logicalPath: logical(p), size: st.size });
      }
      seen.add(abs);
    } else if (st.isDirectory() && isFirmwareFolder(abs)) {
      firmwares.push({ kind: 'folder', fsPath: abs, logicalPath: logical(p).replace(/\/+$/, ''), size: 0 });
    } else if (st.isDirectory()) {
      walk(abs, (file, size) => {
        if (seen.has(file) || files.length >= MAX_FILES) return;
        if (!TEXT_NAMES.test(file) && !hasKnownMagic(file)) return;
        seen.add(file);
        files.push({ fsPath: file, logicalPath: logical(join(p, relative(abs, file))), size });
      });
    } else {
      diagnostics.push({ level: 'warning', code: 'input/not-a-file', message: 'neither a file nor a folder', path: p });
    }
  }
  files.sort((a, b) => a.logicalPath.localeCompare(b.logicalPath));
  return { files, firmwares, diagnostics };
}

function logical(p: string): string {
  return p.replace(/\\/g, '/').replace(/^\.\//, '');
}

function walk(dir: string, visit: (file: string, size: number) => void, depth = 0): void {
  if (depth > 64) return;
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(dir, e.name);
    // Symbolic links are not followed: a dump may link in circles or out of the tree.
    if (e.isDirectory()) walk(full, visit, depth + 1);
    else if (e.isFile()) {
      try {
        visit(full, statSync(full).size);
      } catch {
        /* vanished while walking */
      }
    }
  }
}

function hasKnownMagic(file: string): boolean {
  let fd: number | null = null;
  try {
    fd = openSync(file, 'r');
    const b = Buffer.alloc(4);
    if (readSync(fd, b, 0, 4, 0) < 4) return false;
    return (
      b.readUInt32LE(0) === 0x04034b50 ||
      b.toString('latin1') === 'dex\n' ||
      (b[0] === 0x7f && b.toString('latin1', 1) === 'ELF')
    );
  } catch {
    return false;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
