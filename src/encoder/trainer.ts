/**
 * Per-image training: latent grids + synthesis MLP + per-context Laplace scales, optimised with
 * Adam on distortion + lambda * rate, under a quantization proxy (uniform noise, or rounding with
 * straight-through gradients).
 */
import { linearContextModel } from '../entropy/linear-context-model.js';
import { GridSize, gridSizes } from '../format/geometry.js';
import { axisTaps } from '../synthesis/upsampling.js';
import { LayerShape } from '../format/layers.js';
import { initialWeights, synthesisShapes } from '../synthesis/network.js';
import { KernelName } from '../kernels/select.js';
import { ParallelDistortion } from './distortion-pool.js';
import { sampleBandRows, sampledRowCounts } from './distortion-bands.js';
import { Parameter, adamStep, adamUpdate } from '../optimizer/adam.js';
import { DistortionKernel, DistortionPass } from '../synthesis/distortion.js';
import { distortionKernel } from '../synthesis/distortion-kernel.js';
import { latentKernel } from '../kernels/latents-kernel.js';
import { LatentKernel, QuantizationProxy } from '../kernels/latents.js';
import { Random } from '../optimizer/random.js';

export type { QuantizationProxy };

/** An image to fit: interleaved channels scaled to [0, 1]. */
export interface TargetImage {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly pixels: Float32Array;
}

export interface IterationSettings {
  /** Weight of the rate term (bits per pixel) against MSE on [0, 1] values. */
  lambda: number;
  learningRate: number;
  proxy: QuantizationProxy;
}

export interface IterationResult {
  /** Mean squared error over all samples, on [0, 1] values, under the proxy. */
  mse: number;
  /** Estimated bits of all latents under the current entropy model, under the proxy. */
  latentBits: number;
  /** Bits of the rounded latents under the current entropy model: what the file would spend. */
  roundedLatentBits: number;
}

const SCALE_LEARNING_RATE_SCALE = 5;
/** Latents must travel several units in a few hundred steps, further than the network's weights. */
const LATENT_LEARNING_RATE_SCALE = 6;

/**
 * sampledMse visits every 8th row, or on large images about 400 000 pixels: the quantization
 * choices compare the same rows, and the encoder makes some 50 of them per choice of weight steps.
 */
export function samplingStride(width: number, height: number): number {
  return Math.max(8, Math.floor((width * height) / 400_000));
}

/** What the quantization (budget.ts, rate-control.ts) reads of a trained model. */
export interface TrainedModel {
  readonly grids: readonly GridSize[];
  readonly shapes: readonly LayerShape[];
  /** Each level's latents, level 0 first. */
  readonly latentViews: readonly Float32Array[];
  readonly pixelCount: number;
  /** Views of every layer's weights then biases: [w0, b0, w1, b1, ...]. */
  layerTensors(): Float32Array[];
  /** The prediction coefficients per level, rounded to what the format stores. */
  quantizedPredictors(): number[][];
  /** The mean of each channel of the target image, in [0, 1]. */
  meanColour(): Float32Array;
  /** MSE on a sample of the rows with the latents rounded (or `latents`, all levels concatenated) and the layers' tensors replaced by `tensors`. */
  sampledMse(tensors: readonly Float32Array[], latents?: Float32Array): number;
}

export class Trainer implements TrainedModel {
  readonly grids: GridSize[];
  readonly shapes: LayerShape[];
  /** All levels' latents concatenated (level 0 first); latentViews[l] is level l. */
  readonly latents: Float32Array;
  readonly latentViews: Float32Array[];
  readonly gridOffsets: Int32Array;
  /** All layers' weights, layer after layer (outputs x inputs row-major); biases likewise. */
  readonly weights: Float32Array;
  readonly biases: Float32Array;
  /** ln(Laplace scale) per (level, context). */
  readonly logScales: Float32Array;
  /**
   * Prediction coefficients per (level, tap), taps as in linear-context-model.ts; real-valued here,
   * rounded to sixteenths by the encoder. Latents are coded as differences from the prediction.
   */
  readonly predictors: Float32Array;

  /** The parameters other than the latents, which the latent kernel updates. */
  private readonly params: Parameter[];
  private readonly scaleParam: Parameter;
  private readonly predictorParam: Parameter;
  private readonly latentKernel: LatentKernel;
  private readonly pass: DistortionPass;
  /** Runs sampledMse's passes, in this thread; with one thread, the training's bands too (the image laid out once). */
  private readonly kernel: DistortionKernel;
  /** Runs the training pass in bands over `threads` threads. */
  private distortion?: ParallelDistortion;
  private readonly random: Random;
  /** Draws the rows of a sampling pass; apart from `random`, so that the noise stays the same. */
  private readonly rowRandom: Random;
  private adamSteps = 0;
  private sampling?: { step: number; pass: DistortionPass };

