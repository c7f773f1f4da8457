/**
 * The mechanisms that make large images affordable: distortion passes over a sample of the rows
 * (src/encoder/distortion-bands.ts) and coarse-to-fine training (src/encoder/coarse.ts). The
 * large-photo numbers themselves are a benchmark (docs/results/large.md), not a test.
 */
import { describe, expect, it } from 'vitest';
import { chooseWeightSteps, fitToBudget } from '../src/encoder/budget.js';
import { continueCoarseModel, copyModel, halveImage, withFinestLevelAtZero } from '../src/encoder/coarse.js';
import { gridSizes } from '../src/format/geometry.js';
import { synthesisShapes } from '../src/synthesis/network.js';
import { DISTORTION_BANDS, bandBounds, sampleBandRows, sampledRowCounts } from '../src/encoder/distortion-bands.js';
import { ParallelDistortion } from '../src/encoder/distortion-pool.js';
import { encode } from '../src/encoder/encode.js';
import { Trainer } from '../src/encoder/trainer.js';
import type { RasterImage } from '../src/image/io.js';
import { syntheticWorkload } from '../src/encoder/workload.js';
import { DistortionPass, runDistortionPass } from '../src/synthesis/distortion.js';
import { Random } from '../src/optimizer/random.js';

const shape = { width: 37, height: 53, channels: 3, levels: 4, hidden: [8], seed: 4 };

function sampledRows(height: number, stride: number, seed: number): Int32Array {
  const rows = new Int32Array(sampledRowCounts(height, stride).reduce((a, b) => a + b, 0));
  sampleBandRows(height, stride, new Random(seed), rows);
  return rows;
}

describe('sampleBandRows', () => {
  it('draws one row from every run of stride rows in each band, in order, the same for a seed', () => {
    for (const [height, stride] of [[53, 3], [100, 8], [9, 4], [1000, 34]]) {
      const rows = sampledRows(height, stride, 7);
      const bounds = bandBounds(height);
      let at = 0;
      for (let b = 0; b < DISTORTION_BANDS; b++) {
        for (let start = bounds[b]; start < bounds[b + 1]; start += stride, at++) {
          expect(rows[at]).toBeGreaterThanOrEqual(start);
          expect(rows[at]).toBeLessThan(Math.min(start + stride, bounds[b + 1]));
        }
      }
      expect(at).toBe(rows.length);
      expect(sampledRows(height, stride, 7)).toEqual(rows);
    }
  });

  it('visits every row about equally often over many passes', () => {
    const counts = new Float64Array(53);
    const random = new Random(3);
    const rows = new Int32Array(sampledRowCounts(53, 4).reduce((a, b) => a + b, 0));
    for (let i = 0; i < 4000; i++) {
      sampleBandRows(53, 4, random, rows);
      for (const y of rows) counts[y]++;
    }
    // Rows in a short run at a band's end are drawn more often; every row is drawn.
    for (const c of counts) expect(c).toBeGreaterThan(600);
  });
});

