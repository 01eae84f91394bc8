import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { FileSource } from '../io/byte-source.js';
import { sha256, shortHash } from '../io/hash.js';
import type { Limits } from '../io/limits.js';
import type { Artefact } from '../model.js';
import { emptyGrants } from '../formats/privapp.js';
import { walkFirmware, type FirmwareWalk } from './walk.js';
import type { FirmwareInput } from './inputs.js';

/** A firmware walked for its metadata; its files are read on demand until `close`. */
export interface OpenedFirmware {
  artefact: Artefact;
  walk: FirmwareWalk;
  close(): void;
}

export async function openFirmware(input: FirmwareInput, limits: Limits): Promise<OpenedFirmware> {
  const grants = emptyGrants();
  if (input.kind === 'folder') {
    const walk = walkFirmware({ kind: 'folder', dir: input.fsPath }, input.logicalPath, limits, grants);
    // A folder has no bytes of its own: identify it by the listing of what was walked.
    const listing = walk.files.map((f) => `${f.logicalPath}\t${f.size}`).join('\n');
    const artefact: Artefact = {
      id: shortHash(input.logicalPath),
      parentId: null,
      kind: 'firmware',
      path: input.logicalPath,
      sha256: sha256(Buffer.from(listing)),
      size: walk.files.reduce((n, f) => n + f.size, 0),
    };
    return { artefact, walk, close: () => walk.sources.forEach((s) => s.close()) };
  }
  const digest = await hashFile(input.fsPath);
  const src = new FileSource(input.fsPath);
  const walk = walkFirmware({ kind: 'source', source: src }, input.logicalPath, limits, grants);
  const artefact: Artefact = {
    id: shortHash(input.logicalPath),
    parentId: null,
    kind: 'firmware',
    path: input.logicalPath,
    sha256: digest,
    size: input.size,
  };
  return {
    artefact,
    walk,
    close: () => {
      walk.sources.forEach((s) => s.close());
      src.close();
    },
  };
}

/** SHA-256 of a file, streamed (an image can be larger than memory). */
export function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (c) => h.update(c))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}
