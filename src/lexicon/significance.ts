/**
 * How surprising a count of sensitive entries is, given how often benign vocabulary of the same size
 * has them: the upper tail of a binomial distribution, exact, in log10 so that 1e-300 stays a number.
 * `log10BinomialTail(30, 150, 0.002)` is about -51 (overwhelming); `log10BinomialTail(500, 60000, 0.008)`
 * is about -0.1 (what a dictionary of that size shows anyway).
 */

// Lanczos approximation (g = 7, n = 9): |error| < 1e-13 over the range used here.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

function logBinomialPmf(k: number, n: number, p: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p);
}

/** log10 P(X >= k) for X ~ Binomial(n, p). 0 when k <= 0; -Infinity only when p is 0 and k > 0. */
export function log10BinomialTail(k: number, n: number, p: number): number {
  if (k <= 0) return 0;
  if (k > n) return -Infinity;
  if (p <= 0) return -Infinity;
  if (p >= 1) return 0;
  // Below the mean the tail is most of the mass: no evidence either way.
  if (k <= n * p) return 0;
  // Sum the pmf from k upwards in log space; terms fall geometrically past the mode, so a few hundred
  // terms reach double precision even for n in the hundreds of thousands.
  const first = logBinomialPmf(k, n, p);
  let sum = 1;
  let term = 1;
  for (let j = k; j < n && j < k + 5000; j++) {
    term *= ((n - j) / (j + 1)) * (p / (1 - p));
    sum += term;
    if (term < sum * 1e-16) break;
  }
  return Math.min(0, (first + Math.log(sum)) / Math.LN10);
}