describe('ParallelDistortion over sampled rows', () => {
  const fresh = (pass: DistortionPass, rows: Int32Array): DistortionPass => ({
    ...pass,
    rows,
    latentGrad: new Float64Array(pass.latentGrad.length),
    weightGrad: new Float64Array(pass.weightGrad.length),
    biasGrad: new Float64Array(pass.biasGrad.length),
  });

  it('computes the reference pass over the rows it is given, the same on 1 and 2 threads', async () => {
    const base = syntheticWorkload(shape);
    const stride = 5;
    const results = [];
    for (const threads of [1, 2]) {
      const pass = fresh(base, new Int32Array(sampledRowCounts(shape.height, stride).reduce((a, b) => a + b, 0)));
      const pool = new ParallelDistortion(pass, 'wasm', threads, stride);
      try {
        const passes = [];
        // Two different samples through the same pool: the rows change between runs.
        for (const seed of [1, 2]) {
          pass.rows.set(sampledRows(shape.height, stride, seed));
          pass.latentGrad.fill(0);
          pass.weightGrad.fill(0);
          const samples = pass.rows.length * pass.width * pass.channels;
          const error = await pool.run(samples);
          const reference = fresh(base, pass.rows.slice());
          const referenceError = runDistortionPass(reference, samples);
          expect(Math.abs(error - referenceError)).toBeLessThan(1e-4 * referenceError);
          let worst = 0;
          let largest = 0;
          for (let n = 0; n < pass.latentGrad.length; n++) {
            worst = Math.max(worst, Math.abs(pass.latentGrad[n] - reference.latentGrad[n]));
            largest = Math.max(largest, Math.abs(reference.latentGrad[n]));
          }
          expect(worst).toBeLessThan(1e-4 * largest);
          passes.push({ error, latentGrad: pass.latentGrad.slice(), weightGrad: pass.weightGrad.slice() });
        }
        expect(passes[0].error).not.toBe(passes[1].error);
        results.push(passes);
      } finally {
        await pool.close();
      }
    }
    expect(results[1]).toEqual(results[0]);
  });
});

describe('Trainer with sampled rows', () => {
  const { width, height, channels, target } = syntheticWorkload(shape);
  const image = { width, height, channels, pixels: target };
  const settings = { lambda: 0.01, learningRate: 0.02, proxy: 'noise' } as const;

  it('lowers the error over iterations, the same way for a seed on 1 and 2 threads', async () => {
    const run = async (threads: number) => {
      const trainer = new Trainer(image, shape.levels, shape.hidden, 3, 'wasm', threads, 4);
      try {
        const errors = [];
        for (let i = 0; i < 60; i++) errors.push((await trainer.iterate(settings)).mse);
        return errors;
      } finally {
        await trainer.close();
      }
    };
    const errors = await run(1);
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(errors.slice(-10))).toBeLessThan(0.85 * mean(errors.slice(0, 10)));
    expect(await run(2)).toEqual(errors);
  });
});

