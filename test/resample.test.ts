/** The centre-aligned resampler that upscales the compare baselines (src/image/resample.ts). */
import { describe, expect, it } from 'vitest';
import { BICUBIC, LANCZOS3, upscaleCentred } from '../src/image/resample.js';

const ramp = (width: number) => ({ width, height: 1, channels: 1, data: Uint8Array.from({ length: width }, (_, x) => 40 + 20 * x) });

describe('upscaleCentred', () => {
  it('keeps a flat image flat, for both kernels and odd sizes', () => {
    const flat = { width: 5, height: 3, channels: 3, data: new Uint8Array(45).fill(77) };
    for (const kernel of [LANCZOS3, BICUBIC]) {
      const big = upscaleCentred(flat, 13, 7, kernel);
      expect(big).toMatchObject({ width: 13, height: 7, channels: 3 });
      expect(big.data.every((v) => v === 77)).toBe(true);
    }
  });

  it('samples at pixel centres: 2x of a linear ramp lands a quarter pixel either side of each input', () => {
    // Input pixel k sits at k + 0.5; output pixels 2k and 2k+1 sit at k + 0.25 and k + 0.75 in input
    // units, so on the straight part of a ramp (value 40 + 20 k at k) they read 40 + 20 (k -/+ 0.25).
    const big = upscaleCentred(ramp(10), 20, 1, BICUBIC);
    for (let k = 2; k < 8; k++) {
      expect(big.data[2 * k]).toBe(40 + 20 * k - 5);
      expect(big.data[2 * k + 1]).toBe(40 + 20 * k + 5);
    }
  });

  it('returns the input unchanged at the same size', () => {
    const input = { width: 6, height: 4, channels: 1, data: Uint8Array.from({ length: 24 }, (_, i) => (i * 37) % 256) };
    expect(Array.from(upscaleCentred(input, 6, 4, LANCZOS3).data)).toEqual(Array.from(input.data));
  });
});
