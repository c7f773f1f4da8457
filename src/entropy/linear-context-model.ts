/**
 * Format version 2's latent entropy model (spec/nnimg.md 6.2, 6.3). Per grid, four integer
 * coefficients (in sixteenths) mix a latent's already-decoded neighbours (left, top, top-left,
 * top-right) into the mean of its Laplace: neighbouring latents are strongly correlated, so a
 * Laplace centred on the prediction codes them in fewer bits than one centred on zero. Six activity
 * contexts, from how busy the same neighbours are, each have their own scale index: a latent next
 * to zeros is cheap to code as zero, one next to an edge is expected to be large.
 *
 * Everything about it is here: the parameters' syntax, the contexts and predictions (integers only,
 * so every decoder derives what the encoder did), the choice of parameters for integer latents
 * against the real cost, and the training's differentiable rate, whose WebAssembly twin
 * (src/kernels/latents-wasm.ts, assembly/latents.ts) takes its constants and tables from here.
 */
import { CONTEXT_COUNT, PREDICTION_TAPS } from './kernel-constants.js';
import { LaplaceTable, MEAN_OFFSETS, SCALE_INDEX_BITS, bestScaleForHistogram, decodeLaplace, histogramKey, laplaceTable } from './laplace.js';
import {
  CellDistribution,
  CellDistributions,
  LatentCoding,
  LatentEntropyModel,
  LatentGrid,
  RateBits,
  TrainableArray,
  TrainingLatents,
  MAX_LATENT_MAGNITUDE,
  meanCentre,
  meanOffset,
  outOfRange,
} from './latent-model.js';
import { RangeDecoder, RangeEncoder } from './range-coder.js';
import { RateTerms, contextLaplace, tabulatedBinRate } from './rate.js';

export { CONTEXT_COUNT, PREDICTION_TAPS };

// Contexts (spec 6.2).

const ACTIVITY_LIMITS = [0, 2, 5, 10, 20]; // activity <= ACTIVITY_LIMITS[c] gives context c

function contextOfActivity(activity: number): number {
  for (let c = 0; c < ACTIVITY_LIMITS.length; c++) if (activity <= ACTIVITY_LIMITS[c]) return c;
  return CONTEXT_COUNT - 1;
}

/**
 * The context of every activity from 0 to one above the last limit, which every larger activity
 * shares: the rule as a table, for the WebAssembly rate kernel and the decoder's loop.
 */
export function contextOfActivityTable(): Uint8Array {
  return Uint8Array.from({ length: ACTIVITY_LIMITS[ACTIVITY_LIMITS.length - 1] + 2 }, (_, a) => contextOfActivity(a));
}

const CONTEXT_OF_ACTIVITY = /* @__PURE__ */ contextOfActivityTable();

/** Context of cell (x, y) of a grid `width` wide, from integer values already known before it. */
export function latentContext(values: Int32Array, width: number, x: number, y: number): number {
  const i = y * width + x;
  let activity = 0;
  if (x > 0) activity += 2 * Math.abs(values[i - 1]);
  if (y > 0) {
    activity += 2 * Math.abs(values[i - width]);
    if (x > 0) activity += Math.abs(values[i - width - 1]);
    if (x + 1 < width) activity += Math.abs(values[i - width + 1]);
  }
  return contextOfActivity(activity);
}

/** Contexts of every cell of a grid at once. */
export function latentContexts(values: Int32Array, width: number, height: number, out: Uint8Array): void {
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = latentContext(values, width, x, y);
}

// Prediction (spec 6.3).

/** Coefficients are multiples of 1/16, the Laplace tables' mean offsets. */
export const COEFFICIENT_DENOMINATOR = MEAN_OFFSETS;
/** Each coefficient is stored in 6 bits as c + 32: from -32/16 to +31/16. */
export const COEFFICIENT_BITS = 6;
export const MIN_COEFFICIENT = -32;
export const MAX_COEFFICIENT = 31;

/**
 * The predicted mean of cell (x, y) in sixteenths: the sum of coefficient x neighbour, neighbours
 * outside the grid counting as 0. An integer, exact in doubles (every term is far below 2^53).
 */
export function predictedMean(values: Int32Array, width: number, x: number, y: number, coefficients: ArrayLike<number>): number {
  const i = y * width + x;
  let sum = 0;
  if (x > 0) sum += coefficients[0] * values[i - 1];
  if (y > 0) {
    sum += coefficients[1] * values[i - width];
    if (x > 0) sum += coefficients[2] * values[i - width - 1];
    if (x + 1 < width) sum += coefficients[3] * values[i - width + 1];
  }
  return sum;
}

