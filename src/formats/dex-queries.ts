import { edgeRow, type DexFile } from './dex.js';

/** Queries over a DEX and its cross-reference index that several detectors share. */

export interface CodeRef {
  className: string;
  method: string;
  pc: number;
}

/** For each wanted string index, the methods whose code loads it (const-string), capped per string. */
export function stringUsers(dex: DexFile, wanted: Set<number>, capPerString = 20): Map<number, CodeRef[]> {
  const out = new Map<number, CodeRef[]>();
  if (wanted.size === 0) return out;
  const x = dex.xrefs();
  for (const [b, body] of x.bodies.entries()) {
    const { targets, pcs } = edgeRow(x.strings, b);
    for (const [e, s] of targets.entries()) {
      if (!wanted.has(s)) continue;
      let list = out.get(s);
      if (!list) out.set(s, (list = []));
      if (list.length >= capPerString) continue;
      const { className, method } = dex.methodOwnerAndName(body.methodIdx);
      list.push({ className, method, pc: pcs[e] ?? 0 });
    }
  }
  return out;
}

/**
 * Class names as Exodus Privacy collects them: it runs `dexdump` and keeps, from each output line, the
 * first slash-separated path after an upper-case run (`[A-Z]+((?:\w+\/)+\w+)`). Those lines name each
 * class, its superclass and interfaces, and the first reference type of each field and method type.
 */
export function exodusClassNames(dex: DexFile): Set<string> {
  const names = new Set<string>();
  const add = (desc: string | null) => {
    if (!desc) return;
    const path = exodusPath(desc);
    if (path !== null) names.add(path);
  };
  const members = dex.members();
  for (const [c, def] of dex.classDefs.entries()) {
    add(dex.typeDescriptor(def.classIdx));
    if (def.superclassIdx !== 0xffffffff) add(dex.typeDescriptor(def.superclassIdx));
    for (const i of dex.interfaces(c)) add(dex.typeDescriptor(i));
    const own = members[c] ?? { fields: [], methods: [] };
    for (const f of own.fields) {
      const ref = dex.fieldRef(f);
      if (ref) add(dex.typeDescriptor(ref.typeIdx));
    }
    for (const m of own.methods) {
      const ref = dex.methodRef(m.methodIdx);
      if (ref) add(dex.protoDescriptor(ref.protoIdx));
    }
  }
  return names;
}

const isWord = (c: number) =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
const isUpper = (c: number) => c >= 0x41 && c <= 0x5a;

/**
 * What `/[A-Z]+((?:\w+\/)+\w+)/.exec(s)?.[1]` gives, in linear time: that backtracking regex takes
 * seconds on a descriptor of a few thousand capitals without a slash (45 s at 4,000), and class names
 * are chosen by the app's author. The leftmost capital whose word (the run of \w around it) reaches a
 * slash at least two characters later starts the match; the upper-case run gives back at most all but
 * one of the word's characters to the group, which takes every following `/word` (at least one).
 */
export function exodusPath(s: string): string | null {
  const n = s.length;
  for (let p = 0; p < n; p++) {
    if (!isUpper(s.charCodeAt(p))) continue;
    let r = p;
    while (r < n && isWord(s.charCodeAt(r))) r++;
    let end = r;
    for (let i = r; s.charCodeAt(i) === 0x2f;) {
      let j = i + 1;
      while (j < n && isWord(s.charCodeAt(j))) j++;
      if (j === i + 1) break;
      end = i = j;
    }
    if (end > r && r >= p + 2) {
      let u = p;
      while (u < r && isUpper(s.charCodeAt(u))) u++;
      return s.slice(Math.min(u, r - 1), end);
    }
    // Every later capital of the same word reaches the same slash (or none) with less room: skip the word.
    p = r;
  }
  return null;
}

/** Slash-separated names of the classes a DEX defines (`com/foo/Bar$1`). */
export function definedClassNames(dex: DexFile): string[] {
  const out: string[] = [];
  for (let c = 0; c < dex.classDefs.length; c++) {
    const d = dex.classDescriptor(c);
    out.push(d.startsWith('L') && d.endsWith(';') ? d.slice(1, -1) : d);
  }
  return out;
}
