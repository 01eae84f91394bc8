import { createHash } from 'node:crypto';
import type { ByteSource } from '../io/byte-source.js';
import { sha256 } from '../io/hash.js';
import type { Limits } from '../io/limits.js';
import type { App, Artefact, Destination, Diagnostic, Finding } from '../model.js';
import type { DetectorContext } from '../detectors/define.js';
import type { YaraRules } from '../yara/rules.js';

/** What analysing one input file gives: its artefacts, apps, findings, diagnostics and destinations. */
export interface FileResult {
  sha256: string;
  size: number;
  artefacts: Artefact[];
  apps: App[];
  findings: Finding[];
  diagnostics: Diagnostic[];
  destinations?: Destination[];
}

export interface AnalyzeContext {
  limits: Limits;
  /** Run the decoding search for hidden lists; absent means yes. */
  hiddenLists?: boolean;
  /** Compiled YARA rules to run over every artefact. */
  yara?: YaraRules;
  /** Also compute MD5 and SHA-1 of files (indicators name files that way); SHA-256 is always computed. */
  fileDigests?: boolean;
  /** The audited device's own identifiers, to find in traffic also as hashes. */
  deviceIds?: Record<string, string>;
  detectors: DetectorContext;
  /** Told the file's digest as soon as it is known (the worker passes it on, so a file stopped later keeps it). */
  onDigest?: (digest: { sha256: string; size: number }) => void;
}

/** The result of a file that could not be analysed at all: one error diagnostic. */
export function failedResult(path: string, size: number, code: string, message: string): FileResult {
  return {
    sha256: '',
    size,
    artefacts: [],
    apps: [],
    findings: [],
    diagnostics: [{ level: 'error', code, message, path }],
  };
}

export interface Digests {
  sha256: string;
  sha1?: string;
  md5?: string;
  size: number;
}

/** Digests of a whole source, read in chunks (a firmware image need not fit in memory). */
export function hashSource(src: ByteSource, all: boolean): Digests {
  const hs = (all ? ['sha256', 'sha1', 'md5'] : ['sha256']).map((a) => createHash(a));
  const chunk = 4 * 1024 * 1024;
  for (let off = 0; off < src.size; off += chunk) {
    const part = src.read(off, Math.min(chunk, src.size - off));
    for (const h of hs) h.update(part);
  }
  const [s256 = '', s1 = '', m5 = ''] = hs.map((h) => h.digest('hex'));
  return all ? { sha256: s256, sha1: s1, md5: m5, size: src.size } : { sha256: s256, size: src.size };
}

/** Digests of bytes in memory; MD5 and SHA-1 only when indicators need them. */
export function digests(bytes: Buffer, ctx: AnalyzeContext): Digests {
  if (!ctx.fileDigests) return { sha256: sha256(bytes), size: bytes.length };
  return {
    sha256: sha256(bytes),
    sha1: createHash('sha1').update(bytes).digest('hex'),
    md5: createHash('md5').update(bytes).digest('hex'),
    size: bytes.length,
  };
}
