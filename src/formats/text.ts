/**
 * Text encoding detection for assets and raw resources. Keyword lists ship in UTF-8, UTF-16 (often
 * without a BOM), GB18030/GBK and Big5, so each is tried, strictest first. Uses the WHATWG decoders of
 * Node's full ICU build: no dependency needed.
 */

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'gb18030' | 'big5' | 'ascii';

export interface DecodedText {
  encoding: TextEncoding;
  bom: boolean;
  text: string;
}

const SAMPLE = 64 * 1024;

function tryDecode(label: string, buf: Uint8Array): string | null {
  try {
    return new TextDecoder(label, { fatal: true, ignoreBOM: true }).decode(buf);
  } catch {
    return null;
  }
}

/** Share of control characters other than tab/CR/LF/FF: text files have almost none. */
function controlShare(text: string): number {
  if (text.length === 0) return 0;
  let bad = 0;
  const n = Math.min(text.length, SAMPLE);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 13 && c !== 12) || c === 0xfffd || (c >= 0x7f && c < 0xa0)) bad++;
  }
  return bad / n;
}

function zeroPattern(buf: Uint8Array): { even: number; odd: number } {
  let even = 0;
  let odd = 0;
  const n = Math.min(buf.length, SAMPLE) & ~1;
  for (let i = 0; i < n; i += 2) {
    if (buf[i] === 0) even++;
    if (buf[i + 1] === 0) odd++;
  }
  return { even: even / (n / 2 || 1), odd: odd / (n / 2 || 1) };
}

/** Share of characters that ordinary text is made of: ASCII, Latin, CJK, kana, hangul and their punctuation. */
function plausibleShare(text: string): number {
  const n = Math.min(text.length, SAMPLE);
  if (n === 0) return 0;
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (
      (c >= 0x20 && c < 0x7f) ||
      c === 9 ||
      c === 10 ||
      c === 13 ||
      (c >= 0xa0 && c < 0x250) ||
      (c >= 0x3000 && c < 0xa000) ||
      (c >= 0xac00 && c < 0xd7a4) ||
      (c >= 0xff00 && c < 0xfff0) ||
      (c >= 0x2000 && c < 0x2070) ||
      (c >= 0x400 && c < 0x530)
    )
      ok++;
  }
  return ok / n;
}

// The most frequent Simplified-only and Traditional-only characters, to tell GB text from Big5 text.
const SIMPLIFIED_MARKERS = new Set('这个们国来时说对会为发经过现后说与从动还进样么长开关门问间学没见'.split(''));
const TRADITIONAL_MARKERS = new Set('這個們國來時說對會為發經過現後與從動還進樣麼長開關門問間學沒見'.split(''));

function markerScore(text: string, markers: Set<string>): number {
  let n = 0;
  for (const ch of text.slice(0, SAMPLE)) if (markers.has(ch)) n++;
  return n;
}

/** Returns the decoded text, or null when the bytes do not look like text in any supported encoding. */
export function decodeText(buf: Uint8Array): DecodedText | null {
  if (buf.length === 0) return null;
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
    const t = tryDecode('utf-8', buf.subarray(3));
    return t !== null && controlShare(t) < 0.01 ? { encoding: 'utf-8', bom: true, text: t } : null;
  }
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
    const enc = buf[0] === 0xff ? 'utf-16le' : 'utf-16be';
    const t = tryDecode(enc, buf.subarray(2, 2 + ((buf.length - 2) & ~1)));
    return t !== null && controlShare(t) < 0.01 ? { encoding: enc, bom: true, text: t } : null;
  }
  const zeros = zeroPattern(buf);
  // UTF-16 without a BOM: NUL bytes are the high halves of ASCII characters (and of CJK characters such
  // as U+4E00). Both byte orders are tried, on a sample first, and the one that reads as text wins.
  if (buf.length >= 4 && buf.length % 2 === 0 && zeros.odd + zeros.even > 0) {
    let best: DecodedText | null = null;
    let bestShare = 0.9;
    for (const enc of ['utf-16le', 'utf-16be'] as const) {
      const sample = tryDecode(enc, buf.subarray(0, Math.min(buf.length, SAMPLE) & ~1));
      if (sample === null || controlShare(sample) >= 0.01 || plausibleShare(sample) <= bestShare) continue;
      const t = buf.length <= SAMPLE ? sample : tryDecode(enc, buf);
      if (t === null) continue;
      const share = plausibleShare(t);
      if (share > bestShare) {
        best = { encoding: enc, bom: false, text: t };
        bestShare = share;
      }
    }
    if (best) return best;
  }
  // Without a 16-bit pattern, a NUL byte means binary.
  if (buf.subarray(0, SAMPLE).includes(0)) return null;
  // Reject most binary data on a sample (cut back to a character boundary) before decoding everything.
  if (buf.length > SAMPLE) {
    let end = SAMPLE;
    while (end > SAMPLE - 4 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
    const head = tryDecode('utf-8', buf.subarray(0, end));
    if (head !== null && controlShare(head) >= 0.01) return null;
  }
  const utf8 = tryDecode('utf-8', buf);
  if (utf8 !== null) {
    if (controlShare(utf8) >= 0.01) return null;
    // eslint-disable-next-line no-control-regex
    return { encoding: /^[\x00-\x7f]*$/.test(utf8.slice(0, SAMPLE)) ? 'ascii' : 'utf-8', bom: false, text: utf8 };
  }
  const gb = tryDecode('gb18030', buf);
  const big5 = tryDecode('big5', buf);
  const candidates: DecodedText[] = [];
  if (gb !== null && controlShare(gb) < 0.01) candidates.push({ encoding: 'gb18030', bom: false, text: gb });
  if (big5 !== null && controlShare(big5) < 0.01) candidates.push({ encoding: 'big5', bom: false, text: big5 });
  const [first, second] = candidates;
  if (!first || !second) return first ?? null;
  // Both decoders accepted the bytes (first is GB18030, second Big5): prefer the one whose text reads as
  // ordinary Chinese of its script.
  const gbScore = markerScore(first.text, SIMPLIFIED_MARKERS);
  const big5Score = markerScore(second.text, TRADITIONAL_MARKERS);
  return big5Score > gbScore ? second : first;
}
