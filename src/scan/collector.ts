import { errorCode, errorMessage } from '../io/errors.js';
import { shortHash } from '../io/hash.js';
import type { LexiconHit } from '../lexicon/lexicon.js';
import type { App, Artefact, ArtefactKind, Destination, Diagnostic, Finding } from '../model.js';
import type { ContextFor, DetectorInputs } from '../detectors/define.js';
import { DETECTORS } from '../detectors/index.js';
import { runDetectorsOn } from '../detectors/runner.js';
import { scanWithYara } from '../yara/rules.js';
import type { AnalyzeContext } from './analyze-context.js';

/** What the analysis of one file gathers as it goes: artefacts (with their hashes), apps, findings, diagnostics. */
export class Collector {
  readonly artefacts: Artefact[] = [];
  readonly apps: App[] = [];
  readonly findings: Finding[] = [];
  readonly diagnostics: Diagnostic[] = [];
  readonly hashes = new Map<string, string>();
  readonly destinations: Destination[] = [];
  readonly lexiconCache = new Map<string, LexiconHit[]>();

  artefact(
    kind: ArtefactKind,
    path: string,
    parentId: string | null,
    bytes: { sha256: string; size: number; sha1?: string; md5?: string },
  ): Artefact {
    const a: Artefact = {
      id: shortHash(path),
      parentId,
      kind,
      path,
      sha256: bytes.sha256,
      ...(bytes.sha1 ? { sha1: bytes.sha1, md5: bytes.md5 } : {}),
      size: bytes.size,
    };
    this.artefacts.push(a);
    this.hashes.set(a.id, a.sha256);
    return a;
  }

  /** Runs YARA over an artefact's bytes (or its file, for the top-level input) when rules are loaded. */
  yaraScan(ctx: AnalyzeContext, artefact: Artefact, target: { bytes?: Buffer; file?: string }): void {
    if (!ctx.yara?.compiled.length) return;
    const { matches, errors } = scanWithYara(ctx.yara, target, artefact);
    this.diagnostics.push(...errors);
    if (matches.length) this.detect(ctx, 'yara-matches', { artefact, matches }, artefact.path);
  }

  /** Runs the detectors of one input kind that is seen once per file (a capture, YARA matches). */
  detect<K extends 'capture' | 'yara-matches'>(
    ctx: AnalyzeContext,
    kind: K,
    input: DetectorInputs[K],
    path: string,
  ): void {
    const r = runDetectorsOn(DETECTORS, kind, [input], ctx.detectors as ContextFor<K>, {
      contentHash: (id) => this.hashes.get(id) ?? '',
      pathOf: () => path,
    });
    this.findings.push(...r.findings);
    this.diagnostics.push(...r.diagnostics);
  }

  diag(level: Diagnostic['level'], err: unknown, path: string, artefactId?: string): void {
    this.diagnostics.push({
      level,
      code: errorCode(err),
      message: errorMessage(err),
      path,
      ...(artefactId ? { artefactId } : {}),
    });
  }

  /** A warning from a parser's problem list, tied to the artefact it concerns. */
  warn(code: string, message: string, path: string, artefactId: string): void {
    this.diagnostics.push({ level: 'warning', code, message, path, artefactId });
  }
}
