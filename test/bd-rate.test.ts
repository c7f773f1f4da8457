/** Bjontegaard-delta rate against known values (reference: numpy polyfit/polyint, as in VCEG-M33 scripts). */
import { describe, expect, it } from 'vitest';
import { RdPoint, bdRate, polyIntegral, polyfit, polyval } from '../src/report/bd-rate.js';

const curve = (rates: number[], psnrs: number[]): RdPoint[] => rates.map((rate, i) => ({ rate, psnr: psnrs[i] }));

function percent(anchor: RdPoint[], test: RdPoint[]): number {
  const result = bdRate(anchor, test);
  if (!result.ok) throw new Error(result.reason);
  return result.percent;
}

const SIX = curve([0.05, 0.1, 0.2, 0.4, 0.8, 1.6], [22.1, 24.3, 26.8, 29.0, 31.9, 34.6]);

describe('bdRate', () => {
  it('is 0 for a curve against itself', () => {
    expect(percent(SIX, SIX)).toBeCloseTo(0, 10);
    const four = curve([686.76, 309.58, 157.11, 85.95], [40.28, 37.18, 34.24, 31.42]);
    expect(percent(four, four)).toBeCloseTo(0, 10);
  });

  it('is -50% when every rate is halved, +100% when doubled', () => {
    const halved = SIX.map((p) => ({ ...p, rate: p.rate / 2 }));
    expect(percent(SIX, halved)).toBeCloseTo(-50, 9);
    expect(percent(halved, SIX)).toBeCloseTo(100, 9);
  });

  it('matches the numpy reference on a 4-point pair (exact cubic) and a 6-point pair (least squares)', () => {
    // Values from numpy.polyfit(psnr, log(rate), 3), numpy.polyint, (exp(mean difference) - 1) * 100.
    const anchor = curve([686.76, 309.58, 157.11, 85.95], [40.28, 37.18, 34.24, 31.42]);
    const test = curve([893.34, 407.8, 204.93, 112.75], [40.39, 37.21, 34.17, 31.24]);
    expect(percent(anchor, test)).toBeCloseTo(31.39737405490792, 8);
    const other = curve([0.06, 0.11, 0.19, 0.42, 0.75, 1.5], [21.5, 23.9, 26.0, 28.7, 31.0, 33.8]);
    expect(percent(SIX, other)).toBeCloseTo(19.250157309525463, 8);
  });

  it('ignores point order and reports the shared PSNR interval', () => {
    const other = curve([0.06, 0.11, 0.19, 0.42, 0.75, 1.5], [21.5, 23.9, 26.0, 28.7, 31.0, 33.8]);
    const result = bdRate([...SIX].reverse(), [...other].reverse());
    expect(result.ok && result.percent).toBeCloseTo(19.250157309525463, 8);
    expect(result.ok && [result.psnrLow, result.psnrHigh, result.degree]).toEqual([22.1, 33.8, 3]);
  });

  it('falls back to a lower degree with fewer than 4 points', () => {
    const two = curve([1000, 4000], [28, 32]);
    const result = bdRate(two, two.map((p) => ({ ...p, rate: p.rate * 0.8 })));
    expect(result.ok && result.degree).toBe(1);
    expect(result.ok && result.percent).toBeCloseTo(-20, 9);
  });

  it('says why when there is no shared range or too few points', () => {
    expect(bdRate(curve([1, 2], [20, 22]), curve([1, 2], [30, 32]))).toEqual({ ok: false, reason: 'the curves share no PSNR range' });
    expect(bdRate(curve([1], [20]), SIX)).toMatchObject({ ok: false });
    expect(bdRate(curve([1, 2], [Infinity, 22]), SIX)).toMatchObject({ ok: false });
  });
});

describe('polyfit', () => {
  it('recovers a cubic exactly and integrates it', () => {
    const f = (x: number) => 2 - 0.5 * x + 0.25 * x * x - 0.01 * x ** 3;
    const xs = [20, 24, 27, 31, 35, 38];
    const poly = polyfit(xs, xs.map(f), 3);
    for (const x of [21, 30, 37.5]) expect(polyval(poly, x)).toBeCloseTo(f(x), 9);
    const F = (x: number) => 2 * x - 0.25 * x * x + (0.25 / 3) * x ** 3 - 0.0025 * x ** 4;
    expect(polyIntegral(poly, 22, 36)).toBeCloseTo(F(36) - F(22), 7);
  });
});
