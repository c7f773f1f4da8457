/**
 * Encoding with the coordinate-MLP model: train the plain MLP, then pick one weight quantization
 * step for all its tensors, against the real coded size (--bytes) or the PSNR it costs
 * (--quality), and write the file.
 */
import { NnimgHeader, writeContainer } from '../format/container.js';
import { RasterImage } from '../image/io.js';
import { encodeCoordinateMlpPayload } from '../kinds/coordinate-mlp/encode.js';
import { QuantizedCoordinateMlp, coordinateMlpShapes } from '../kinds/coordinate-mlp/model.js';
import { multiplyAddsPerPixel } from '../format/layers.js';
import { BLOG_HIDDEN, CoordinateMlpObjective, CoordinateMlpOptimizer, trainCoordinateMlp } from './coordinate-mlp-trainer.js';
import { DEFAULT_POPULATION } from '../optimizer/optimizers.js';
import { snapshotEvery } from './timelapse.js';
import { STEP_EXPONENT_BITS } from '../format/payload.js';
import { measuredFile, yieldToEventLoop } from './shared.js';
import { BudgetError, EncodeOptions, EncodeResult } from './types.js';
import { quantizeTensor, tensorBits } from './quantize.js';

const FINEST_STEP_EXPONENT = 2 ** STEP_EXPONENT_BITS - 1;
/**
 * A budget that only fits weights so coarse that they lose more than this much PSNR against the
 * trained network is refused: the layers do not fit it.
 */
const MAX_BUDGET_QUANTIZATION_LOSS = 3;
/** The progress bar's size estimate until the step is chosen: about 8 bits per parameter. */
const ESTIMATED_BITS_PER_PARAMETER = 8;

/** The budget cannot hold the network's layers without ruining them. */
function layersBudgetError(requestedBytes: number, minimumBytes: number, layout: string): BudgetError {
  return new BudgetError(
    requestedBytes,
    minimumBytes,
    `--bytes ${requestedBytes} cannot hold a ${layout} MLP: its weights need ${minimumBytes} bytes to stay within ${MAX_BUDGET_QUANTIZATION_LOSS} dB of the trained network; give more bytes or smaller --layers`,
  );
}

/** PSNR the weights' quantization may cost at a quality: none at 100, 2 dB at 1. */
export function quantizationLossAllowed(quality: number): number {
  return 2 * ((100 - quality) / 99) ** 2;
}

/**
 * About a minute of training on a 2-core machine of 2026 (the per-operation costs measured:
 * docs/decisions.md); a count, so that a seed gives one file.
 */
export function defaultCoordinateMlpIterations(pixels: number, hidden: readonly number[], channels: number, optimizer: CoordinateMlpOptimizer, childSteps: number): number {
  const units = hidden.reduce((n, w) => n + w, channels);
  const macs = multiplyAddsPerPixel(coordinateMlpShapes(hidden, channels));
  const gradientStepNs = pixels * (6 * macs + 25 * units);
  // A generation judges a quarter of the population, each judgement a third of a gradient step.
  const iterationNs = optimizer === 'genetic' ? (DEFAULT_POPULATION / 4) * gradientStepNs * (0.4 + childSteps) : gradientStepNs;
  return Math.max(20, Math.min(100_000, Math.round(60e9 / iterationNs)));
}

