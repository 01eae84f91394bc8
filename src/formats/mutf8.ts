/**
 * Modified UTF-8 as used by DEX string data: NUL is encoded as C0 80, and characters outside the BMP are
 * two 3-byte surrogate encodings (CESU-8). Node's UTF-8 decoder would replace those surrogates, so
 * decoding is done here. ASCII-only strings, the vast majority, take the fast path.
 */
export function decodeMutf8(buf: Uint8Array, start: number, end: number): string {
  // Every read below is checked against undefined (and `end`), which is its bound check: a sequence cut
  // by the end is malformed.
  let ascii = true;
  for (let i = start; i < end; i++) {
    const byte = buf[i];
    if (byte === undefined || byte >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
  const units: number[] = [];
  let out = '';
  const at = (k: number): number | undefined => (k < end ? buf[k] : undefined);
  let i = start;
  for (let a = at(i); a !== undefined; a = at(i)) {
    const b1 = a >= 0x80 ? at(i + 1) : undefined;
    const b2 = (a & 0xf0) === 0xe0 ? at(i + 2) : undefined;
    if (a < 0x80) {
      units.push(a);
      i += 1;
    } else if ((a & 0xe0) === 0xc0 && b1 !== undefined) {
      units.push(((a & 0x1f) << 6) | (b1 & 0x3f));
      i += 2;
    } else if ((a & 0xf0) === 0xe0 && b1 !== undefined && b2 !== undefined) {
      units.push(((a & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f));
      i += 3;
    } else {
      units.push(0xfffd); // malformed byte: keep going, as ART's verifier would reject but analysts still want the rest
      i += 1;
    }
    if (units.length >= 4096) {
      out += String.fromCharCode(...units);
      units.length = 0;
    }
  }
  return out + String.fromCharCode(...units);
}

/** Finds the NUL that ends a MUTF-8 string (a real NUL inside is encoded as C0 80, never 00). */
export function mutf8End(buf: Uint8Array, start: number, limit: number): number {
  // Searched within [start, limit) only, so a string without its NUL costs its bound, not the rest of the file.
  const idx = buf.subarray(start, limit).indexOf(0);
  return idx < 0 ? limit : start + idx;
}
