/**
 * The encoder: trains a model on one image under a rate penalty steered to the budget (this file),
 * then quantizes it into a .nnimg file that fits (budget.ts) and checks the result (check.ts).
 */
import { NnimgHeader, writeContainer } from '../format/container.js';
import { RasterImage } from '../image/io.js';
import { defaultLevelCount } from '../format/geometry.js';
import { layerShapes, multiplyAddsPerPixel } from '../format/network.js';
import { selectedKernel } from '../kernels/select.js';
import { checkThreadCount, defaultThreadCount } from '../threads.js';
import { IterationResult, Trainer } from './trainer.js';
import { previewLatentGrid, snapshotEvery } from './timelapse.js';
import { LATENT_STEP_BITS, encodePayload } from '../format/payload.js';
import { chooseWeightSteps, fitToBudget, minimumFileBytes } from './budget.js';
import { checkDecoded } from './check.js';
import { encodeCoordinateMlp } from './coordinate-mlp.js';
import { measuredFile, yieldToEventLoop } from './shared.js';
import { BudgetError, EncodeOptions, EncodeResult } from './types.js';

/**
 * Share of the training spent on the noise proxy; the rest trains on truly rounded latents
 * (the measurements: docs/decisions.md).
 */
const NOISE_PHASE = 0.95;
/** Adam's step at the start of the cosine schedule: the best of those measured (docs/decisions.md). */
const BASE_LEARNING_RATE = 0.03;
/**
 * The rounded phase fine-tunes at a small share of the base rate: latents that flip between
 * integers undo the noise phase. Settling the rate needs more, or a budget overshoot ends in a
 * coarser latent step (docs/decisions.md).
 */
const ROUNDED_PHASE_RATE = 0.02;
const SETTLE_RATE = 0.05;
/** Rate target as a share of the budget, leaving room for the estimate's error. */
const BUDGET_AIM = 0.96;

export function lambdaForQuality(quality: number): number {
  return 0.02 * 200 ** (-(quality - 1) / 99);
}

/** Synthesis widths: smaller networks where their weights would eat a small budget. */
export function defaultHidden(bytes: number | undefined): number[] {
  if (bytes === undefined) return [16];
  if (bytes < 600) return [6];
  if (bytes < 2500) return [12];
  return [16];
}

/**
 * About 50 seconds of training with the WebAssembly kernels on a 2-core machine of 2026, where
 * more iterations gained little (docs/decisions.md); a count rather than a time, so that the
 * same input and seed always give the same file.
 */
export function defaultIterations(pixels: number, multiplyAdds: number): number {
  const costPerIteration = pixels * (0.75 * multiplyAdds + 150);
  return Math.max(100, Math.min(2000, Math.round(90e9 / costPerIteration)));
}

function learningRateAt(progress: number): number {
  if (progress < NOISE_PHASE) {
    const cosine = 0.5 * (1 + Math.cos((Math.PI * progress) / NOISE_PHASE));
    return BASE_LEARNING_RATE * (0.1 + 0.9 * cosine);
  }
  return BASE_LEARNING_RATE * ROUNDED_PHASE_RATE;
}

