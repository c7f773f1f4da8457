/**
 * Elementary functions built only from IEEE-754 double + - * / and Math.round, which every
 * JavaScript engine computes bit-identically. Math.exp / Math.pow are NOT guaranteed identical
 * across engines, and everything that decides how bits become symbols must be, so the
 * entropy tables are built from these instead.
 */

const LN2_HI = 6.93147180369123816490e-1; // upper bits of ln(2), exact in a double
const LN2_LO = 1.90821492927058770002e-10; // ln(2) - LN2_HI
const INV_LN2 = 1.44269504088896338700;

/** e^x for -700 < x < 700, exactly reproducible (accuracy ~1e-15 relative). */
export function exactExp(x: number): number {
  if (!(x > -700 && x < 700)) {
    if (x <= -700) return 0;
    throw new RangeError(`exactExp: argument out of range: ${x}`);
  }
  // x = k*ln2 + r with |r| <= ln2/2
  const k = Math.round(x * INV_LN2);
  const r = x - k * LN2_HI - k * LN2_LO;
  // Taylor series of e^r to degree 17: the remainder is below 2^-60 for |r| <= 0.35.
  let term = 1;
  let sum = 1;
  for (let n = 1; n <= 17; n++) {
    term = (term * r) / n;
    sum += term;
  }
  return scaleByPowerOfTwo(sum, k);
}

/** v * 2^k by repeated exact multiplication (powers of two are exact in binary floating point). */
export function scaleByPowerOfTwo(v: number, k: number): number {
  let result = v;
  if (k > 0) for (let i = 0; i < k; i++) result *= 2;
  else for (let i = 0; i < -k; i++) result *= 0.5;
  return result;
}

/** 2^(n/d) for integers n, d (d > 0), exactly reproducible. */
export function exactPow2Fraction(n: number, d: number): number {
  return exactExp(((n / d) * LN2_HI) + (n / d) * LN2_LO);
}
