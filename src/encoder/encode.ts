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
import { IterationResult, TargetImage, Trainer } from './trainer.js';
import { CoarseModel, adoptCoarseModel, copyModel, halveImage } from './coarse.js';
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
/** Images from this size train at half size first (coarse.ts; docs/decisions.md). */
const COARSE_MIN_PIXELS = 2e6;
/** The coarse stage's share of the training cost. */
const COARSE_SHARE = 0.5;
/** The fine stage starts from a trained model: a smaller step keeps it from being shaken loose. */
const FINE_STAGE_RATE = 0.5;
/** Training cost per pixel of large images (see trainingCost). */
const LARGE_IMAGE_COST_PER_PIXEL = 18e3;
/** A 768x512 image: the full pass that defaultIterations was measured with. */
const REFERENCE_PIXELS = 768 * 512;
const MAX_ROW_STRIDE = 8;

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
 * The cost of a training iteration, in units of about a nanosecond: the distortion pass per
 * visited pixel, and the latents' proxy, rate and Adam step (all latents, about 1.33 per pixel).
 * At rowStride 1 the same sum as the formula before row sampling (docs/decisions.md).
 */
function iterationCost(pixels: number, multiplyAdds: number, rowStride: number): number {
  return pixels * ((0.75 * multiplyAdds + 60) / rowStride + 90);
}

/**
 * The training's cost: about 50 seconds with the WebAssembly kernels on a 2-core machine of 2026
 * for smaller images, where more iterations gained little; for large ones in proportion to the
 * pixels, a few minutes on one thread at 13 MP (docs/decisions.md). A count rather than a time, so
 * that the same input and seed always give the same file.
 */
function trainingCost(pixels: number): number {
  return Math.max(90e9, pixels * LARGE_IMAGE_COST_PER_PIXEL);
}

/** Iterations at full size (of the fine stage, for large images). */
export function defaultIterations(pixels: number, multiplyAdds: number, rowStride = defaultRowStride(pixels)): number {
  const share = pixels >= COARSE_MIN_PIXELS ? 1 - COARSE_SHARE : 1;
  return Math.max(100, Math.min(2000, Math.round((share * trainingCost(pixels)) / iterationCost(pixels, multiplyAdds, rowStride))));
}

/**
 * Each iteration's distortion pass visits one row in `rowStride`: about as many pixels as a full
 * pass over a 768x512 image, never fewer than one row in 8 (docs/decisions.md).
 */
export function defaultRowStride(pixels: number): number {
  return Math.max(1, Math.min(MAX_ROW_STRIDE, Math.floor(pixels / REFERENCE_PIXELS)));
}

export interface TrainingPlan {
  /** Iterations of the half-size model (coarse.ts); 0 for smaller images. */
  coarseIterations: number;
  coarseRowStride: number;
  /** Iterations at full size. */
  iterations: number;
  rowStride: number;
}