  constructor(
    private readonly target: TargetImage,
    levels: number,
    hidden: readonly number[],
    seed: number,
    kernelName: KernelName,
    /** Threads of the training pass, this one included; the result does not depend on it. */
    threads = 1,
    /**
     * Each iteration's distortion pass visits one random row in every `rowStride` (1: all rows);
     * its mean squared error over those rows is an unbiased estimate of the whole image's.
     */
    private readonly rowStride = 1,
    /**
     * Levels below this one are not trained: the trainer holds `levels - firstLevel` grids, the
     * image's grids firstLevel and up (coarse.ts, where level 0 stays at zero).
     */
    firstLevel = 0,
  ) {
    if (!(Number.isInteger(firstLevel) && firstLevel >= 0 && firstLevel < levels)) throw new RangeError(`firstLevel must be in 0 .. ${levels - 1}, not ${firstLevel}`);
    this.random = new Random(seed);
    this.rowRandom = new Random(seed ^ 0x2545f491);
    this.grids = gridSizes(target.width, target.height, levels).slice(firstLevel);
    levels -= firstLevel;
    this.shapes = synthesisShapes(levels, hidden, target.channels);
    this.gridOffsets = new Int32Array(levels + 1);
    this.grids.forEach((g, l) => (this.gridOffsets[l + 1] = this.gridOffsets[l] + g.width * g.height));
    this.latentKernel = latentKernel(this.grids, LATENT_LEARNING_RATE_SCALE, kernelName);
    this.latents = this.latentKernel.latents.value;
    // Small random latents rather than zeros: V8 otherwise specialises the kernel for integer
    // zeros and deoptimises once values become fractional.
    for (let i = 0; i < this.latents.length; i++) this.latents[i] = 0.01 * this.random.normal();
    this.latentViews = this.grids.map((_, l) => this.latents.subarray(this.gridOffsets[l], this.gridOffsets[l + 1]));
    this.weights = initialWeights(this.shapes, this.random);
    this.biases = new Float32Array(this.shapes.reduce((n, s) => n + s.outputs, 0));
    [this.logScales, this.predictors] = linearContextModel.initialTrainingParameters(levels);
    // The entropy model has few parameters and must follow the latents quickly.
    this.scaleParam = new Parameter(this.logScales, SCALE_LEARNING_RATE_SCALE);
    const weightParam = new Parameter(this.weights);
    const biasParam = new Parameter(this.biases);
    this.predictorParam = new Parameter(this.predictors);
    this.params = [weightParam, biasParam, this.scaleParam, this.predictorParam];
    this.kernel = distortionKernel([levels, ...hidden, target.channels], kernelName);
    this.pass = {
      width: target.width,
      height: target.height,
      channels: target.channels,
      target: target.pixels,
      widths: Int32Array.from([levels, ...hidden, target.channels]),
      latents: this.latentKernel.proxyLatents,
      latentGrad: this.latentKernel.latents.grad,
      gridOffsets: this.gridOffsets,
      gridWidths: Int32Array.from(this.grids, (g) => g.width),
      columnTaps: this.grids.map((g) => axisTaps(target.width, g.width)),
      rowTaps: this.grids.map((g) => axisTaps(target.height, g.height)),
      weights: this.weights,
      biases: this.biases,
      weightGrad: weightParam.grad,
      biasGrad: biasParam.grad,
      rows: new Int32Array(sampledRowCounts(target.height, rowStride).reduce((a, b) => a + b, 0)),
    };
    if (rowStride === 1) this.pass.rows.forEach((_, y, rows) => (rows[y] = y));
    this.distortion = new ParallelDistortion(this.pass, kernelName, threads, rowStride, this.kernel);
  }

  /** Ends the worker threads; call when done with the trainer (also after an error). */
  async close(): Promise<void> {
    await this.distortion?.close();
  }

  /**
   * Ends the training: the workers and the pass's partial sums go (on a 13 MP image, over 1 GB
   * with two threads) before the quantization and the file are made; sampledMse still works.
   */
  async endTraining(): Promise<void> {
    await this.close();
    this.distortion = undefined;
  }

