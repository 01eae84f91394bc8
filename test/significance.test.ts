import { describe, expect, it } from 'vitest';
import { log10BinomialTail, logGamma } from '../src/lexicon/significance.js';

/** The binomial tail summed exactly with BigInt binomial coefficients: an independent reference. */
function exactTail(k: number, n: number, p: number): number {
  let coeff = 1n;
  const terms: number[] = [];
  for (let j = 0; j <= n; j++) {
    if (j > 0) coeff = (coeff * BigInt(n - j + 1)) / BigInt(j);
    if (j >= k) terms.push(Number(coeff) * p ** j * (1 - p) ** (n - j));
  }
  return Math.log10(terms.reduce((a, b) => a + b, 0));
}

describe('binomial tail', () => {
  it('agrees with an exact sum over small and medium lists', () => {
    for (const [k, n, p] of [
      [3, 20, 0.001],
      [5, 50, 0.002],
      [30, 150, 0.002],
      [12, 400, 0.01],
      [2, 182, 0.003],
      [40, 1000, 0.02],
    ] as const) {
      expect(log10BinomialTail(k, n, p), `${k}/${n} at ${p}`).toBeCloseTo(exactTail(k, n, p), 6);
    }
  });

  it('is 0 at or below the expected count, and has the gamma function right', () => {
    expect(log10BinomialTail(0, 100, 0.1)).toBe(0);
    expect(log10BinomialTail(500, 60_000, 0.01)).toBe(0);
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(11)).toBeCloseTo(Math.log(3628800), 10);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 10);
  });

  it('stays finite for very unlikely counts in large lists', () => {
    const v = log10BinomialTail(5000, 200_000, 0.001);
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeLessThan(-1000);
  });
});
