import { BufferSource } from '../io/byte-source.js';
import { CandorError } from '../io/errors.js';
import type { Limits } from '../io/limits.js';
import { InflateBudget, readEntry, readZipDirectory } from '../containers/zip.js';
import { isPe, readDotnetStrings } from '../formats/dotnet.js';
import { isLuaBytecode, luaSourceStrings, readLuaBytecode } from '../formats/lua.js';
import { isSqlite, sqliteTextColumns } from '../formats/sqlite-text.js';
import { decodeText } from '../formats/text.js';
import { isUnityFs, looksLikeSerializedFile, unityTexts } from '../formats/unity.js';
import { looksLikeXml, xmlValueGroups } from '../formats/xml-values.js';
import type { Location } from '../model.js';
import type { TextBlob } from './apk-model.js';

/**
 * Turns one asset file into list candidates with the reader its format needs: compiled Lua (each
 * function's string constants), Lua source (each table's literals), Unity bundles and serialized files
 * (TextAssets, string arrays), .NET assemblies (`#US`, `#Strings`), SQLite (text columns), XML (values by
 * element and attribute) and zips inside assets (each inner file, with `zip` in its chain). A file no
 * reader claims is left to the caller as plain text or an opaque blob.
 */

export interface AssetProblem {
  code: string;
  message: string;
  path: string;
}

export interface AssetRead {
  blobs: TextBlob[];
  problems: AssetProblem[];
  /** A reader recognised the format: the raw bytes are not also a text or opaque candidate. */
  handled: boolean;
}