  get pixelCount(): number {
    return this.target.width * this.target.height;
  }

  async iterate(settings: IterationSettings): Promise<IterationResult> {
    for (const p of [...this.params, this.latentKernel.latents]) p.grad.fill(0);
    this.latentKernel.applyQuantizationProxy(settings.proxy, this.random);
    const { proxyBits: latentBits, roundedBits: roundedLatentBits } = this.latentKernel.accumulateRate(
      settings.lambda / this.pixelCount,
      this.scaleParam,
      this.predictorParam,
      // The derivative of the rate averaged over a bin, under either proxy: the slope at the noisy
      // value made budget control unstable at small budgets, and the slope at the rounded value is
      // zero at zero, so in the rounded phase nothing held latents there and the rate overshot the
      // budget (docs/decisions.md).
      true,
    );
    const { width, height, channels } = this.target;
    if (this.rowStride > 1) sampleBandRows(height, this.rowStride, this.rowRandom, this.pass.rows);
    const samples = this.pass.rows.length * width * channels;
    if (!this.distortion) throw new Error('the training has ended');
    const mse = (await this.distortion.run(samples)) / samples;
    this.adamUpdate(settings.learningRate);
    return { mse, latentBits, roundedLatentBits };
  }

  /** Views of every layer's weights then biases: [w0, b0, w1, b1, ...]. */
  layerTensors(): Float32Array[] {
    const tensors: Float32Array[] = [];
    let w = 0;
    let b = 0;
    for (const s of this.shapes) {
      tensors.push(this.weights.subarray(w, (w += s.inputs * s.outputs)), this.biases.subarray(b, (b += s.outputs)));
    }
    return tensors;
  }

  /** The trained prediction coefficients per level, rounded to what the format stores. */
  quantizedPredictors(): number[][] {
    return this.grids.map((_, l) => linearContextModel.trainedCoefficients(this.predictors, l));
  }

  /** The mean of each channel of the target image, in [0, 1]. */
  meanColour(): Float32Array {
    const { channels, pixels } = this.target;
    const sums = new Float64Array(channels);
    for (let i = 0; i < pixels.length; i++) sums[i % channels] += pixels[i];
    return Float32Array.from(sums, (s) => s / this.pixelCount);
  }

  /**
   * MSE with the latents rounded (or `latents`) and the network's tensors replaced by `tensors`
   * (layerTensors() order), measured on every 8th row (fewer on large images, samplingStride): cheap enough to
   * compare many quantization choices.
   */
  sampledMse(tensors: readonly Float32Array[], latents?: Float32Array): number {
    const rounded = this.samplingPass();
    // Other latents (all levels concatenated, in training units: quantized values times their
    // step) compare quantizations of the latents themselves.
    const sampling = latents ? { ...rounded, latents } : rounded;
    let w = 0;
    let b = 0;
    tensors.forEach((t, i) => (i % 2 === 0 ? (sampling.weights.set(t, w), (w += t.length)) : (sampling.biases.set(t, b), (b += t.length))));
    const samples = sampling.rows.length * this.target.width * this.target.channels;
    return this.kernel(sampling, samples) / samples;
  }

  /** The pass sampledMse runs: rounded latents (refreshed after each training step), a sample of the rows. */
  private samplingPass(): DistortionPass {
    if (!this.sampling || this.sampling.step !== this.adamSteps) {
      const previous = this.sampling?.pass;
      const rounded = previous?.latents ?? new Float32Array(this.latents.length);
      const stride = samplingStride(this.target.width, this.target.height);
      for (let i = 0; i < rounded.length; i++) rounded[i] = Math.round(this.latents[i]);
      // The gradients are computed and thrown away, into the training's gradient arrays: every
      // iteration clears those before it sums (on a 13 MP image, 140 MB not allocated).
      const pass: DistortionPass = previous ?? {
        ...this.pass,
        latents: rounded,
        weights: new Float32Array(this.weights.length),
        biases: new Float32Array(this.biases.length),
        rows: Int32Array.from({ length: Math.ceil(this.target.height / stride) }, (_, r) => r * stride),
      };
      this.sampling = { step: this.adamSteps, pass };
    }
    return this.sampling.pass;
  }

  private adamUpdate(learningRate: number): void {
    const step = adamStep(++this.adamSteps, learningRate);
    for (const p of this.params) adamUpdate(p, step);
    this.latentKernel.adamUpdate(step);
    linearContextModel.clampTrainingParameters([this.logScales, this.predictors]);
  }
}
