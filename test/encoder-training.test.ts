/**
 * The latent-grid training (src/encoder/trainer.ts), its pass over bands and threads
 * (src/encoder/distortion-pool.ts) and the training kernels chosen by name (src/synthesis/distortion-kernel.ts).
 */
import { describe, expect, it } from 'vitest';
import { ParallelDistortion } from '../src/encoder/distortion-pool.js';
import { Trainer } from '../src/encoder/trainer.js';
import { syntheticWorkload } from '../src/encoder/workload.js';
import { DistortionPass, runDistortionPass } from '../src/synthesis/distortion.js';
import { KernelName } from '../src/kernels/select.js';
import { distortionKernel } from '../src/synthesis/distortion-kernel.js';

const shape = { width: 37, height: 23, channels: 3, levels: 4, hidden: [8], seed: 4 };

function freshGradients(pass: DistortionPass): DistortionPass {
  return { ...pass, latentGrad: new Float64Array(pass.latentGrad.length), weightGrad: new Float64Array(pass.weightGrad.length), biasGrad: new Float64Array(pass.biasGrad.length) };
}

describe('distortionKernel', () => {
  it('gives each named kernel, all computing the reference pass', () => {
    const pass = syntheticWorkload(shape);
    const samples = pass.width * pass.height * pass.channels;
    const reference = runDistortionPass(freshGradients(pass), samples);
    for (const name of ['reference', 'generated', 'wasm'] as KernelName[]) {
      const error = distortionKernel([...pass.widths], name)(freshGradients(pass), samples);
      expect(Math.abs(error - reference), name).toBeLessThan(1e-4 * reference);
    }
  });
});

describe('ParallelDistortion', () => {
  it('gives the same error and gradients, bit for bit, on 1 and 2 threads', async () => {
    const results = [];
    for (const threads of [1, 2]) {
      const pass = freshGradients(syntheticWorkload(shape));
      const pool = new ParallelDistortion(pass, 'wasm', threads);
      try {
        const samples = pass.width * pass.height * pass.channels;
        results.push({ error: await pool.run(samples), latentGrad: pass.latentGrad, weightGrad: pass.weightGrad });
      } finally {
        await pool.close();
      }
    }
    expect(results[0].error).toBeGreaterThan(0);
    expect(results[1]).toEqual(results[0]);
  });
});

describe('Trainer', () => {
  const { width, height, channels, target } = syntheticWorkload(shape);
  const image = { width, height, channels, pixels: target };
  const settings = { lambda: 0.01, learningRate: 0.02, proxy: 'noise' } as const;

  it('lowers the error over iterations, the same way for a seed', async () => {
    const run = async () => {
      const trainer = new Trainer(image, shape.levels, shape.hidden, 3, 'wasm', 1);
      try {
        const errors = [];
        for (let i = 0; i < 40; i++) errors.push((await trainer.iterate(settings)).mse);
        return errors;
      } finally {
        await trainer.close();
      }
    };
    const errors = await run();
    expect(errors[errors.length - 1]).toBeLessThan(0.85 * errors[0]);
    expect(await run()).toEqual(errors);
  });

  it('in the rounded phase, the rate pulls latents that round to zero towards zero', async () => {
    // The slope of a bin's rate at its rounded value is zero at zero, so with that derivative only
    // the distortion moved such latents (half of them away from zero) and the rate overshot the
    // budget at the end of training; the bin-averaged derivative holds them (docs/decisions.md).
    const trainer = new Trainer(image, shape.levels, shape.hidden, 3, 'wasm', 1);
    try {
      for (let i = 0; i < 20; i++) await trainer.iterate(settings);
      const latents = trainer.latentViews.flatMap((v) => Array.from(v));
      const before = Float32Array.from(latents, (_, i) => (i % 2 ? 1 : -1) * (0.1 + (0.3 * ((i * 7919) % 101)) / 101));
      trainer.latentViews.reduce((at, v) => (v.set(before.subarray(at, at + v.length)), at + v.length), 0);
      // A lambda at which the rate outweighs the distortion.
      await trainer.iterate({ lambda: 1e4, learningRate: 0.02, proxy: 'round' });
      const after = trainer.latentViews.flatMap((v) => Array.from(v));
      const towardsZero = after.filter((a, i) => Math.abs(a) < Math.abs(before[i])).length;
      expect(towardsZero).toBe(after.length);
    } finally {
      await trainer.close();
    }
  });
});
