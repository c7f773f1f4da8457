/**
 * Turning trained real-valued parameters into the integers the payload carries, and choosing
 * the quantization and entropy parameters that minimise the real coded size.
 */
import { bestScaleForHistogram, histogramKey } from '../entropy/laplace.js';
import { linearContextModel } from '../entropy/linear-context-model.js';
import { GridSize } from '../format/geometry.js';
import { latentStep } from '../kinds/latent-grid/model.js';
import { QuantizedGrid, QuantizedTensor, unusedGrid } from '../format/payload.js';

/** The scale index under which `values` cost the fewest bits (zero-mean), and that cost. */
export function bestScaleIndex(values: Int32Array): { scaleIndex: number; bits: number } {
  const histogram = new Map<number, number>();
  for (const v of values) histogram.set(histogramKey(v, 0), (histogram.get(histogramKey(v, 0)) ?? 0) + 1);
  return bestScaleForHistogram(histogram);
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
 * of step 1) and fits each grid's entropy parameters to its integer values: the scale indices for
 * the prediction coefficients `coefficientsPerGrid` (in sixteenths), or with `refine`, those moved
 * while the real cost falls (linear-context-model.ts fitGrid). Values under `deadzone` steps from
 * zero become zero (0.5: plain rounding). Returns the grids and their estimated bits.
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
    // A plain loop: Int32Array.from with a function took a tenth of a 13 MP encode.
    const values = new Int32Array(latent.length);
    let used = false;
    for (let i = 0; i < latent.length; i++) {
      const q = latent[i] / step;
      const v = Math.abs(q) < deadzone ? 0 : Math.round(q);
      values[i] = v;
      if (v !== 0) used = true;
    }
    if (!used) return unusedGrid(values.length);
    const { width, height } = grids[level];
    const { parameters, bits } = linearContextModel.fitGrid({ width, height, values }, coefficientsPerGrid[level], refine);
    totalBits += bits;
    return { scaleIndices: parameters.scaleIndices, coefficients: parameters.coefficients, values };
  });
  return { grids: quantized, bits: totalBits };
}
