/**
 * The encoder: fits a model to one image, then quantizes and entropy codes it into a .nnimg
 * file that meets a byte budget (--bytes) or a constant-quality setting (--quality).
 */
import { NnimgHeader, writeContainer } from '../format/container.js';
import { RasterImage } from '../image/io.js';
import { psnr } from '../image/metrics.js';
import { defaultLevelCount, gridSizes } from '../format/geometry.js';
import { UNIT_LATENT_STEP_INDEX } from '../kinds/latent-grid/model.js';
import { LayerShape, OUTPUT_OFFSET, layerShapes, multiplyAddsPerPixel } from '../format/network.js';
import { selectedKernel } from '../kernels/select.js';
import { checkThreadCount, defaultThreadCount } from '../threads.js';
import { IterationResult, Trainer } from './trainer.js';
import { previewLatentGrid, snapshotEvery } from './timelapse.js';
import { LATENT_STEP_BITS, QuantizedModel, QuantizedTensor, encodePayload, unusedGrid } from '../format/payload.js';
import { encodeCoordinateMlp } from './coordinate-mlp.js';
import { quantizeLatents, quantizeTensor, tensorBits } from './quantize.js';
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
const FINEST_STEP_EXPONENT = 13;
/** The widest dead zone (in latent steps) the budget fitting uses before it takes a coarser step. */
const MAX_DEADZONE = 0.9;
/** The encoder's check of its file: within this many dB of a flat image is a collapse, */
const COLLAPSE_MARGIN = 1;
const NEARLY_FLAT = 30;
/** and this many dB below the training's own PSNR, a loss in quantization. */
const QUANTIZATION_LOSS_LIMIT = 3;

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

/**
 * The encoder's own check of the decoded file: no better than a flat image of the mean colour (a
 * collapse), or far below what the training reached (lost in quantization). It warns; the file is
 * still the best one found within the budget.
 */
export function checkDecoded(image: RasterImage, decodedPsnr: number, trainingPsnr: number): string[] {
  const flat = flatPsnr(image);
  // A nearly flat image (a flat colour within 30 dB) is rightly rendered nearly flat.
  if (flat < NEARLY_FLAT && decodedPsnr < flat + COLLAPSE_MARGIN) {
    return [`the file decodes to ${decodedPsnr.toFixed(2)} dB, hardly better than a flat image of the mean colour (${flat.toFixed(2)} dB)`];
  }
  if (decodedPsnr < trainingPsnr - QUANTIZATION_LOSS_LIMIT) {
    return [`the file decodes to ${decodedPsnr.toFixed(2)} dB, far below the ${trainingPsnr.toFixed(2)} dB the training reached`];
  }
  return [];
}

/** PSNR of the image every pixel of which is the image's mean colour. */
export function flatPsnr(image: RasterImage): number {
  const { channels, data } = image;
  const sums = new Float64Array(channels);
  for (let i = 0; i < data.length; i++) sums[i % channels] += data[i];
  const pixels = data.length / channels;
  const flat = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) flat[i] = Math.round(sums[i % channels] / pixels);
  return psnr(data, flat);
}

function initialLambda(bitsPerPixel: number): number {
  return Math.min(0.05, Math.max(1e-5, 0.0015 * (0.5 / bitsPerPixel) ** 1.5));
}

type QuantizedLayers = QuantizedModel['layers'];

/**
 * Picks each weight and bias tensor's quantization step by trying every step and keeping the one
 * with the lowest distortion + lambda * rate, distortion measured on a subsample of rows.
 */
function chooseWeightSteps(trainer: Trainer, lambda: number): { layers: QuantizedLayers; bits: number } {
  const tensors = trainer.layerTensors();
  const exponents = tensors.map(() => FINEST_STEP_EXPONENT);
  const dequantized = tensors.map((t) => Float32Array.from(t));
  const lambdaPerBit = lambda / trainer.pixelCount;
  for (let t = 0; t < tensors.length; t++) {
    let best = { cost: Infinity, exponent: FINEST_STEP_EXPONENT };
    for (let exponent = 2; exponent <= FINEST_STEP_EXPONENT; exponent++) {
      const q = quantizeTensor(tensors[t], exponent);
      dequantized[t] = Float32Array.from(q.values, (v) => v / 2 ** exponent);
      const cost = trainer.sampledMse(dequantized) + lambdaPerBit * tensorBits(q);
      if (cost < best.cost) best = { cost, exponent };
    }
    exponents[t] = best.exponent;
    const q = quantizeTensor(tensors[t], best.exponent);
    dequantized[t] = Float32Array.from(q.values, (v) => v / 2 ** best.exponent);
  }
  const quantized = tensors.map((t, i) => quantizeTensor(t, exponents[i]));
  const layers = trainer.shapes.map((_, k) => ({ weights: quantized[2 * k], biases: quantized[2 * k + 1] }));
  return { layers, bits: quantized.reduce((n, q) => n + tensorBits(q) + 10, 0) };
}