export function trainingPlan(width: number, height: number, multiplyAdds: number, options: EncodeOptions = {}): TrainingPlan {
  const pixels = width * height;
  const rowStride = options.rowStride ?? defaultRowStride(pixels);
  if (!(Number.isInteger(rowStride) && rowStride >= 1)) throw new RangeError(`rowStride must be a positive integer, not ${rowStride}`);
  const smallPixels = Math.ceil(width / 2) * Math.ceil(height / 2);
  const coarseRowStride = defaultRowStride(smallPixels);
  const coarseByDefault = pixels >= COARSE_MIN_PIXELS && defaultLevelCount(width, height) > 1;
  const coarseIterations =
    options.coarseIterations ??
    (coarseByDefault ? Math.max(100, Math.min(2000, Math.round((COARSE_SHARE * trainingCost(pixels)) / iterationCost(smallPixels, multiplyAdds, coarseRowStride)))) : 0);
  if (coarseIterations > 0 && defaultLevelCount(width, height) < 2) throw new RangeError('an image this small has one level, no coarse stage');
  const iterations = options.iterations ?? defaultIterations(pixels, multiplyAdds, rowStride);
  return { coarseIterations, coarseRowStride, iterations, rowStride };
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
  const plan = trainingPlan(width, height, macs, options);
  const { iterations, coarseIterations } = plan;
  const total = coarseIterations + iterations;
  const threads = checkThreadCount(options.threads ?? defaultThreadCount());
  // With workers, the image in shared memory from the start: they read it in place (distortion-pool.ts).
  const targetPixels = threads > 1 ? new Float32Array(new SharedArrayBuffer(4 * image.data.length)) : new Float32Array(image.data.length);
  for (let i = 0; i < targetPixels.length; i++) targetPixels[i] = image.data[i] / 255;
  const target: TargetImage = { width, height, channels, pixels: targetPixels };
  const seed = options.seed ?? 1;

  // The budget minus the container and an estimate of the weights (about 7 bits each until measured).
  let weightBits = parameterCount * 7;
  const latentTargetBits = () => Math.max(8, (options.bytes ?? 0) * BUDGET_AIM * 8 - containerBytes * 8 - weightBits - 64);
  let lambda = options.bytes !== undefined ? initialLambda((options.bytes * 8) / pixels) : lambdaForQuality(options.quality ?? 75);
  const budget = options.bytes;
  const estimateBytes = (latentBits: number) => containerBytes + (weightBits + latentBits) / 8;
  const report = (iteration: number, total: number, result: IterationResult) =>
    options.onProgress?.({
      iteration,
      iterations: total,
      psnr: psnrOfMse(result.mse),
      estimatedBytes: Math.round(estimateBytes(result.roundedLatentBits)),
      elapsedSeconds: (performance.now() - started) / 1000,
    });
  /** Dual ascent on lambda: raise it while the file would be over target, lower it while under. */
  const steer = (result: IterationResult) => {
    if (budget === undefined) return;
    const ratio = result.roundedLatentBits / latentTargetBits();
    lambda *= Math.exp(0.04 * Math.max(-1, Math.min(1, Math.log(ratio))));
  };

  let coarse: CoarseModel | undefined;
  if (coarseIterations > 0) {
    const small = halveImage(target);
    // The same trade per pixel of the full image: the rate term is divided by the trainer's pixels.
    const lambdaScale = (small.width * small.height) / pixels;
    const coarseTrainer = new Trainer(small, levels - 1, hidden, seed, selectedKernel(), threads, plan.coarseRowStride);
    try {
      for (let i = 0; i < coarseIterations; i++) {
        await yieldToEventLoop(options);
        const progress = i / coarseIterations;
        const cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
        const result = await coarseTrainer.iterate({ lambda: lambda * lambdaScale, learningRate: BASE_LEARNING_RATE * (0.1 + 0.9 * cosine), proxy: 'noise' });
        // The coarse levels aim at the whole budget; the finest level then takes its share back.
        if (progress > 0.05) steer(result);
        report(i + 1, total, result);
      }
      coarse = copyModel(coarseTrainer);
    } finally {
      await coarseTrainer.close();
    }
  }

  const trainer = new Trainer(target, levels, hidden, seed, selectedKernel(), threads, plan.rowStride);
  if (coarse) adoptCoarseModel(trainer, coarse);
  coarse = undefined;
  const rateScale = coarseIterations > 0 ? FINE_STAGE_RATE : 1;
  let trained: { file: Uint8Array; quantized: ReturnType<typeof fitToBudget>; iterations: number; psnr: number };
  // The workers end however the encode does: done, failed or cancelled.
  try {
    const weightCheckpoints = new Set([0.3, 0.6, NOISE_PHASE].map((p) => Math.ceil(iterations * p)));
    let last: IterationResult | undefined;
    for (let i = 0; i < iterations; i++) {
      await yieldToEventLoop(options);
      const progress = i / iterations;
      // The weights' real cost, measured a few times, sets how much of the budget the latents get.
      if (weightCheckpoints.has(i)) weightBits = chooseWeightSteps(trainer, lambda).bits;
      last = await trainer.iterate({ lambda, learningRate: rateScale * learningRateAt(progress), proxy: progress < NOISE_PHASE ? 'noise' : 'round' });
      if (progress > 0.05 || coarseIterations > 0) steer(last);
      report(coarseIterations + i + 1, total, last);
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
      report(total + settleIterations + 1, total + settleLimit, last);
    }

    await trainer.endTraining();
    const layers = chooseWeightSteps(trainer, lambda).layers;
    const quantized = fitToBudget(trainer, header, layers, options.bytes);
    const file = writeContainer(header, encodePayload(quantized.model, trainer.grids));
    trained = { file, quantized, iterations: total + settleIterations, psnr: last ? psnrOfMse(last.mse) : -Infinity };
  } finally {
    await trainer.close();
  }
  // The check decodes the whole image: after the trainer's memory is let go (a 13 MP photo).
  const measured = measuredFile(image, trained.file, started);
  return {
    ...measured,
    iterations: trained.iterations,
    breakdown: {
      containerBytes,
      weightBits: trained.quantized.weightBits,
      latentBits: trained.quantized.latentBits,
      parameterBits: LATENT_STEP_BITS,
    },
    model: { kind: 'latent-grid', levels, hidden, multiplyAddsPerPixel: macs, parameterCount },
    warnings: checkDecoded(image, measured.psnr, trained.psnr),
  };
}

function psnrOfMse(mse: number): number {
  return 10 * Math.log10(1 / Math.max(mse, 1e-12));
}

function initialLambda(bitsPerPixel: number): number {
  return Math.min(0.05, Math.max(1e-5, 0.0015 * (0.5 / bitsPerPixel) ** 1.5));
}

