import type { ApkModel } from '../scan/apk-model.js';
import type { KeyCandidate } from './search.js';

/**
 * Key candidates an app keeps outside its DEX code: string resources (`R.string.filter_key`, read with
 * getString) and strings of its native libraries (a JNI function returning the key). Only strings shaped
 * like keys are taken: the byte lengths of DES, AES and 3DES keys, printable, and mixing character
 * classes, as a random key does and a word does not. They rank after the code's own constants.
 */

const KEY_LENGTHS = new Set([8, 16, 24, 32]);
const MAX_KEYS = 64;
const RANK = 1;

export function appKeyCandidates(model: ApkModel): KeyCandidate[] {
  const out: KeyCandidate[] = [];
  const seen = new Set<string>();
  const add = (s: string, origin: string) => {
    if (out.length >= MAX_KEYS || seen.has(s) || !keyShaped(s)) return;
    seen.add(s);
    out.push({ bytes: Buffer.from(s, 'latin1'), origin, rank: RANK });
  };
  const pool = model.resources?.strings;
  if (pool) {
    for (let i = 0; i < pool.count && out.length < MAX_KEYS; i++) {
      const s = pool.get(i);
      if (s) add(s, 'a string resource');
    }
  }
  for (const lib of model.nativeLibs) {
    for (const s of lib.strings)
      add(s.text, `a string of ${lib.artefact.path.slice(lib.artefact.path.lastIndexOf('!/') + 2)}`);
  }
  return out;
}

function keyShaped(s: string): boolean {
  if (!KEY_LENGTHS.has(s.length) || !/^[\x21-\x7e]+$/.test(s)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(s)).length;
  return classes >= 3;
}
