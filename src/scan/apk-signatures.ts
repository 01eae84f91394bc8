import { MalformedInputError } from '../io/errors.js';
import type { ByteSource } from '../io/byte-source.js';
import type { ZipDirectory, ZipEntry } from '../containers/zip.js';
import { blockSigners, presentSchemes, readSigningBlock, v1Signers } from '../formats/signing.js';
import type { Signer } from '../model.js';
import type { ApkModel } from './apk-model.js';
import type { Collector } from './collector.js';

const V1_SIGNATURE = /^META-INF\/[^/]+\.(RSA|DSA|EC)$/i;

/** Fills an app's signers and signature schemes from its JAR signature blocks and its APK Signing Block. */
export function readSignatures(
  src: ByteSource,
  dir: ZipDirectory,
  model: ApkModel,
  read: (e: ZipEntry) => Buffer | null,
  path: string,
  out: Collector,
): void {
  const signers: Signer[] = [];
  const schemes = new Set<string>();
  readV1Signatures(dir, model, read, path, out, signers, schemes);
  try {
    const pairs = readSigningBlock(src, dir.centralDirectoryOffset);
    for (const s of presentSchemes(pairs)) schemes.add(s);
    const problems: MalformedInputError[] = [];
    if (pairs) signers.push(...blockSigners(pairs, problems));
    for (const p of problems) out.diag('warning', p, `${path} (APK Signing Block)`, model.artefact.id);
  } catch (err) {
    out.diag('warning', err, `${path} (APK Signing Block)`, model.artefact.id);
  }
  model.signers = signers;
  model.signatureSchemes = [...schemes].sort();
}

function readV1Signatures(
  dir: ZipDirectory,
  model: ApkModel,
  read: (e: ZipEntry) => Buffer | null,
  path: string,
  out: Collector,
  signers: Signer[],
  schemes: Set<string>,
): void {
  for (const e of dir.byName.values()) {
    if (!V1_SIGNATURE.test(e.name)) continue;
    const entryPath = `${path}!/${e.name}`;
    // The JAR verifier only honours a signature block whose signature file (same base name, .SF) exists.
    if (!dir.byName.has(e.name.replace(/\.[^.]+$/, '.SF'))) {
      const message = 'signature block without a matching .SF file is ignored';
      out.warn('apksig/orphan-signature-block', message, entryPath, model.artefact.id);
      continue;
    }
    const bytes = read(e);
    if (!bytes) continue;
    try {
      const problems: MalformedInputError[] = [];
      signers.push(...v1Signers(bytes, problems));
      schemes.add('v1');
      for (const p of problems) out.diag('warning', p, entryPath, model.artefact.id);
    } catch (err) {
      out.diag('warning', err, entryPath, model.artefact.id);
    }
  }
}
