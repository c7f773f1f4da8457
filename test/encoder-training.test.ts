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
});
