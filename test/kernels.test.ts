import { describe, expect, it } from 'vitest';
import { generatedEvaluator, referenceEvaluator } from '../src/model/network-kernels.js';
import { layerShapes } from '../src/model/network.js';
import { DistortionPass, runDistortionPass } from '../src/training/distortion-kernel.js';
import { generatedDistortionKernel } from '../src/training/generated-kernel.js';
import { syntheticWorkload } from '../src/training/workload.js';
import { Random } from '../src/training/random.js';

function workload(width: number, height: number, channels: number, hidden: number[], seed: number): DistortionPass {
  return syntheticWorkload({ width, height, channels, levels: 4, hidden, seed });
}

function withFreshGradients(pass: DistortionPass): DistortionPass {
  return {
    ...pass,
    latentGrad: new Float64Array(pass.latentGrad.length),
    weightGrad: new Float64Array(pass.weightGrad.length),
    biasGrad: new Float64Array(pass.biasGrad.length),
  };
}

function expectClose(actual: Float64Array, expected: Float64Array, relative: number): void {
  const scale = Math.max(...expected.map(Math.abs));
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(relative * scale);
}

describe('training kernels', () => {
  for (const [hidden, channels] of [[[8], 3], [[6, 5], 1], [[], 3]] as [number[], number][]) {
    it(`generated kernel matches the reference (hidden ${JSON.stringify(hidden)}, ${channels} channels)`, () => {
      const pass = workload(23, 17, channels, hidden, 3);
      const samples = 23 * 17 * channels;
      const reference = withFreshGradients(pass);
      const fast = withFreshGradients(pass);
      const errorReference = runDistortionPass(reference, samples);
      const errorFast = generatedDistortionKernel([...pass.widths])(fast, samples);
      expect(Math.abs(errorFast - errorReference)).toBeLessThan(1e-6 * errorReference);
      expectClose(fast.weightGrad, reference.weightGrad, 1e-6);
      expectClose(fast.biasGrad, reference.biasGrad, 1e-6);
      expectClose(fast.latentGrad, reference.latentGrad, 1e-6);
    });
  }

  it('reference gradients agree with finite differences of the loss', () => {
    const pass = workload(11, 9, 3, [5], 5);
    const samples = 11 * 9 * 3;
    const analytic = withFreshGradients(pass);
    runDistortionPass(analytic, samples);
    const loss = (p: DistortionPass) => runDistortionPass(withFreshGradients(p), samples) / samples;
    const checks: [Float32Array, Float64Array, number][] = [
      [pass.weights, analytic.weightGrad, 3],
      [pass.biases, analytic.biasGrad, 1],
      [pass.latents, analytic.latentGrad, 40],
    ];
    for (const [values, gradient, index] of checks) {
      const original = values[index];
      const h = 1e-3;
      values[index] = original + h;
      const up = loss(pass);
      values[index] = original - h;
      const down = loss(pass);
      values[index] = original;
      const numeric = (up - down) / (2 * h);
      // Activations are float32, so the loss itself is only good to ~1e-7 relative.
      expect(Math.abs(gradient[index] - numeric), `index ${index}: ${gradient[index]} vs ${numeric}`).toBeLessThan(2e-3 * Math.abs(numeric) + 1e-7);
    }
  });
});

describe('synthesis evaluators', () => {
  it('the generated evaluator gives bit-identical outputs to the reference', () => {
    const random = new Random(11);
    const shapes = layerShapes(7, [16, 8], 3);
    const layers = shapes.map((shape) => ({
      shape,
      weights: Float32Array.from({ length: shape.inputs * shape.outputs }, () => (random.next() < 0.2 ? 0 : random.normal())),
      biases: Float32Array.from({ length: shape.outputs }, () => random.normal()),
    }));
    const fast = generatedEvaluator(layers);
    const reference = referenceEvaluator(layers);
    const a = new Float32Array(16);
    const b = new Float32Array(16);
    for (let n = 0; n < 2000; n++) {
      const inputs = Float32Array.from({ length: 7 }, () => 3 * random.normal());
      fast(Float32Array.from(inputs), a);
      reference(Float32Array.from(inputs), b);
      expect(Array.from(a.subarray(0, 3))).toEqual(Array.from(b.subarray(0, 3)));
    }
  });
});