describe('coarse-to-fine', () => {
  it('halves an image by 2x2 means, repeating the last row and column of odd sizes', () => {
    const pixels = Float32Array.from({ length: 3 * 3 }, (_, i) => i);
    const half = halveImage({ width: 3, height: 3, channels: 1, pixels });
    expect([half.width, half.height]).toEqual([2, 2]);
    expect(Array.from(half.pixels)).toEqual([(0 + 1 + 3 + 4) / 4, (2 + 2 + 5 + 5) / 4, (6 + 7 + 6 + 7) / 4, 8]);
  });

  it('continues the half-size model against the full image from level 1, every parameter carried over', async () => {
    const { width, height, channels, target } = syntheticWorkload(shape);
    const image = { width, height, channels, pixels: target };
    const small = halveImage(image);
    const coarse = new Trainer(small, shape.levels - 1, shape.hidden, 5, 'wasm', 1);
    const fine = new Trainer(image, shape.levels, shape.hidden, 6, 'wasm', 1, 1, 1);
    try {
      // The half-size image's grids are the full image's grids from level 1.
      expect(fine.grids).toEqual(gridSizes(width, height, shape.levels).slice(1));
      expect(coarse.grids).toEqual(fine.grids);
      for (let i = 0; i < 5; i++) await coarse.iterate({ lambda: 0.01, learningRate: 0.02, proxy: 'noise' });
      continueCoarseModel(fine, copyModel(coarse));
      expect(fine.latents).toEqual(coarse.latents);
      for (const name of ['weights', 'biases', 'logScales', 'predictors'] as const) expect(fine[name]).toEqual(coarse[name]);
      const before = fine.sampledMse(fine.layerTensors());
      for (let i = 0; i < 20; i++) await fine.iterate({ lambda: 0.01, learningRate: 0.02, proxy: 'noise' });
      expect(fine.sampledMse(fine.layerTensors())).toBeLessThan(before);
    } finally {
      await coarse.close();
      await fine.close();
    }
  });

  it('shows a trainer without level 0 as the full model: level 0 and its weights zero, the same rendering', async () => {
    const { width, height, channels, target } = syntheticWorkload(shape);
    const image = { width, height, channels, pixels: target };
    const fine = new Trainer(image, shape.levels, shape.hidden, 6, 'wasm', 1, 1, 1);
    try {
      for (let i = 0; i < 10; i++) await fine.iterate({ lambda: 0.01, learningRate: 0.02, proxy: 'noise' });
      const header = { width, height, channels, levels: shape.levels, hidden: shape.hidden };
      const full = withFinestLevelAtZero(fine, header);
      expect(full.grids).toEqual(gridSizes(width, height, shape.levels));
      expect(full.shapes).toEqual(synthesisShapes(shape.levels, shape.hidden, channels));
      expect(full.latentViews[0]).toEqual(new Float32Array(width * height));
      expect(full.latentViews.slice(1)).toEqual(fine.latentViews);
      const [wide, ...rest] = full.layerTensors();
      const [narrow, ...fineRest] = fine.layerTensors();
      const inputs = shape.levels;
      for (let o = 0; o < shape.hidden[0]; o++) {
        expect(wide[o * inputs]).toBe(0);
        expect(Array.from(wide.subarray(o * inputs + 1, (o + 1) * inputs))).toEqual(Array.from(narrow.subarray(o * (inputs - 1), (o + 1) * (inputs - 1))));
      }
      expect(rest).toEqual(fineRest);
      expect(full.quantizedPredictors().slice(1)).toEqual(fine.quantizedPredictors());
      const mse = fine.sampledMse(fine.layerTensors());
      expect(mse).toBeGreaterThan(0);
      expect(full.sampledMse(full.layerTensors())).toBe(mse);
      // With latents given (all levels, level 0 zero): the trainer's own with its levels.
      const latents = new Float32Array(width * height + fine.latents.length);
      latents.set(fine.latents.map((v) => Math.round(v) + 0.25), width * height);
      expect(full.sampledMse(full.layerTensors(), latents)).toBe(fine.sampledMse(fine.layerTensors(), latents.subarray(width * height)));
      // A file of it marks level 0 unused, and renders what the trainer measured.
      const fitted = fitToBudget(full, { model: 'latent-grid', ...header, hidden: [...shape.hidden] }, chooseWeightSteps(full, 0.01).layers, undefined);
      expect(fitted.model.grids[0].scaleIndices).toBeNull();
      expect(fitted.model.grids.slice(1).some((g) => g.scaleIndices !== null)).toBe(true);
    } finally {
      await fine.close();
    }
  });

  it('encodes with a coarse stage: deterministic, and better than the fine stage alone', async () => {
    const { width, height, channels } = syntheticWorkload({ ...shape, width: 96, height: 64 });
    // A smooth image, which the coarse levels can hold.
    const data = new Uint8Array(width * height * channels);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = Math.round(127 + 100 * Math.sin(x / (9 + c) + y / 13) * Math.cos(y / 17 - c));
      }
    }
    const image: RasterImage = { width, height, channels: channels as RasterImage['channels'], data };
    const options = { bytes: 1500, iterations: 40, threads: 1 };
    const alone = await encode(image, { ...options, coarseIterations: 0 });
    const staged = await encode(image, { ...options, coarseIterations: 120 });
    expect(staged.iterations).toBeGreaterThanOrEqual(160);
    expect(staged.file.length).toBeLessThanOrEqual(1500);
    expect(staged.psnr).toBeGreaterThan(alone.psnr + 0.5);
    expect((await encode(image, { ...options, coarseIterations: 120 })).file).toEqual(staged.file);
  });
});