interface FittedModel {
  model: QuantizedModel;
  /** The whole file's bytes. */
  size: number;
  weightBits: number;
  latentBits: number;
}

/**
 * Chooses the latent step so that the file meets the budget and uses it well: the trained step
 * when it fits in [90%, 100%] of the budget, else the nearest step that does. When even the
 * coarsest step does not fit, the finest grids are dropped one by one, then the weights coarsened.
 */
function fitToBudget(trainer: Trainer, header: NnimgHeader, layers: QuantizedLayers, budget: number | undefined): FittedModel {
  const latents = trainer.latentViews;
  // Prediction coefficients are refined against the real cost once, at the trained step, and
  // kept for the other steps (they hardly depend on the step, and the search is slow).
  let predictors = trainer.quantizedPredictors();
  let refined = false;
  const build = (stepIndex: number, droppedLevels: number, currentLayers: QuantizedLayers, deadzone = 0.5) => {
    const trained = quantizeLatents(latents, trainer.grids, stepIndex, predictors, !refined, deadzone);
    if (!refined) {
      predictors = trained.grids.map((g, level) => g.coefficients ?? predictors[level]);
      refined = true;
    }
    const { grids, bits } = trained;
    for (let l = 0; l < droppedLevels; l++) grids[l] = unusedGrid(grids[l].values.length);
    const model: QuantizedModel = { latentStepIndex: stepIndex, layers: currentLayers, grids };
    const size = writeContainer(header, encodePayload(model, trainer.grids)).length;
    const weightBits = currentLayers.reduce((n, l) => n + tensorBits(l.weights) + tensorBits(l.biases), 0);
    return { model, size, weightBits, latentBits: bits };
  };
  let fitted = build(UNIT_LATENT_STEP_INDEX, 0, layers);
  if (budget === undefined) return fitted;
  // Between two steps (about 9% apart in size), a dead zone zeroes the smallest latents: the
  // smallest dead zone whose file fits, or null when even the widest is over the budget.
  const squeezed = (stepIndex: number): FittedModel | null => {
    const plain = build(stepIndex, 0, layers);
    if (plain.size <= budget) return plain;
    let best: FittedModel | null = null;
    let [low, high] = [0.5, MAX_DEADZONE];
    for (let k = 0; k < 6; k++) {
      const deadzone = k === 0 ? high : (low + high) / 2;
      const candidate = build(stepIndex, 0, layers, deadzone);
      if (candidate.size <= budget) [best, high] = [candidate, deadzone];
      else if (k === 0) return null;
      else low = deadzone;
    }
    return best;
  };
  if (fitted.size <= budget) {
    // Finer steps spend more of the budget when the trained rate fell short of 90%.
    for (let s = UNIT_LATENT_STEP_INDEX - 1; s >= 0 && fitted.size < 0.9 * budget; s--) {
      const finer = squeezed(s);
      if (finer && finer.size > fitted.size) fitted = finer;
      if (!finer || finer.size > budget * 0.9) break;
    }
    return fitted;
  }
  for (let s = UNIT_LATENT_STEP_INDEX; s < 2 ** LATENT_STEP_BITS; s++) {
    const coarser = squeezed(s);
    if (coarser) return coarser;
  }
  for (let dropped = 1; dropped <= header.levels; dropped++) {
    fitted = build(2 ** LATENT_STEP_BITS - 1, dropped, layers);
    if (fitted.size <= budget) return fitted;
  }
  // Last resorts: a flat image of the mean colour, then the all-zero model (mid-grey).
  for (const fallback of [meanColourLayers(trainer), zeroLayers(trainer.shapes)]) {
    fitted = build(2 ** LATENT_STEP_BITS - 1, header.levels, fallback);
    if (fitted.size <= budget) return fitted;
  }
  throw new BudgetError(budget, minimumFileBytes(header));
}

function zeroTensor(length: number): QuantizedTensor {
  return { stepExponent: 0, scaleIndex: 0, values: new Int32Array(length) };
}

function zeroLayers(shapes: readonly LayerShape[]): QuantizedLayers {
  return shapes.map((s) => ({ weights: zeroTensor(s.inputs * s.outputs), biases: zeroTensor(s.outputs) }));
}

/** All weights zero; the output layer's biases hold the image's mean colour. */
function meanColourLayers(trainer: Trainer): QuantizedLayers {
  const flat = zeroLayers(trainer.shapes);
  flat[flat.length - 1].biases = quantizeTensor(trainer.meanColour().map((v) => v - OUTPUT_OFFSET), 6);
  return flat;
}

/** The size of the file for this header with every parameter zero: the smallest possible. */
export function minimumFileBytes(header: NnimgHeader): number {
  const shapes = layerShapes(header.levels, header.hidden, header.channels);
  const model: QuantizedModel = {
    latentStepIndex: UNIT_LATENT_STEP_INDEX,
    layers: zeroLayers(shapes),
    grids: Array.from({ length: header.levels }, () => unusedGrid(0)),
  };
  return writeContainer(header, encodePayload(model, gridSizes(header.width, header.height, header.levels))).length;
}

