/** The training's differentiable rate: the Laplace bin rate, and the table the kernels interpolate. */
import { describe, expect, it } from 'vitest';
import { RateTerms, contextLaplace, laplaceBinRate, tabulatedBinRate } from '../src/entropy/rate.js';

const terms = (): RateTerms => ({ bits: 0, dBitsdValue: 0, dBitsdLogScale: 0 });
/** ln(scale) from the smallest to the largest scale the format allows. */
const logScales = Float32Array.from([-6, -4, -2, -1, 0, 2, 5, 9.75], (e) => e * Math.LN2);
const values = Array.from({ length: 2001 }, (_, i) => -0.5 + i / 2000).concat([-7.3, -0.5001, 0.5001, 2.25, 40]);

describe('laplaceBinRate', () => {
  it('has the derivatives of its bits (finite differences)', () => {
    const [at, up, down] = [terms(), terms(), terms()];
    const h = 1e-6;
    for (let k = 2; k < logScales.length; k++) {
      for (const v of [-3.1, -0.49, -0.2, 0, 0.13, 0.47, 0.9, 12]) {
        const rate = (value: number, logScale: number, out: RateTerms) => {
          const scale = Math.exp(logScale);
          const tail = Math.exp(-1 / scale);
          laplaceBinRate(value, scale, tail, Math.log(1 - tail), out);
        };
        rate(v, logScales[k], at);
        rate(v + h, logScales[k], up);
        rate(v - h, logScales[k], down);
        expect(at.dBitsdValue).toBeCloseTo((up.bits - down.bits) / (2 * h), 4);
        rate(v, logScales[k] + h, up);
        rate(v, logScales[k] - h, down);
        expect(at.dBitsdLogScale).toBeCloseTo((up.bits - down.bits) / (2 * h), 4);
      }
    }
  });
});

describe('tabulatedBinRate', () => {
  it('stays close to laplaceBinRate inside the central bin and equals it outside', () => {
    const model = contextLaplace(logScales);
    const [exact, table] = [terms(), terms()];
    for (let k = 0; k < logScales.length; k++) {
      const scale = model.scales[k];
      const bitsTolerance = scale >= 0.25 ? 2e-5 : 5e-3;
      for (const v of values) {
        laplaceBinRate(v, scale, model.tailRatios[k], model.logGaps[k], exact);
        tabulatedBinRate(v, model, k, table);
        if (Math.abs(v) > 0.5) {
          expect(table).toEqual(exact);
          continue;
        }
        expect(Math.abs(table.bits - exact.bits)).toBeLessThanOrEqual(bitsTolerance);
        // The slope of a bin's rate reaches 1 / (scale ln 2) at its edge; the table is within 1% of that.
        expect(Math.abs(table.dBitsdValue - exact.dBitsdValue)).toBeLessThanOrEqual(0.01 / (scale * Math.LN2));
        expect(Math.abs(table.dBitsdLogScale - exact.dBitsdLogScale)).toBeLessThanOrEqual(bitsTolerance * 2);
      }
    }
  });
});