/** The nearest representable coefficient to a real-valued one. */
export function quantizeCoefficient(coefficient: number): number {
  return Math.min(MAX_COEFFICIENT, Math.max(MIN_COEFFICIENT, Math.round(coefficient * COEFFICIENT_DENOMINATOR)));
}

/** Least-squares fits on trained Kodak latents came out near these (left, top, top-left, top-right). */
const INITIAL_PREDICTOR = [0.35, 0.5, 0, 0.1];

export interface LinearGridParameters {
  /** The prediction coefficients in sixteenths, PREDICTION_TAPS of them. */
  coefficients: number[];
  /** One scale index per context, CONTEXT_COUNT of them. */
  scaleIndices: number[];
}

/** The model's coding: the parameters' syntax and the cells' distributions (spec 6.1 - 6.3). */
export class LinearContextCoding implements LatentCoding<LinearGridParameters> {
  /** @param codedCoefficients false for format version 1: no coefficients in the payload, all 0. */
  constructor(private readonly codedCoefficients: boolean) {}

  gridParameterBits(): number {
    return (this.codedCoefficients ? PREDICTION_TAPS * COEFFICIENT_BITS : 0) + CONTEXT_COUNT * SCALE_INDEX_BITS;
  }

  writeGridParameters(encoder: RangeEncoder, { coefficients, scaleIndices }: LinearGridParameters): void {
    if (this.codedCoefficients) for (const c of coefficients) encoder.encodeBits(c - MIN_COEFFICIENT, COEFFICIENT_BITS);
    else if (coefficients.some((c) => c !== 0)) throw new RangeError('format version 1 has no prediction coefficients');
    for (const s of scaleIndices) encoder.encodeBits(s, SCALE_INDEX_BITS);
  }

  readGridParameters(decoder: RangeDecoder): LinearGridParameters {
    const coefficients: number[] = [];
    for (let k = 0; k < PREDICTION_TAPS; k++) coefficients.push(this.codedCoefficients ? decoder.decodeBits(COEFFICIENT_BITS) + MIN_COEFFICIENT : 0);
    const scaleIndices: number[] = [];
    for (let c = 0; c < CONTEXT_COUNT; c++) scaleIndices.push(decoder.decodeBits(SCALE_INDEX_BITS));
    return { coefficients, scaleIndices };
  }

  /** Each grid is coded on its own: the coarser grids play no part. */
  distributions(grids: readonly LatentGrid[], level: number, parameters: LinearGridParameters): CellDistributions {
    return new LinearCells(grids[level], parameters);
  }

  /**
   * decodeCellByCell (latent-model.ts) with LinearCells.at written out: the neighbours read once
   * for the mean and the context, the context from a table, each (context, mean offset)'s Laplace
   * table looked up once per grid. Neighbours outside the grid count as 0 in both, as there.
   */
  decodeGridValues(decoder: RangeDecoder, grids: readonly LatentGrid[], level: number, { coefficients, scaleIndices }: LinearGridParameters): void {
    const { width, height, values } = grids[level];
    const [cLeft, cTop, cTopLeft, cTopRight] = coefficients;
    const lastActivity = CONTEXT_OF_ACTIVITY.length - 1;
    const tables: (LaplaceTable | undefined)[] = new Array(CONTEXT_COUNT * MEAN_OFFSETS).fill(undefined);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        const left = x > 0 ? values[i - 1] : 0;
        const top = y > 0 ? values[i - width] : 0;
        const topLeft = y > 0 && x > 0 ? values[i - width - 1] : 0;
        const topRight = y > 0 && x + 1 < width ? values[i - width + 1] : 0;
        // Integers far below 2^53: exact in any order. Zero neighbours are left out, as most are:
        // a negative coefficient times 0 is -0, which makes the optimised code bail out.
        let mean = 0;
        if (left !== 0) mean += cLeft * left;
        if (top !== 0) mean += cTop * top;
        if (topLeft !== 0) mean += cTopLeft * topLeft;
        if (topRight !== 0) mean += cTopRight * topRight;
        const activity = 2 * Math.abs(left) + 2 * Math.abs(top) + Math.abs(topLeft) + Math.abs(topRight);
        const context = CONTEXT_OF_ACTIVITY[activity < lastActivity ? activity : lastActivity];
        const centre = meanCentre(mean);
        const offset = meanOffset(mean, centre);
        const key = context * MEAN_OFFSETS + offset + MEAN_OFFSETS / 2;
        const table = tables[key] ?? (tables[key] = laplaceTable(scaleIndices[context], offset));
        const value = centre + decodeLaplace(decoder, table);
        if (!(Math.abs(value) <= MAX_LATENT_MAGNITUDE)) throw outOfRange(value);
        values[i] = value;
      }
    }
  }

}

