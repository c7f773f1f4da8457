/**
 * A latent entropy model: how the integer values of the latent grids are coded (spec/nnimg.md 6),
 * and the differentiable rate the training minimises for them, owned by one object so that the
 * two cannot drift apart.
 *
 * A grid's values are coded one by one in raster order, each under a Laplace distribution
 * (laplace.ts) that the model derives from what a decoder already has: the grid's parameters
 * (coded before its values), the values before it in the grid and the coarser grids (coded
 * first). linear-context-model.ts is format version 2's model; a learned context model (an
 * integer network over the causal neighbours) is another implementation of the same interface.
 */
import { EntropyError, MEAN_OFFSETS, decodeLaplace, encodeLaplace, laplaceCost, laplaceTable } from './laplace.js';
import { RangeDecoder, RangeEncoder } from './range-coder.js';
import { MAX_LATENT_MAGNITUDE } from './kernel-constants.js';

export interface GridShape {
  readonly width: number;
  readonly height: number;
}

/** A latent grid's integer values in raster order. */
export interface LatentGrid extends GridShape {
  readonly values: Int32Array;
}

/** The Laplace distribution of one latent value. */
export interface CellDistribution {
  /** Its mean in sixteenths of a latent unit (any integer: the value is coded relative to it). */
  meanSixteenths: number;
  /** Its scale index, 0 .. SCALE_INDEX_COUNT - 1. */
  scaleIndex: number;
}

/** The distributions of one grid's cells, its model and parameters bound. */
export interface CellDistributions {
  /**
   * The distribution of cell (x, y), from the values before it in raster order, which a decoder
   * writes into the grid as it goes, and from the coarser grids.
   */
  at(x: number, y: number, out: CellDistribution): void;
}

/** A trainable array and its gradient (optimizer/adam.ts's Parameter is one). */
export interface TrainableArray {
  readonly value: Float32Array;
  readonly grad: Float64Array;
}

/** The latents of one training step, every grid concatenated, level 0 first. */
export interface TrainingLatents {
  readonly grids: readonly GridShape[];
  /** The real-valued latents, in units of the latent step. */
  readonly latents: Float32Array;
  /** The latents rounded: what the file would hold, and what contexts are taken from. */
  readonly rounded: Int32Array;
  /** The latents as the synthesis sees them this step (noisy or rounded). */
  readonly proxy: Float32Array;
  /** The latents' gradient, which the rate adds to. */
  readonly grad: Float64Array;
}

export interface RateBits {
  /** Bits of the latents under the proxy. */
  proxyBits: number;
  /** Bits of the rounded latents: what the file would spend. */
  roundedBits: number;
}

/**
 * What coding takes of a latent entropy model, and all that a decoder does: kept apart so that
 * decoders (the browser's too) carry none of the training's code. P: a grid's parameters, coded in
 * the payload before the grid's values.
 */
export interface LatentCoding<P> {
  /** Bits of a used grid's parameters in the payload. */
  gridParameterBits(parameters: P): number;
  writeGridParameters(encoder: RangeEncoder, parameters: P): void;
  readGridParameters(decoder: RangeDecoder): P;
  /** The cells of grids[level] under `parameters`; coarser grids are complete, this one filled in raster order. */
  distributions(grids: readonly LatentGrid[], level: number, parameters: P): CellDistributions;
  /**
   * Optional: decodeCellByCell's work in one loop, for speed (a decoder spends most of its parse
   * here): the same values and decoder state, and the same EntropyError at the same cell.
   */
  decodeGridValues?(decoder: RangeDecoder, grids: readonly LatentGrid[], level: number, parameters: P): void;
}

/** The whole model: its coding, and the training-time side of it. */
export interface LatentEntropyModel<P> extends LatentCoding<P> {
  /**
   * The real-valued twins of the parameters the training adjusts, for `levels` grids, at their
   * starting values, in the order accumulateRate takes them.
   */
  initialTrainingParameters(levels: number): Float32Array[];
  /** Keeps trained parameters within what the coded ones can express; after every optimizer step. */
  clampTrainingParameters(parameters: readonly Float32Array[]): void;
  /**
   * The training's differentiable rate (the plain reference of the training kernels): adds
   * weight * d(bits)/d(x) to the latents' gradient and to each parameter's. With `expected`, a
   * latent's gradient is that of its rate averaged over uniform noise, bits(y + 1/2) - bits(y - 1/2),
   * instead of the slope at its proxy value.
   */
  accumulateRate(latents: TrainingLatents, parameters: readonly TrainableArray[], weight: number, expected: boolean): RateBits;
}

