/** Quantization of the encoder's parameters (src/encoder/quantize.ts) against brute force. */
import { describe, expect, it } from 'vitest';
import { SCALE_INDEX_COUNT } from '../src/entropy/laplace.js';
import { bestScaleIndex, quantizeTensor, tensorBits } from '../src/encoder/quantize.js';
import { tensorValueBits } from '../src/format/payload.js';
import { prng } from '../bench/support/prng.js';

describe('bestScaleIndex', () => {
  it('finds the scale index under which the values cost the fewest bits, and that cost', () => {
    const random = prng(12);
    for (const spread of [0, 0.3, 2, 40, 3000]) {
      const values = Int32Array.from({ length: 200 }, () => Math.round(spread * Math.log(random()) * (random() < 0.5 ? -1 : 1)));
      const costs = Array.from({ length: SCALE_INDEX_COUNT }, (_, s) => tensorValueBits(values, s));
      const cheapest = Math.min(...costs);
      const { scaleIndex, bits } = bestScaleIndex(values);
      expect(bits, `spread ${spread}`).toBeCloseTo(cheapest, 6);
      expect(costs[scaleIndex], `spread ${spread}`).toBeCloseTo(cheapest, 6);
    }
  });

  it('prefers wider scales for wider values', () => {
    const narrow = bestScaleIndex(Int32Array.from({ length: 100 }, (_, i) => (i % 3) - 1)).scaleIndex;
    const wide = bestScaleIndex(Int32Array.from({ length: 100 }, (_, i) => (i % 201) - 100)).scaleIndex;
    expect(wide).toBeGreaterThan(narrow);
  });
});

describe('quantizeTensor', () => {
  it('rounds values * 2^stepExponent and codes them under their best scale', () => {
    const values = Float32Array.from([0.5, -0.26, 0.124, 3, -2.01]);
    const tensor = quantizeTensor(values, 3);
    expect(Array.from(tensor.values)).toEqual([4, -2, 1, 24, -16]);
    expect(tensor.stepExponent).toBe(3);
    expect(tensor.scaleIndex).toBe(bestScaleIndex(tensor.values).scaleIndex);
    expect(tensorBits(tensor)).toBe(tensorValueBits(tensor.values, tensor.scaleIndex));
  });
});