export async function encode(image: RasterImage, options: EncodeOptions = {}): Promise<EncodeResult> {
  const started = performance.now();
  if (options.bytes !== undefined && options.quality !== undefined) throw new RangeError('give either bytes or quality, not both');
  if (options.model === 'coordinate-mlp') return encodeCoordinateMlp(image, options);
  if (options.optimizer !== undefined && options.optimizer !== 'adam') throw new RangeError(`the latent-grid model trains with adam, not ${options.optimizer}`);
  const { width, height, channels } = image;
  const levels = defaultLevelCount(width, height);
  const hidden = options.hidden ?? defaultHidden(options.bytes);
  const header: NnimgHeader = { model: 'latent-grid', width, height, channels, levels, hidden };
  const shapes = layerShapes(levels, hidden, channels);
  const macs = multiplyAddsPerPixel(shapes);
  const parameterCount = shapes.reduce((n, s) => n + (s.inputs + 1) * s.outputs, 0);
  const containerBytes = writeContainer(header, new Uint8Array()).length;

  if (options.bytes !== undefined) {
    const minimum = minimumFileBytes(header);
    if (!(options.bytes >= minimum)) throw new BudgetError(options.bytes, minimum);
  }

  const pixels = width * height;
  const iterations = options.iterations ?? defaultIterations(pixels, macs);
  const target = { width, height, channels, pixels: Float32Array.from(image.data, (v) => v / 255) };
  const threads = checkThreadCount(options.threads ?? defaultThreadCount());
  const trainer = new Trainer(target, levels, hidden, options.seed ?? 1, selectedKernel(), threads);
  // The workers end however the encode does: done, failed or cancelled.
  try {
    // The budget minus the container and an estimate of the weights (about 7 bits each until measured).
    let weightBits = parameterCount * 7;
    const latentTargetBits = () => Math.max(8, (options.bytes ?? 0) * BUDGET_AIM * 8 - containerBytes * 8 - weightBits - 64);
    let lambda = options.bytes !== undefined ? initialLambda((options.bytes * 8) / pixels) : lambdaForQuality(options.quality ?? 75);

    const budget = options.bytes;
    const estimateBytes = (latentBits: number) => containerBytes + (weightBits + latentBits) / 8;
    const weightCheckpoints = new Set([0.3, 0.6, NOISE_PHASE].map((p) => Math.ceil(iterations * p)));
    const report = (iteration: number, total: number, result: IterationResult) =>
      options.onProgress?.({
        iteration,
        iterations: total,
        psnr: psnrOfMse(result.mse),
        estimatedBytes: Math.round(estimateBytes(result.roundedLatentBits)),
        elapsedSeconds: (performance.now() - started) / 1000,
      });
    let last: IterationResult | undefined;
    for (let i = 0; i < iterations; i++) {
      await yieldToEventLoop(options);
      const progress = i / iterations;
      // The weights' real cost, measured a few times, sets how much of the budget the latents get.
      if (weightCheckpoints.has(i)) weightBits = chooseWeightSteps(trainer, lambda).bits;
      last = await trainer.iterate({ lambda, learningRate: learningRateAt(progress), proxy: progress < NOISE_PHASE ? 'noise' : 'round' });
      if (budget !== undefined && progress > 0.05) {
        // Dual ascent on lambda: raise it while the file would be over target, lower it while under.
        const ratio = last.roundedLatentBits / latentTargetBits();
        lambda *= Math.exp(0.04 * Math.max(-1, Math.min(1, Math.log(ratio))));
      }
      report(i + 1, iterations, last);
      if (options.snapshots && (i + 1) % snapshotEvery(options.snapshots.every, iterations) === 0) await options.snapshots.take(previewLatentGrid(trainer), i + 1);
    }
    // Settle: a few more rounded iterations with a rising lambda while the estimate is over budget,
    // so the last adjustment below rarely has to coarsen the trained latents.
    const settleLimit = Math.max(10, Math.round(iterations * 0.1));
    let settleIterations = 0;
    for (; budget !== undefined && last && settleIterations < settleLimit && estimateBytes(last.roundedLatentBits) > budget * 0.99; settleIterations++) {
      await yieldToEventLoop(options);
      lambda *= 1.15;
      last = await trainer.iterate({ lambda, learningRate: BASE_LEARNING_RATE * SETTLE_RATE, proxy: 'round' });
      report(iterations + settleIterations + 1, iterations + settleLimit, last);
    }

    const layers = chooseWeightSteps(trainer, lambda).layers;
    const quantized = fitToBudget(trainer, header, layers, options.bytes);
    const file = writeContainer(header, encodePayload(quantized.model, trainer.grids));
    const measured = measuredFile(image, file, started);
    return {
      ...measured,
      iterations: iterations + settleIterations,
      breakdown: {
        containerBytes,
        weightBits: quantized.weightBits,
        latentBits: quantized.latentBits,
        parameterBits: LATENT_STEP_BITS,
      },
      model: { kind: 'latent-grid', levels, hidden, multiplyAddsPerPixel: macs, parameterCount },
      warnings: checkDecoded(image, measured.psnr, last ? psnrOfMse(last.mse) : -Infinity),
    };
  } finally {
    await trainer.close();
  }
}

function psnrOfMse(mse: number): number {
  return 10 * Math.log10(1 / Math.max(mse, 1e-12));
}

function initialLambda(bitsPerPixel: number): number {
  return Math.min(0.05, Math.max(1e-5, 0.0015 * (0.5 / bitsPerPixel) ** 1.5));
}