export async function encodeCoordinateMlp(image: RasterImage, options: EncodeOptions): Promise<EncodeResult> {
  const started = performance.now();
  const { width, height, channels } = image;
  const hidden = options.hidden ?? BLOG_HIDDEN;
  const optimizer = options.optimizer ?? 'rprop';
  const header: NnimgHeader = { model: 'coordinate-mlp', width, height, channels, levels: 0, hidden };
  const target = { width, height, channels, pixels: Float32Array.from(image.data, (v) => v / 255) };
  const objective = new CoordinateMlpObjective(target, hidden);
  const layout = [2, ...hidden, channels].join('-');
  const fileAt = (params: Float64Array, exponent: number) => writeContainer(header, encodeCoordinateMlpPayload(quantized(objective, params, exponent)));
  const containerBytes = writeContainer(header, new Uint8Array()).length;
  const budget = options.bytes;

  if (budget !== undefined) {
    // The all-zero network: the smallest file there is for these layers.
    const minimum = fileAt(new Float64Array(objective.parameterCount), 0).length;
    if (budget < minimum) throw new BudgetError(budget, minimum);
  }

  const iterations =
    options.iterations ??
    (options.seconds !== undefined ? Infinity : defaultCoordinateMlpIterations(width * height, hidden, channels, optimizer, options.childSteps ?? 0));
  const estimatedBytes = Math.round(containerBytes + (objective.parameterCount * ESTIMATED_BITS_PER_PARAMETER) / 8);
  const trained = await trainCoordinateMlp(objective, {
    optimizer,
    seed: options.seed ?? 1,
    iterations,
    seconds: options.seconds,
    childGradientSteps: options.childSteps,
    onIteration: async (iteration, loss, params) => {
      await yieldToEventLoop(options);
      options.onProgress?.({
        iteration,
        iterations: Number.isFinite(iterations) ? iterations : iteration,
        psnr: 10 * Math.log10(1 / Math.max(loss, 1e-12)),
        estimatedBytes,
        elapsedSeconds: (performance.now() - started) / 1000,
      });
      const snapshots = options.snapshots;
      if (snapshots && iteration % snapshotEvery(snapshots.every, iterations) === 0) await snapshots.take(objective.render(params), iteration);
    },
  });

  const exponent = chooseStepExponent(objective, trained.params, budget, options.quality, (e) => fileAt(trained.params, e).length, layout);
  const model = quantized(objective, trained.params, exponent);
  const file = writeContainer(header, encodeCoordinateMlpPayload(model));
  return {
    ...measuredFile(image, file, started),
    iterations: trained.iterations,
    breakdown: {
      containerBytes,
      weightBits: model.layers.reduce((n, l) => n + tensorBits(l.weights) + tensorBits(l.biases), 0),
      latentBits: 0,
      parameterBits: 0,
    },
    model: {
      kind: 'coordinate-mlp',
      levels: 0,
      hidden,
      multiplyAddsPerPixel: multiplyAddsPerPixel(objective.shapes),
      parameterCount: objective.parameterCount,
    },
    warnings: [],
  };
}

/** Every tensor quantized with the step 2^-exponent. */
function quantized(objective: CoordinateMlpObjective, params: Float64Array, exponent: number): QuantizedCoordinateMlp {
  const tensors = objective.tensors(params).map((t) => quantizeTensor(Float32Array.from(t), exponent));
  return { layers: objective.shapes.map((_, k) => ({ weights: tensors[2 * k], biases: tensors[2 * k + 1] })) };
}

/**
 * With a budget (bytes): the finest step whose file fits, provided it costs at most
 * MAX_BUDGET_QUANTIZATION_LOSS dB of PSNR. Else at a quality (default 75): the coarsest step whose
 * PSNR loss is within quantizationLossAllowed. Losses are measured with the training sigmoid
 * against the unquantized model.
 */
function chooseStepExponent(
  objective: CoordinateMlpObjective,
  params: Float64Array,
  budget: number | undefined,
  quality: number | undefined,
  fileBytesAt: (exponent: number) => number,
  layout: string,
): number {
  const unquantizedLoss = objective.loss(params);
  const lossDb = (exponent: number) => {
    const dequantized = new Float64Array(params.length);
    let at = 0;
    for (const tensor of quantized(objective, params, exponent).layers.flatMap((l) => [l.weights, l.biases])) {
      for (const v of tensor.values) dequantized[at++] = v / 2 ** exponent;
    }
    return 10 * Math.log10(objective.loss(dequantized) / unquantizedLoss);
  };
  if (budget !== undefined) {
    for (let e = FINEST_STEP_EXPONENT; e >= 0; e--) {
      if (fileBytesAt(e) > budget) continue;
      if (lossDb(e) <= MAX_BUDGET_QUANTIZATION_LOSS) return e;
      break;
    }
    // The smallest file that keeps the trained network within the allowed loss.
    let needed = fileBytesAt(FINEST_STEP_EXPONENT);
    for (let e = FINEST_STEP_EXPONENT - 1; e >= 0 && lossDb(e) <= MAX_BUDGET_QUANTIZATION_LOSS; e--) needed = fileBytesAt(e);
    throw layersBudgetError(budget, needed, layout);
  }
  const allowed = quantizationLossAllowed(quality ?? 75);
  for (let e = 0; e < FINEST_STEP_EXPONENT; e++) if (lossDb(e) <= allowed) return e;
  return FINEST_STEP_EXPONENT;
}
