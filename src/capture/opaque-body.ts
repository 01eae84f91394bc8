/**
 * Whether an HTTP request's body looks encrypted: at least 64 bytes whose byte entropy is near the
 * maximum for their length, either raw or after Base64 decoding (how SDKs often post ciphertext).
 * JSON, form fields and text stay well below.
 */
export function opaqueBody(request: string): 'http-body' | 'http-body-base64' | null {
  const at = request.indexOf('\r\n\r\n');
  if (at < 0) return null;
  const body = Buffer.from(request.slice(at + 4), 'latin1');
  if (body.length < 64) return null;
  if (highEntropy(body)) return 'http-body';
  const text = body.toString('latin1').trim();
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    const decoded = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (decoded.length >= 48 && highEntropy(decoded)) return 'http-body-base64';
  }
  return null;
}

function highEntropy(b: Buffer): boolean {
  const counts = new Uint32Array(256);
  for (const x of b) counts[x] = (counts[x] ?? 0) + 1;
  let h = 0;
  for (const c of counts) if (c) h -= (c / b.length) * Math.log2(c / b.length);
  // Short samples cannot reach 8 bits: compare with what uniform random bytes of this length give.
  const ceiling = Math.min(8, Math.log2(b.length));
  return h >= ceiling * 0.85 && h >= 5.5;
}
