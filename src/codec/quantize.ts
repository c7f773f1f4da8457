/**
 * Turning trained real-valued parameters into the integers the payload carries, and choosing
 * the quantization and entropy parameters that minimise the real coded size.
 */
import { SCALE_INDEX_COUNT, laplaceCost, laplaceTable } from '../entropy/laplace.js';
import { CONTEXT_COUNT, latentContexts } from '../entropy/latent-context.js';
import { GridSize } from '../model/geometry.js';
import { latentStep } from '../model/model.js';
import { QuantizedGrid, QuantizedTensor, tensorValueBits } from './bitstream.js';

/** The scale index under which `values` cost the fewest bits, and that cost. */
export function bestScaleIndex(values: Int32Array): { scaleIndex: number; bits: number } {
  const histogram = new Map<number, number>();
  for (const v of values) histogram.set(v, (histogram.get(v) ?? 0) + 1);
  return bestScaleForHistogram(histogram);
}

function bestScaleForHistogram(histogram: Map<number, number>): { scaleIndex: number; bits: number } {
  let best = { scaleIndex: 0, bits: Infinity };
  for (let s = 0; s < SCALE_INDEX_COUNT; s++) {
    const table = laplaceTable(s);
    let bits = 0;
    for (const [v, count] of histogram) bits += count * laplaceCost(v, table);
    if (bits < best.bits) best = { scaleIndex: s, bits };
  }
  return best;
}

export function quantizeTensor(values: Float32Array, stepExponent: number): QuantizedTensor {
  const scale = 2 ** stepExponent;
  const q = Int32Array.from(values, (v) => Math.round(v * scale));
  return { stepExponent, values: q, scaleIndex: bestScaleIndex(q).scaleIndex };
}

export function tensorBits(tensor: QuantizedTensor): number {
  return tensorValueBits(tensor.values, tensor.scaleIndex);
}

/**
 * Quantizes every latent grid with the step of `latentStepIndex` (trained latents are in units
 * of step 1) and picks each context's best scale. Returns the grids and their estimated bits.
 */
export function quantizeLatents(
  latents: readonly Float32Array[],
  grids: readonly GridSize[],
  latentStepIndex: number,
): { grids: QuantizedGrid[]; bits: number } {
  const step = latentStep(latentStepIndex);
  let totalBits = 0;
  const quantized = latents.map((latent, level) => {
    const values = Int32Array.from(latent, (v) => Math.round(v / step));
    if (values.every((v) => v === 0)) return { scaleIndices: null, values };
    const { width, height } = grids[level];
    const contexts = new Uint8Array(values.length);
    latentContexts(values, width, height, contexts);
    const histograms = Array.from({ length: CONTEXT_COUNT }, () => new Map<number, number>());
    values.forEach((v, i) => histograms[contexts[i]].set(v, (histograms[contexts[i]].get(v) ?? 0) + 1));
    const scaleIndices = histograms.map((h) => {
      const best = bestScaleForHistogram(h);
      totalBits += best.bits;
      return best.scaleIndex;
    });
    return { scaleIndices, values };
  });
  return { grids: quantized, bits: totalBits };
}
