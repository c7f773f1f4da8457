import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { exactExp, exactPow2Fraction, scaleByPowerOfTwo } from '../src/entropy/exact-math.js';

/** The IEEE-754 bit pattern of a double, as 16 hex digits. */
function bits(x: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0).toString(16).padStart(16, '0');
}

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

describe('exactExp', () => {
  it('matches Math.exp to 1e-14 relative on a dense grid over (-700, 700)', () => {
    let worst = 0;
    let worstAt = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const x = -700 + (1400 * (i + 0.5)) / n;
      const e = relativeError(exactExp(x), Math.exp(x));
      if (e > worst) {
        worst = e;
        worstAt = x;
      }
    }
    expect(worst, `worst relative error at x = ${worstAt}`).toBeLessThan(1e-14);
  });

  it('matches Math.exp near the ends of the range, near 0 and at reduction boundaries', () => {
    const xs = [
      -699.999999, -699.5, -500, -1, -1e-300, 0, 1e-300, 1e-10, 1, 500, 699.99999,
      // r is largest in magnitude near odd multiples of ln(2)/2
      0.5 * Math.LN2, -0.5 * Math.LN2, 1.5 * Math.LN2, -1.5 * Math.LN2, 1000.5 * Math.LN2 - 1000 * Math.LN2,
    ];
    for (let k = -1000; k <= 1000; k += 7) xs.push((k + 0.5) * Math.LN2 * 0.9999999);
    for (const x of xs) {
      if (!(x > -700 && x < 700)) continue;
      expect(relativeError(exactExp(x), Math.exp(x)), `x = ${x}`).toBeLessThan(1e-14);
    }
  });

  it('is exact where the answer is obvious', () => {
    expect(exactExp(0)).toBe(1);
    expect(exactExp(-0)).toBe(1);
  });

  it('returns 0 at and below -700 and throws at and above 700 or for NaN (documented domain is -700 < x < 700)', () => {
    expect(exactExp(-700)).toBe(0);
    expect(exactExp(-1e6)).toBe(0);
    expect(exactExp(-Infinity)).toBe(0);
    expect(() => exactExp(700)).toThrow(RangeError);
    expect(() => exactExp(Infinity)).toThrow(RangeError);
    expect(() => exactExp(Number.NaN)).toThrow(RangeError);
  });

  it('is deterministic: repeated evaluation gives identical bits', () => {
    const first: number[] = [];
    for (let i = 0; i < 10_000; i++) first.push(exactExp(-699 + i * 0.1397));
    for (let i = 0; i < 10_000; i++) expect(exactExp(-699 + i * 0.1397)).toBe(first[i]);
  });

  it('produces the same bit patterns as when the format was frozen (golden values)', () => {
    // These doubles decide the Laplace tables and so every .nnimg file: they must never change.
    // e itself comes out one ulp below Math.E: what matters is that every decoder gets this value.
    expect(bits(exactExp(1))).toBe(bits(2.7182818284590446));
    expect(bits(exactExp(-32))).toBe(bits(1.2664165549094177e-14));
    expect(bits(exactExp(-0.5))).toBe(bits(0.6065306597126336));
    // A digest of 4001 values across the domain.
    const buffer = new Float64Array(4001);
    for (let i = 0; i <= 4000; i++) buffer[i] = exactExp(-40 + i * 0.02);
    const digest = crc32(new Uint8Array(buffer.buffer)) >>> 0;
    expect(digest.toString(16)).toBe(GOLDEN_EXP_DIGEST);
  });
});

const GOLDEN_EXP_DIGEST = 'a2b2b979';

describe('scaleByPowerOfTwo', () => {
  it('multiplies by an exact power of two', () => {
    for (const v of [1, 1.5, Math.PI, 0.7071067811865476, 1.4142135623730951]) {
      for (let k = -1000; k <= 1000; k += 13) expect(scaleByPowerOfTwo(v, k)).toBe(v * 2 ** k);
    }
  });
});

describe('exactPow2Fraction', () => {
  it('is 1 for n = 0 and matches 2 ** (n / d) to 1e-14 relative for |n / d| <= 64', () => {
    // Beyond that the rounding of the argument (n/d) ln 2 alone exceeds 1e-14 (2^-192: 1.2e-14).
    for (let d = 1; d <= 16; d++) {
      expect(exactPow2Fraction(0, d)).toBe(1);
      for (let n = -64 * d; n <= 64 * d; n++) {
        expect(relativeError(exactPow2Fraction(n, d), 2 ** (n / d)), `2^(${n}/${d})`).toBeLessThan(1e-14);
      }
    }
  });

  it('is accurate to 1e-15 over the ranges the format uses', () => {
    for (let i = 0; i < 64; i++) {
      expect(relativeError(exactPow2Fraction(i - 24, 4), 2 ** ((i - 24) / 4))).toBeLessThan(1e-15);
      expect(relativeError(exactPow2Fraction(i - 32, 8), 2 ** ((i - 32) / 8))).toBeLessThan(1e-15);
    }
  });

  it('gives exactly 2 and 1/2 for n = +-d', () => {
    for (const d of [1, 2, 4, 8]) {
      expect(exactPow2Fraction(d, d)).toBe(2);
      expect(exactPow2Fraction(-d, d)).toBe(0.5);
    }
  });

  it('is monotonic in n', () => {
    for (const d of [4, 8]) {
      for (let n = -100; n < 100; n++) expect(exactPow2Fraction(n + 1, d)).toBeGreaterThan(exactPow2Fraction(n, d));
    }
  });

  it('golden values of the scales the format uses (Laplace scale b = 2^((i - 24)/4), latent step 2^((i - 32)/8))', () => {
    // Not exactly 2^-6: the value is defined by the algorithm, not by the real function.
    expect(bits(exactPow2Fraction(-24, 4))).toBe(bits(0.015625000000000007));
    expect(bits(exactPow2Fraction(39, 4))).toBe(bits(861.0779292198042));
    expect(exactPow2Fraction(-32, 8)).toBe(0.0625);
    expect(bits(exactPow2Fraction(31, 8))).toBe(bits(14.672064691274741));
    expect(bits(exactPow2Fraction(3, 1))).toBe(bits(7.999999999999998));
  });
});