/**
 * MAX_LATENT_MAGNITUDE (2^26): decoded latent values beyond it make a stream invalid: above the
 * largest escape (spec 5.2), so only a prediction can get there, and far beyond anything the
 * encoder writes. In kernel-constants.ts for the WebAssembly decoder.
 */
export { MAX_LATENT_MAGNITUDE };

/** The integer nearest a mean given in sixteenths (halves round up): values are coded relative to it. */
export function meanCentre(meanSixteenths: number): number {
  return Math.floor((meanSixteenths + MEAN_OFFSETS / 2) / MEAN_OFFSETS);
}

/** Where the mean sits from its centre, in sixteenths: -8 .. 7, selecting the Laplace table. */
export function meanOffset(meanSixteenths: number, centre: number): number {
  return meanSixteenths - centre * MEAN_OFFSETS;
}

// Each value is coded as its difference from the integer nearest its mean, under the Laplace of
// its scale index and mean offset (spec 6.3).

/** Codes the values of grids[level] (its parameters are coded separately, before them). */
export function encodeGridValues<P>(model: LatentCoding<P>, encoder: RangeEncoder, grids: readonly LatentGrid[], level: number, parameters: P): void {
  const { width, height, values } = grids[level];
  const distributions = model.distributions(grids, level, parameters);
  const cell: CellDistribution = { meanSixteenths: 0, scaleIndex: 0 };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      distributions.at(x, y, cell);
      const centre = meanCentre(cell.meanSixteenths);
      encodeLaplace(encoder, values[y * width + x] - centre, laplaceTable(cell.scaleIndex, meanOffset(cell.meanSixteenths, centre)));
    }
  }
}

/** Decodes the values of grids[level] into it; throws EntropyError on a value out of range. */
export function decodeGridValues<P>(model: LatentCoding<P>, decoder: RangeDecoder, grids: readonly LatentGrid[], level: number, parameters: P): void {
  if (model.decodeGridValues) model.decodeGridValues(decoder, grids, level, parameters);
  else decodeCellByCell(model, decoder, grids, level, parameters);
}

/** decodeGridValues through the model's distributions, a cell at a time: the plain reference. */
export function decodeCellByCell<P>(model: LatentCoding<P>, decoder: RangeDecoder, grids: readonly LatentGrid[], level: number, parameters: P): void {
  const { width, height, values } = grids[level];
  const distributions = model.distributions(grids, level, parameters);
  const cell: CellDistribution = { meanSixteenths: 0, scaleIndex: 0 };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      distributions.at(x, y, cell);
      const centre = meanCentre(cell.meanSixteenths);
      const value = centre + decodeLaplace(decoder, laplaceTable(cell.scaleIndex, meanOffset(cell.meanSixteenths, centre)));
      if (!(Math.abs(value) <= MAX_LATENT_MAGNITUDE)) throw outOfRange(value);
      values[y * width + x] = value;
    }
  }
}

export function outOfRange(value: number): EntropyError {
  return new EntropyError(`latent value ${value} out of range`);
}

/** Bits the values of grids[level] take when coded (their parameters not included). */
export function gridValueBits<P>(model: LatentCoding<P>, grids: readonly LatentGrid[], level: number, parameters: P): number {
  const { width, height, values } = grids[level];
  const distributions = model.distributions(grids, level, parameters);
  const cell: CellDistribution = { meanSixteenths: 0, scaleIndex: 0 };
  let bits = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      distributions.at(x, y, cell);
      const centre = meanCentre(cell.meanSixteenths);
      bits += laplaceCost(values[y * width + x] - centre, laplaceTable(cell.scaleIndex, meanOffset(cell.meanSixteenths, centre)));
    }
  }
  return bits;
}
