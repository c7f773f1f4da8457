/**
 * Turning trained real-valued parameters into the integers the payload carries, and choosing
 * the quantization and entropy parameters that minimise the real coded size.
 */
import { MEAN_OFFSETS, SCALE_INDEX_COUNT, laplaceCost, laplaceTable } from '../entropy/laplace.js';
import { CONTEXT_COUNT, latentContexts } from '../entropy/latent-context.js';
import { GridSize } from '../format/geometry.js';
import { latentStep } from '../kinds/latent-grid/model.js';
import {
  MAX_COEFFICIENT,
  MIN_COEFFICIENT,
  PREDICTION_TAPS,
  meanCentre,
  meanOffset,
  predictedMean,
} from '../entropy/latent-prediction.js';
import { QuantizedGrid, QuantizedTensor, tensorValueBits, unusedGrid } from '../format/payload.js';

/** The scale index under which `values` cost the fewest bits (zero-mean), and that cost. */
export function bestScaleIndex(values: Int32Array): { scaleIndex: number; bits: number } {
  const histogram = new Map<number, number>();
  for (const v of values) histogram.set(v * MEAN_OFFSETS, (histogram.get(v * MEAN_OFFSETS) ?? 0) + 1);
  return bestScaleForHistogram(histogram);
}

/**
 * The best scale index for a histogram whose keys are value * MEAN_OFFSETS + mean offset
 * (values relative to their centre, offsets -8 .. 7).
 */
function bestScaleForHistogram(histogram: Map<number, number>): { scaleIndex: number; bits: number } {
  const entries = Array.from(histogram, ([key, count]) => {
    const value = Math.round(key / MEAN_OFFSETS);
    return { value, offset: key - value * MEAN_OFFSETS, count };
  });
  let best = { scaleIndex: 0, bits: Infinity };
  for (let s = 0; s < SCALE_INDEX_COUNT; s++) {
    let bits = 0;
    for (const { value, offset, count } of entries) bits += count * laplaceCost(value, laplaceTable(s, offset));
    if (bits < best.bits) best = { scaleIndex: s, bits };
  }
  return best;
}

export function quantizeTensor(values: Float32Array, stepExponent: number): QuantizedTensor {
  const scale = 2 ** stepExponent;
  const q = Int32Array.from(values, (v) => Math.round(v * scale));
  return { stepExponent, values: q, scaleIndex: bestScaleIndex(q).scaleIndex };
}

/** Defined with the payload syntax; re-exported for the encoders. */
export { tensorBits } from '../format/payload.js';

/**
 * Quantizes every latent grid with the step of `latentStepIndex` (trained latents are in units
 * of step 1) and chooses each context's best scale. Each grid's prediction coefficients are
 * `coefficients` (in sixteenths), or with `refine`, those moved one sixteenth at a time while the
 * real cost falls. Values under `deadzone` steps from zero become zero (0.5: plain rounding).
 * Returns the grids and their estimated bits.
 */
export function quantizeLatents(
  latents: readonly Float32Array[],
  grids: readonly GridSize[],
  latentStepIndex: number,
  coefficientsPerGrid: readonly (readonly number[])[],
  refine: boolean,
  deadzone = 0.5,
): { grids: QuantizedGrid[]; bits: number } {
  const step = latentStep(latentStepIndex);
  let totalBits = 0;
  const quantized = latents.map((latent, level) => {
    const values = Int32Array.from(latent, (v) => (Math.abs(v / step) < deadzone ? 0 : Math.round(v / step)));
    if (values.every((v) => v === 0)) return unusedGrid(values.length);
    const { width, height } = grids[level];
    const contexts = new Uint8Array(values.length);
    latentContexts(values, width, height, contexts);
    const cost = (coefficients: number[]) => {
      // Per context, how often each (mean offset, value - centre) pair occurs.
      const histograms = Array.from({ length: CONTEXT_COUNT }, () => new Map<number, number>());
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const i = y * width + x;
          const mean = predictedMean(values, width, x, y, coefficients);
          const centre = meanCentre(mean);
          const key = (values[i] - centre) * MEAN_OFFSETS + meanOffset(mean, centre);
          histograms[contexts[i]].set(key, (histograms[contexts[i]].get(key) ?? 0) + 1);
        }
      }
      const choices = histograms.map(bestScaleForHistogram);
      return { bits: choices.reduce((n, c) => n + c.bits, 0), scaleIndices: choices.map((c) => c.scaleIndex) };
    };
    let coefficients = [...coefficientsPerGrid[level]];
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
    totalBits += best.bits;
    return { scaleIndices: best.scaleIndices, coefficients, values };
  });
  return { grids: quantized, bits: totalBits };
}