/**
 * Per-context counts of histogram keys, as Maps in the order each key first occurred (the order
 * bestScaleForHistogram sums in, so the bits are the same as with plain Maps). Small keys are
 * counted in a typed array: on a 13 MP image a Map per latent took a tenth of the encode.
 */
class HistogramCounts {
  private static readonly RADIUS = 64 * MEAN_OFFSETS + MEAN_OFFSETS / 2;
  private readonly dense = new Int32Array(CONTEXT_COUNT * 2 * HistogramCounts.RADIUS);
  private readonly sparse = Array.from({ length: CONTEXT_COUNT }, () => new Map<number, number>());
  private readonly order: number[][] = Array.from({ length: CONTEXT_COUNT }, () => []);

  add(context: number, key: number): void {
    const radius = HistogramCounts.RADIUS;
    if (key >= -radius && key < radius) {
      const at = context * 2 * radius + key + radius;
      if (this.dense[at]++ === 0) this.order[context].push(key);
    } else {
      const sparse = this.sparse[context];
      const count = sparse.get(key) ?? 0;
      if (count === 0) this.order[context].push(key);
      sparse.set(key, count + 1);
    }
  }

  /** The histograms counted so far, one per context; the counts start again from zero. */
  takeHistograms(): Map<number, number>[] {
    const radius = HistogramCounts.RADIUS;
    return this.order.map((keys, context) => {
      const histogram = new Map<number, number>();
      for (const key of keys) {
        if (key >= -radius && key < radius) {
          const at = context * 2 * radius + key + radius;
          histogram.set(key, this.dense[at]);
          this.dense[at] = 0;
        } else histogram.set(key, this.sparse[context].get(key)!);
      }
      keys.length = 0;
      this.sparse[context].clear();
      return histogram;
    });
  }
}