/** Groups smaller than this are not lists (a Lua function with two strings, a two-row table). */
const MIN_GROUP = 3;
const ZIP_MAGIC = 0x04034b50;
/** Lua source without a .lua name: a chunk that starts by building or returning a table. */
const LUA_SOURCE = /^\s*(local\s+[\w.]+\s*=\s*\{|return\s*\{|[\w.]+\s*=\s*\{)/;
/** Markup whose texts are prose, not configuration values. */
const HTML = /\.(x?html?|svg)$/i;
/** Unity data without a magic number: split pieces, hash-named files of assets/bin/Data, `.assets`. */
export const UNITY_NAME = /(^|\/)assets\/bin\/Data\/|\.assets(\.split\d+)?$|\.(assetbundle|unity3d|bundle|ab)$/i;

export interface AssetTarget {
  artefactId: string;
  /** The logical path of the file (`app.apk!/assets/x`). */
  path: string;
  /** Containers already opened to reach it (`zip`), outermost first. */
  chain: string[];
  /** Path inside the outermost container, when nested (`words/list.txt` inside a zip asset). */
  inner?: string;
}

export function assetBlobs(target: AssetTarget, bytes: Buffer, limits: Limits, depth = 0): AssetRead {
  const read: AssetRead = { blobs: [], problems: [], handled: false };
  const problem = (err: unknown) => {
    if (!(err instanceof CandorError)) throw err;
    read.problems.push({
      code: err.code,
      message: err.message,
      path: target.path + (target.inner ? `!/${target.inner}` : ''),
    });
  };
  const loc = (extra: Partial<Location>): Location => ({
    path: target.path,
    ...(target.inner ? { entry: target.inner } : {}),
    ...extra,
  });
  const push = (step: string, extra: Partial<Location>, entries: string[] | null, text?: string) => {
    if (entries && entries.length < MIN_GROUP) return;
    const where = extra.entry
      ? { ...extra, entry: target.inner ? `${target.inner}: ${extra.entry}` : extra.entry }
      : extra;
    read.blobs.push({
      artefactId: target.artefactId,
      location: loc(where),
      encoding: 'utf-8',
      encodings: [...target.chain, step],
      origin: 'entry',
      text: text ?? entries!.join('\n'),
      ...(entries ? { entries } : {}),
    });
  };
  const name = target.inner ?? target.path;
  const max = limits.assets.maxStrings;
  try {
    if (isLuaBytecode(bytes)) {
      read.handled = true;
      const chunk = readLuaBytecode(bytes, max);
      const step = chunk.version === 'luajit' ? 'luajit' : `luac-${chunk.version}`;
      for (const f of chunk.functions) push(step, { method: f.id, ...(f.line ? { line: f.line } : {}) }, f.strings);
      if (chunk.truncated)
        read.problems.push({
          code: 'limit/lua-strings',
          message: `more than ${max} string constants`,
          path: target.path,
        });
    } else if (isUnityFs(bytes) || (UNITY_NAME.test(name) && looksLikeSerializedFile(bytes))) {
      read.handled = true;
      unityBlobs(bytes, isUnityFs(bytes) ? 'unityfs' : 'unity-serialized', target, limits, read, push);
    } else if (isSqlite(bytes)) {
      read.handled = true;
      const r = sqliteTextColumns(bytes, max);
      for (const c of r.columns) push('sqlite', { entry: `${c.table}.${c.column}` }, c.values);
      for (const p of r.problems.slice(0, 5))
        read.problems.push({ code: 'sqlite/table-unreadable', message: p, path: target.path });
    } else if (isPe(bytes)) {
      const r = readDotnetStrings(bytes, max);
      read.handled = true;
      push(
        'dotnet-us',
        { entry: '#US' },
        r.userStrings.map((s) => s.text),
      );
      push(
        'dotnet-strings',
        { entry: '#Strings' },
        r.strings.map((s) => s.text),
      );
    } else if (bytes.length >= 4 && bytes.readUInt32LE(0) === ZIP_MAGIC) {
      read.handled = true;
      zipBlobs(bytes, target, limits, depth, read);
    } else if (UNITY_NAME.test(name) && !decodeText(bytes)) {
      // A piece of a split file, or a serialized file whose header did not parse: its strings still count.
      read.handled = true;
      unityBlobs(bytes, 'unity-strings', target, limits, read, push);
    } else {
      const decoded = decodeText(bytes);
      if (decoded) sourceBlobs(decoded.text, name, max, read, push);
    }
  } catch (err) {
    problem(err);
  }
  return read;
}

type Push = (step: string, extra: Partial<Location>, entries: string[] | null, text?: string) => void;

function unityBlobs(
  bytes: Buffer,
  step: string,
  target: AssetTarget,
  limits: Limits,
  read: AssetRead,
  push: Push,
): void {
  const r = unityTexts(bytes, { maxStrings: limits.assets.maxStrings, maxOutput: limits.assets.maxOutputBytes });
  for (const t of r.texts) {
    if (t.entries) push(step, { entry: t.where, offset: t.offset }, t.entries);
    else if (t.text) push(step, { entry: t.where, offset: t.offset }, null, t.text);
  }
  for (const p of r.problems.slice(0, 5)) read.problems.push({ ...p, path: target.path });
  if (r.truncated)
    read.problems.push({
      code: 'limit/unity-strings',
      message: `more than ${limits.assets.maxStrings} strings`,
      path: target.path,
    });
}

/** Lua source and XML configs: groups of literals or values; other text stays with the caller. */
function sourceBlobs(text: string, name: string, max: number, read: AssetRead, push: Push): void {
  if (/\.luac?$/i.test(name) || LUA_SOURCE.test(text.replace(/^\uFEFF/, '').slice(0, 4096))) {
    const { groups } = luaSourceStrings(text, max);
    const big = groups.filter(
      (g) => g.length >= MIN_GROUP || (g.length === 1 && (g[0] ?? '').length >= 64 && (g[0] ?? '').includes('\n')),
    );
    // Plain lines saved as .lua have few literals (a stray quote); in a real Lua table of strings the
    // literals are a large part of the text (even `["词"] = true,` is one fifth literal).
    const literalChars = groups.reduce((n, g) => n + g.reduce((m, x) => m + x.length, 0), 0);
    const textChars = text.replace(/\s+/g, '').length;
    if (big.some((g) => g.length >= MIN_GROUP) && literalChars >= 0.15 * textChars) {
      read.handled = true;
      big.forEach((g, i) =>
        g.length === 1
          ? push('lua-source', { entry: `long string ${i}` }, null, g[0])
          : push('lua-source', { entry: `table ${i}` }, g),
      );
    }
    return;
  }
  if (looksLikeXml(text) && !HTML.test(name) && !/<html[\s>]/i.test(text.slice(0, 4096))) {
    const { groups } = xmlValueGroups(text, max);
    const big = groups.filter((g) => g.values.length >= MIN_GROUP);
    if (big.length) {
      read.handled = true;
      for (const g of big) push('xml', { entry: g.key }, g.values);
    }
  }
}

/** Entries of a zip stored as an asset (not an APK or JAR, which the caller analyses as an app). */
function zipBlobs(bytes: Buffer, target: AssetTarget, limits: Limits, depth: number, read: AssetRead): void {
  if (depth + 1 > limits.zip.maxNestingDepth) {
    read.problems.push({
      code: 'limit/nesting-depth',
      message: `zip nested deeper than ${limits.zip.maxNestingDepth} levels not opened`,
      path: target.path,
    });
    return;
  }
  const src = new BufferSource(bytes);
  const dir = readZipDirectory(src, limits);
  // The asset's inner files share one output budget: a small zip cannot expand into gigabytes.
  const budget = new InflateBudget({
    ...limits,
    maxTotalInflatedBytes: Math.min(limits.zip.maxTotalInflatedBytes, limits.assets.maxOutputBytes),
  });
  for (const e of dir.byName.values()) {
    if (e.name.endsWith('/') || e.uncompressedSize === 0 || e.uncompressedSize > limits.text.maxBytes) continue;
    let inner: Buffer;
    try {
      inner = readEntry(src, e, budget);
    } catch (err) {
      if (!(err instanceof CandorError)) throw err;
      read.problems.push({ code: err.code, message: err.message, path: `${target.path}!/${e.name}` });
      if (err.code.startsWith('limit/')) return;
      continue;
    }
    const innerName = target.inner ? `${target.inner}!/${e.name}` : e.name;
    const sub = assetBlobs({ ...target, chain: [...target.chain, 'zip'], inner: innerName }, inner, limits, depth + 1);
    read.blobs.push(...sub.blobs);
    read.problems.push(...sub.problems);
    if (!sub.handled) {
      const decoded = decodeText(inner);
      if (decoded) {
        read.blobs.push({
          artefactId: target.artefactId,
          location: { path: target.path, entry: innerName },
          encoding: decoded.encoding,
          encodings: [...target.chain, 'zip'],
          origin: 'entry',
          text: decoded.text,
        });
      }
    }
  }
}
