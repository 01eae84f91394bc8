import { edgeRow, type DexFile } from '../../formats/dex.js';
import type { ApkModel } from '../../scan/apk-model.js';
import { Type } from '@sinclair/typebox';
import { defineDetector, evidence, messageData, RelatedFinding, type ReportOf } from '../define.js';

/**
 * An asset that nothing decodes, whose name the app's own code loads in a method that also decrypts,
 * inflates or streams bytes: the shape of an encrypted keyword list (a game's `dirtyword.dat` read through
 * `Cipher`), reported at info so that an analyst knows where a list may hide instead of seeing nothing.
 * It says nothing about the content; the reading code is the evidence.
 */

const MIN_BYTES = 64;
/** Classes whose use next to the file name means the app transforms the file's bytes itself. */
const CIPHER = /^Ljavax\/crypto\/|^Ljava\/security\/(MessageDigest|Key)/;
const STREAM = new RegExp(
  '^Ljava/util/zip/|' +
    '^Ljava/io/(DataInputStream|ByteArrayInputStream|ByteArrayOutputStream|BufferedInputStream|ObjectInputStream);$|' +
    '^Landroid/util/Base64;$|^Landroid/content/res/AssetManager;$',
);
const MAX_METHODS = 8;

interface Reader {
  code: string;
  apis: string[];
}

const Evidence = evidence({
  /** The asset's path inside the app. */
  asset: Type.String(),
  size: Type.Integer(),
  /** Shannon entropy of the bytes, bits per byte. */
  entropy: Type.Number(),
  /** The methods that name the asset (`Lpkg/Class;->method`). */
  readingCode: Type.Array(Type.String()),
  /** The cipher and stream classes those methods use. */
  apis: Type.Array(Type.String()),
  related: Type.Optional(Type.Array(RelatedFinding)),
});
const Data = messageData({ asset: Type.String(), size: Type.Integer(), code: Type.String(), apis: Type.String() });

type Found = ReportOf<typeof Evidence, typeof Data>;

export default defineDetector({
  meta: {
    id: 'censorship/opaque-list-asset',
    version: 1,
    input: 'app',
    description:
      "An asset that does not decode, read by the app's own code together with a cipher or stream API: " +
      'where an encrypted list may be.',
    severity: 'info',
    confidence: 'low',
    tags: ['censorship', 'opaque-asset'],
    evidence: Evidence,
    data: Data,
    messages: {
      read: 'Opaque asset {{asset}} ({{size}} bytes) is not decodable and is read by {{code}} with {{apis}}',
    },
  },
  detect(app): Found[] {
    const recovered = new Set(app.recoveredPaths ?? []);
    const candidates = app.opaque.filter(
      (o) => o.origin === 'entry' && o.bytes.length >= MIN_BYTES && !recovered.has(o.location.path),
    );
    if (!candidates.length || !app.dexes.length) return [];
    const reports: Found[] = [];
    for (const o of candidates) {
      const inner = o.location.path.slice(o.location.path.lastIndexOf('!/') + 2);
      const readers = readersOf(app, inner);
      if (!readers.length) continue;
      const apis = [...new Set(readers.flatMap((r) => r.apis))];
      reports.push({
        messageId: 'read',
        data: {
          asset: inner,
          size: o.bytes.length,
          code: readers.map((r) => r.code).join(', '),
          apis: apis.join(', '),
        },
        artefactId: o.artefactId,
        location: o.location,
        confidence: apis.some((a) => CIPHER.test(a)) ? ('medium' as const) : ('low' as const),
        identity: inner,
        evidence: {
          asset: inner,
          size: o.bytes.length,
          entropy: entropy(o.bytes),
          readingCode: readers.map((r) => r.code),
          apis,
          excerpt: `${inner} read by ${readers[0]?.code ?? '?'}`,
        },
      });
    }
    return reports;
  },
});

/** Methods whose strings name the asset (its path under assets/, or its file name) and use a cipher or stream class. */
function readersOf(app: ApkModel, inner: string): Reader[] {
  const base = inner.slice(inner.lastIndexOf('/') + 1);
  const underAssets = inner.startsWith('assets/') ? inner.slice('assets/'.length) : null;
  if (base.length < 3) return [];
  const names = (s: string) => s === base || s === underAssets || s === inner || s.endsWith(`/${base}`);
  const out: Reader[] = [];
  for (const { dex } of app.dexes) {
    const wanted = new Set<number>();
    for (let i = 0; i < dex.stringCount; i++) {
      const r = dex.stringBytes(i);
      if (!r || r[1] - r[0] < base.length || r[1] - r[0] > 512) continue;
      const s = dex.string(i);
      if (s && names(s)) wanted.add(i);
    }
    if (!wanted.size) continue;
    const x = dex.xrefs();
    for (const [b, body] of x.bodies.entries()) {
      if (out.length >= MAX_METHODS) break;
      if (!edgeRow(x.strings, b).targets.some((t) => wanted.has(t))) continue;
      const apis = apisOf(dex, b);
      if (!apis.length) continue;
      const { className, method } = dex.methodOwnerAndName(body.methodIdx);
      out.push({ code: `${className}->${method}`, apis });
    }
  }
  return out;
}

function apisOf(dex: DexFile, body: number): string[] {
  const x = dex.xrefs();
  const found = new Set<string>();
  const consider = (t: string | null) => {
    if (t && (CIPHER.test(t) || STREAM.test(t))) found.add(t);
  };
  for (const t of edgeRow(x.types, body).targets) consider(dex.typeDescriptor(t));
  for (const target of edgeRow(x.methods, body).targets) {
    const m = dex.methodRef(target);
    if (m) consider(dex.typeDescriptor(m.classIdx));
  }
  return [...found].sort();
}

function entropy(b: Uint8Array): number {
  const counts = new Array<number>(256).fill(0);
  for (const v of b) counts[v] = (counts[v] ?? 0) + 1;
  let h = 0;
  for (const c of counts) if (c) h -= (c / b.length) * Math.log2(c / b.length);
  return Math.round(h * 100) / 100;
}
