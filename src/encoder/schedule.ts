/**
 * The latent-grid encoder's training schedule: how many iterations, on which rows, at which
 * learning rate and under which quantization proxy. Counts rather than times, so that the same
 * input and seed always give the same file.
 */
import { defaultLevelCount } from '../format/geometry.js';
import type { QuantizationProxy } from '../kernels/latents.js';
import type { EncodeOptions } from './types.js';

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

/** Latents per pixel of all the levels (1 + 1/4 + 1/16 + ...), and of levels 1 and up. */
const ALL_LEVELS_LATENTS = 4 / 3;
const LEVEL_1_UP_LATENTS = 1 / 3;

/**
 * The cost of a training iteration, in units of about a nanosecond: the distortion pass per
 * visited pixel, and the latents' proxy, rate and Adam step (about 67 per latent). At rowStride 1
 * and all levels, the same sum as the formula before row sampling (docs/decisions.md).
 */
function iterationCost(pixels: number, multiplyAdds: number, rowStride: number, latentsPerPixel = ALL_LEVELS_LATENTS): number {
  return pixels * ((0.75 * multiplyAdds + 60) / rowStride + 67.5 * latentsPerPixel);
}

/**
 * The training's cost: about 50 seconds with the WebAssembly kernels on a 2-core machine of 2026
 * for smaller images, where more iterations gained little; for large ones in proportion to the
 * pixels, a few minutes on one thread at 13 MP (docs/decisions.md).
 */
function trainingCost(pixels: number): number {
  return Math.max(90e9, pixels * LARGE_IMAGE_COST_PER_PIXEL);
}

/**
 * Iterations at full size: after a coarse stage, of a model of levels 1 and up (coarse.ts), which
 * costs less an iteration.
 */
export function defaultIterations(pixels: number, multiplyAdds: number, rowStride = defaultRowStride(pixels), afterCoarse = false): number {
  const share = afterCoarse ? 1 - COARSE_SHARE : 1;
  const cost = iterationCost(pixels, multiplyAdds, rowStride, afterCoarse ? LEVEL_1_UP_LATENTS : ALL_LEVELS_LATENTS);
  return iterationsFor(share * trainingCost(pixels), cost);
}

/** Iterations that spend `budget` cost units at `cost` each, within 100..2000. */
function iterationsFor(budget: number, cost: number): number {
  return Math.max(100, Math.min(2000, Math.round(budget / cost)));
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
    (coarseByDefault ? iterationsFor(COARSE_SHARE * trainingCost(pixels), iterationCost(smallPixels, multiplyAdds, coarseRowStride)) : 0);
  if (coarseIterations > 0 && defaultLevelCount(width, height) < 2) throw new RangeError('an image this small has one level, no coarse stage');
  const iterations = options.iterations ?? defaultIterations(pixels, multiplyAdds, rowStride, coarseIterations > 0);
  return { coarseIterations, coarseRowStride, iterations, rowStride };
}

/** The half-size stage's learning rate at `progress` (0..1) through it: a plain cosine, all on the noise proxy. */
export function coarseLearningRateAt(progress: number): number {
  const cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
  return BASE_LEARNING_RATE * (0.1 + 0.9 * cosine);
}

/** The full-size stage's learning rate at `progress` (0..1) through it, after a coarse stage or not. */
export function learningRateAt(progress: number, afterCoarse: boolean): number {
  const rateScale = afterCoarse ? FINE_STAGE_RATE : 1;
  return rateScale * cosineThenFlat(progress);
}

/** A cosine from the base rate down to a tenth of it over the noise phase, then the rounded phase's rate. */
function cosineThenFlat(progress: number): number {
  if (progress < NOISE_PHASE) {
    const cosine = 0.5 * (1 + Math.cos((Math.PI * progress) / NOISE_PHASE));
    return BASE_LEARNING_RATE * (0.1 + 0.9 * cosine);
  }
  return BASE_LEARNING_RATE * ROUNDED_PHASE_RATE;
}

/** The quantization proxy at `progress` through the full-size stage. */
export function proxyAt(progress: number): QuantizationProxy {
  return progress < NOISE_PHASE ? 'noise' : 'round';
}

/** The learning rate of the settling iterations after the schedule (rate-control.ts). */
export const SETTLE_LEARNING_RATE = BASE_LEARNING_RATE * SETTLE_RATE;

/** At most this many settling iterations after `iterations`. */
export function settleLimit(iterations: number): number {
  return Math.max(10, Math.round(iterations * 0.1));
}

/** The iterations before which the weights' real cost is measured (rate-control.ts). */
export function weightCheckpoints(iterations: number): Set<number> {
  return new Set([0.3, 0.6, NOISE_PHASE].map((p) => Math.ceil(iterations * p)));
}