/** The whole model: its coding, the fitting of its parameters and its training-time rate. */
export class LinearContextModel extends LinearContextCoding implements LatentEntropyModel<LinearGridParameters> {
  /**
   * The parameters under which a grid's values cost the fewest bits, and those bits: each
   * context's best scale index for the coefficients `start`, or with `refine`, for coefficients
   * moved from there one sixteenth at a time while the real cost falls.
   */
  fitGrid(grid: LatentGrid, start: readonly number[], refine: boolean): { parameters: LinearGridParameters; bits: number } {
    const { values, width, height } = grid;
    const contexts = new Uint8Array(values.length);
    latentContexts(values, width, height, contexts);
    const counts = new HistogramCounts();
    const cost = (coefficients: number[]) => {
      // Per context, how often each (value - centre, mean offset) pair occurs.
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const i = y * width + x;
          const mean = predictedMean(values, width, x, y, coefficients);
          const centre = meanCentre(mean);
          counts.add(contexts[i], histogramKey(values[i] - centre, meanOffset(mean, centre)));
        }
      }
      const choices = counts.takeHistograms().map(bestScaleForHistogram);
      return { bits: choices.reduce((n, c) => n + c.bits, 0), scaleIndices: choices.map((c) => c.scaleIndex) };
    };
    let coefficients = [...start];
    let best = cost(coefficients);
    for (let improved = refine; improved; ) {
      improved = false;
      for (let k = 0; k < PREDICTION_TAPS; k++) {
        for (const move of [-1, 1]) {
          const c = coefficients[k] + move;
          if (c < MIN_COEFFICIENT || c > MAX_COEFFICIENT) continue;
          const candidate = [...coefficients];
          candidate[k] = c;
          const result = cost(candidate);
          if (result.bits < best.bits) {
            [coefficients, best, improved] = [candidate, result, true];
          }
        }
      }
    }
    return { parameters: { coefficients, scaleIndices: best.scaleIndices }, bits: best.bits };
  }

  /** [ln(Laplace scale) per (level, context), real-valued coefficients per (level, tap)]. */
  initialTrainingParameters(levels: number): Float32Array[] {
    const logScales = new Float32Array(levels * CONTEXT_COUNT).fill(Math.log(0.5));
    const predictors = new Float32Array(levels * PREDICTION_TAPS);
    for (let l = 0; l < levels; l++) predictors.set(INITIAL_PREDICTOR, l * PREDICTION_TAPS);
    return [logScales, predictors];
  }

  /** Within the scales of scale indices 0 .. 63 and the coefficients' range. */
  clampTrainingParameters([logScales, predictors]: readonly Float32Array[]): void {
    // Here rather than module constants: a decoder's bundle then leaves them out with the training.
    const [minLogScale, maxLogScale] = [Math.log(2 ** -6), Math.log(2 ** 9.75)];
    const [minPredictor, maxPredictor] = [MIN_COEFFICIENT / COEFFICIENT_DENOMINATOR, MAX_COEFFICIENT / COEFFICIENT_DENOMINATOR];
    for (let i = 0; i < logScales.length; i++) logScales[i] = Math.min(maxLogScale, Math.max(minLogScale, logScales[i]));
    for (let i = 0; i < predictors.length; i++) predictors[i] = Math.min(maxPredictor, Math.max(minPredictor, predictors[i]));
  }

  /** The trained coefficients of grid `level`, rounded to what the format stores: where fitGrid starts. */
  trainedCoefficients(predictors: Float32Array, level: number): number[] {
    return Array.from(predictors.subarray(level * PREDICTION_TAPS, (level + 1) * PREDICTION_TAPS), quantizeCoefficient);
  }

  /**
   * Each latent costs the bits of its bin under a Laplace centred on its prediction from the
   * rounded neighbours, with its context's scale (rate.ts, tabulated).
   */
  accumulateRate(training: TrainingLatents, [scales, predictors]: readonly TrainableArray[], weight: number, expected: boolean): RateBits {
    const terms: RateTerms = { bits: 0, dBitsdValue: 0, dBitsdLogScale: 0 };
    const { latents, rounded, proxy, grad } = training;
    const model = contextLaplace(scales.value);
    const scaleGrad = scales.grad;
    const predictorGrad = predictors.grad;
    let proxyBits = 0;
    let roundedBits = 0;
    let start = 0;
    training.grids.forEach(({ width, height }, l) => {
      const levelRounded = rounded.subarray(start, start + width * height);
      const base = l * CONTEXT_COUNT;
      const p = l * PREDICTION_TAPS;
      const [cLeft, cTop, cTopLeft, cTopRight] = predictors.value.subarray(p, p + PREDICTION_TAPS);
      let gLeft = 0;
      let gTop = 0;
      let gTopLeft = 0;
      let gTopRight = 0;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const i = start + y * width + x;
          const hasLeft = x > 0;
          const hasRight = x + 1 < width;
          // The mean is predicted from the rounded neighbours, as the decoder does, and taken as a
          // constant for the latents: passing gradient on to the neighbours (straight-through)
          // pulls quiet latents away from zero (measured worse: docs/decisions.md).
          const left = hasLeft ? rounded[i - 1] : 0;
          const top = y > 0 ? rounded[i - width] : 0;
          const topLeft = y > 0 && hasLeft ? rounded[i - width - 1] : 0;
          const topRight = y > 0 && hasRight ? rounded[i - width + 1] : 0;
          const mean = cLeft * left + cTop * top + cTopLeft * topLeft + cTopRight * topRight;
          const k = base + latentContext(levelRounded, width, x, y);
          tabulatedBinRate(rounded[i] - mean, model, k, terms);
          roundedBits += terms.bits;
          tabulatedBinRate(proxy[i] - mean, model, k, terms);
          proxyBits += terms.bits;
          scaleGrad[k] += weight * terms.dBitsdLogScale;
          let d = weight * terms.dBitsdValue;
          if (expected) {
            tabulatedBinRate(latents[i] - mean + 0.5, model, k, terms);
            const upper = terms.bits;
            tabulatedBinRate(latents[i] - mean - 0.5, model, k, terms);
            d = weight * (upper - terms.bits);
          }
          grad[i] += d;
          gLeft -= d * left;
          gTop -= d * top;
          gTopLeft -= d * topLeft;
          gTopRight -= d * topRight;
        }
      }
      predictorGrad[p] += gLeft;
      predictorGrad[p + 1] += gTop;
      predictorGrad[p + 2] += gTopLeft;
      predictorGrad[p + 3] += gTopRight;
      start += width * height;
    });
    return { proxyBits, roundedBits };
  }
}

class LinearCells implements CellDistributions {
  constructor(
    private readonly grid: LatentGrid,
    private readonly parameters: LinearGridParameters,
  ) {}

  at(x: number, y: number, out: CellDistribution): void {
    const { values, width } = this.grid;
    out.meanSixteenths = predictedMean(values, width, x, y, this.parameters.coefficients);
    out.scaleIndex = this.parameters.scaleIndices[latentContext(values, width, x, y)];
  }
}

/** Format version 2's model (version 1's coding is LinearContextCoding without coded coefficients). */
export const linearContextModel = /* @__PURE__ */ new LinearContextModel(true);
