/** The WebAssembly per-latent kernel (proxy, rate, Adam) against the TypeScript reference. */
import { describe, expect, it } from 'vitest';
import { selectedKernel } from '../src/kernels/select.js';
import { encode } from '../src/encoder/encode.js';
import { RasterImage } from '../src/image/io.js';
import { CONTEXT_COUNT, PREDICTION_TAPS, latentContexts } from '../src/entropy/linear-context-model.js';
import { gridSizes } from '../src/format/geometry.js';
import { Parameter, adamStep } from '../src/optimizer/adam.js';
import { LatentKernel, QuantizationProxy, ReferenceLatentKernel } from '../src/kernels/latents.js';
import { Random } from '../src/optimizer/random.js';
import { WasmLatentKernel } from '../src/kernels/latents-wasm.js';
import { RateTerms, contextLaplace, laplaceBinRate } from '../src/entropy/rate.js';

const grids = gridSizes(45, 31, 5);
const LEARNING_RATE_SCALE = 6;

/** Both kernels on the same random latents: spread out, so every context occurs, with some exact halves. */
function kernelPair(seed: number): [LatentKernel, LatentKernel] {
  const kernels: [LatentKernel, LatentKernel] = [new ReferenceLatentKernel(grids, LEARNING_RATE_SCALE), new WasmLatentKernel(grids, LEARNING_RATE_SCALE)];
  const random = new Random(seed);
  const values = Float32Array.from(kernels[0].latents.value, (_, i) => (i % 17 === 0 ? Math.round(6 * random.normal()) + 0.5 : 6 * random.normal() * random.next()));
  for (const kernel of kernels) kernel.latents.value.set(values);
  return kernels;
}

/** An entropy model: ln(scale) across the format's range, prediction coefficients in [-1, 1]. */
function entropyModel(seed: number): { scales: Parameter; predictors: Parameter } {
  const random = new Random(seed);
  return {
    scales: new Parameter(Float32Array.from({ length: grids.length * CONTEXT_COUNT }, () => -4 + 10 * random.next())),
    predictors: new Parameter(Float32Array.from({ length: grids.length * PREDICTION_TAPS }, () => 2 * random.next() - 1)),
  };
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, relative: number): void {
  const scale = Math.max(...Array.from(expected, Math.abs));
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(relative * scale);
}

describe('latent kernels', () => {
  for (const [proxy, expected] of [['noise', false], ['round', false], ['noise', true]] as [QuantizationProxy, boolean][]) {
    it(`the wasm proxy and rate pass match the reference (${proxy}, expected rate gradient: ${expected})`, () => {
      const [reference, wasm] = kernelPair(11);
      const randoms = [new Random(5), new Random(5)];
      reference.applyQuantizationProxy(proxy, randoms[0]);
      wasm.applyQuantizationProxy(proxy, randoms[1]);
      expect(wasm.proxyLatents).toEqual(reference.proxyLatents);
      // The module draws the same noise and leaves the generator where the reference does.
      expect(randoms[1].nextUint32()).toBe(randoms[0].nextUint32());

      const models = [entropyModel(9), entropyModel(9)];
      const weight = 1e-3;
      const bits = [
        reference.accumulateRate(weight, models[0].scales, models[0].predictors, expected),
        wasm.accumulateRate(weight, models[1].scales, models[1].predictors, expected),
      ];
      expect(Math.abs(bits[1].proxyBits - bits[0].proxyBits)).toBeLessThanOrEqual(1e-6 * bits[0].proxyBits);
      expect(Math.abs(bits[1].roundedBits - bits[0].roundedBits)).toBeLessThanOrEqual(1e-6 * bits[0].roundedBits);
      expectClose(wasm.latents.grad, reference.latents.grad, 1e-6);
      expectClose(models[1].scales.grad, models[0].scales.grad, 1e-6);
      expectClose(models[1].predictors.grad, models[0].predictors.grad, 1e-6);
    });
  }

  it('the expected rate gradient is the derivative of the rate averaged over the noise', () => {
    const [kernel] = kernelPair(13);
    const { scales, predictors } = entropyModel(10);
    predictors.value.fill(0); // centred on zero, so each latent's rate depends on its own value only
    kernel.applyQuantizationProxy('noise', new Random(6));
    kernel.accumulateRate(1, scales, predictors, true);
    const model = contextLaplace(scales.value);
    const terms: RateTerms = { bits: 0, dBitsdValue: 0, dBitsdLogScale: 0 };
    // The context of latent i is what its kernel found; recover it from the rounded neighbours as the kernel does.
    const contexts = new Uint8Array(grids[0].width * grids[0].height);
    const rounded = Int32Array.from(kernel.latents.value.subarray(0, contexts.length), (v) => Math.round(v));
    latentContexts(rounded, grids[0].width, grids[0].height, contexts);
    const averageBits = (y: number, k: number) => {
      const n = 4000;
      let sum = 0;
      for (let j = 0; j < n; j++) {
        laplaceBinRate(y + (j + 0.5) / n - 0.5, model.scales[k], model.tailRatios[k], model.logGaps[k], terms);
        sum += terms.bits;
      }
      return sum / n;
    };
    for (const i of [3, 40, 77, 200, 311]) {
      const y = kernel.latents.value[i];
      const k = contexts[i];
      const h = 1e-3;
      const numeric = (averageBits(y + h, k) - averageBits(y - h, k)) / (2 * h);
      expect(kernel.latents.grad[i]).toBeCloseTo(numeric, 1);
    }
  });

  it('the wasm Adam step of the latents matches the reference', () => {
    const kernels = kernelPair(12);
    const random = new Random(4);
    const grad = Float64Array.from(kernels[0].latents.grad, () => random.normal() * 1e-3);
    for (let step = 1; step <= 3; step++) {
      for (const kernel of kernels) {
        kernel.latents.grad.set(grad);
        kernel.adamUpdate(adamStep(step, 0.01));
      }
    }
    expectClose(kernels[1].latents.value, kernels[0].latents.value, 1e-6);
    expectClose(kernels[1].latents.m, kernels[0].latents.m, 1e-6);
    expectClose(kernels[1].latents.v, kernels[0].latents.v, 1e-6);
  });

  describe('with the wasm kernels (the default)', () => {
    it('an encode gives the same file on every run with the same seed', async () => {
      expect(selectedKernel()).toBe('wasm');
      const random = new Random(2);
      const image: RasterImage = { width: 40, height: 28, channels: 3, data: Uint8Array.from({ length: 40 * 28 * 3 }, (_, i) => (i % 120) * 2 + 8 * random.next()) };
      const files = [await encode(image, { iterations: 40, seed: 3 }), await encode(image, { iterations: 40, seed: 3 })].map((r) => r.file);
      expect(files[1]).toEqual(files[0]);
    });
  });
});
