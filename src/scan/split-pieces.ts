import type { ZipEntry } from '../containers/zip.js';
import { sha256 } from '../io/hash.js';
import type { Artefact } from '../model.js';
import type { AnalyzeContext } from './analyze-context.js';
import type { ApkModel } from './apk-model.js';
import { assetBlobs, type AssetRead } from './asset-blobs.js';
import type { Collector } from './collector.js';

/** Pieces Unity splits a large serialized file into; the game joins them in order at run time. */
const SPLIT_PIECE = /^(.+\.assets)\.split(\d+)$/;
/** Problems of one asset read kept as diagnostics. */
const MAX_ASSET_PROBLEMS = 20;

/** Groups `x.assets.split0..N` by their joined name; a single piece is read on its own, not joined. */
export function splitGroups(entries: ZipEntry[]): Map<string, ZipEntry[]> {
  const groups = new Map<string, ZipEntry[]>();
  for (const e of entries) {
    const base = SPLIT_PIECE.exec(e.name)?.[1];
    if (base === undefined) continue;
    const g = groups.get(base) ?? [];
    g.push(e);
    groups.set(base, g);
  }
  for (const [base, g] of groups) if (g.length < 2) groups.delete(base);
  return groups;
}

/** Whether an entry is one of the pieces a group will join (it is then not read alone). */
export function isJoinedPiece(groups: Map<string, ZipEntry[]>, e: ZipEntry): boolean {
  return groups.get(e.name.replace(SPLIT_PIECE, '$1'))?.includes(e) === true;
}

function pieceNumber(e: ZipEntry): number {
  return Number(SPLIT_PIECE.exec(e.name)?.[2] ?? 0);
}

/** Joins `x.assets.split0..N` in numeric order, as Unity's player does, and reads the whole file. */
export function joinSplitPieces(
  base: string,
  pieces: ZipEntry[],
  read: (e: ZipEntry) => Buffer | null,
  path: string,
  a: Artefact,
  model: ApkModel,
  ctx: AnalyzeContext,
  out: Collector,
  depth: number,
): void {
  const ordered = [...pieces].sort((x, y) => pieceNumber(x) - pieceNumber(y));
  const total = ordered.reduce((n, e) => n + e.uncompressedSize, 0);
  const joinedPath = `${path}!/${base}`;
  if (total > ctx.limits.assets.maxOutputBytes) {
    const message = `${ordered.length} split pieces of ${total} bytes exceed ${ctx.limits.assets.maxOutputBytes}`;
    out.warn('limit/unity-split', message, joinedPath, a.id);
    return;
  }
  const parts: Buffer[] = [];
  for (const e of ordered) {
    const b = read(e);
    if (!b) return;
    parts.push(b);
  }
  const bytes = Buffer.concat(parts);
  const child = out.artefact('file', joinedPath, a.id, { sha256: sha256(bytes), size: bytes.length });
  const r = assetBlobs({ artefactId: child.id, path: joinedPath, chain: ['unity-split'] }, bytes, ctx.limits, depth);
  takeAssetRead(r, model, out, a.id);
}

/** Adds what an asset reader found to the model, and its first problems as warnings. */
export function takeAssetRead(r: AssetRead, model: ApkModel, out: Collector, artefactId: string): void {
  model.texts.push(...r.blobs);
  for (const p of r.problems.slice(0, MAX_ASSET_PROBLEMS)) out.warn(p.code, p.message, p.path, artefactId);
}
