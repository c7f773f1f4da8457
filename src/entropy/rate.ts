/**
 * The differentiable rate proxy: bits of a latent value under the context's Laplace
 * distribution, integrated over its quantization bin, P(y) = F(y + 1/2) - F(y - 1/2),
 * with the derivative with respect to y and to s = ln(scale). Any latent model whose cells are
 * Laplace-distributed trains on it (linear-context-model.ts).
 */
import { RATE_TABLE_STEPS, RATE_TABLE_STRIDE } from './kernel-constants.js';

const LN2 = Math.LN2;

export interface RateTerms {
  bits: number;
  dBitsdValue: number;
  dBitsdLogScale: number;
}

/**
 * Writes bits and both derivatives into `out`. tailRatio = e^{-1/b}, the ratio of successive
 * bin probabilities in the tails, and logGap = ln(1 - tailRatio), both precomputed per context.
 */
export function laplaceBinRate(value: number, scale: number, tailRatio: number, logGap: number, out: RateTerms): void {
  const magnitude = value < 0 ? -value : value;
  if (magnitude > 0.5) {
    // Both bin edges on one side: P = 1/2 e^{-(|y| - 1/2)/b} (1 - e^{-1/b}), in closed form so
    // far-out values never underflow.
    out.bits = (LN2 + (magnitude - 0.5) / scale - logGap) / LN2;
    out.dBitsdValue = (value < 0 ? -1 : 1) / (scale * LN2);
    out.dBitsdLogScale = -((magnitude - 0.5) / scale - tailRatio / (scale * (1 - tailRatio))) / LN2;
    return;
  }
  // Distances from zero to the bin's edges, both >= 0 here.
  const hi = 0.5 - value;
  const lo = 0.5 + value;
  const eHi = Math.exp(-hi / scale);
  const eLo = tailRatio / eHi; // hi + lo = 1, so e^{-lo/b} = e^{-1/b} / e^{-hi/b}
  const p = 1 - 0.5 * eHi - 0.5 * eLo;
  const density = 0.5 / scale;
  // dP/dy = f(y + 1/2) - f(y - 1/2); dP/ds = -(x f(x)) at the upper edge + (x f(x)) at the lower.
  const dPdy = density * (eLo - eHi);
  const dPds = -(hi * density * eHi) - lo * density * eLo;
  out.bits = -Math.log(p) / LN2;
  out.dBitsdValue = -dPdy / (p * LN2);
  out.dBitsdLogScale = -dPds / (p * LN2);
}

/** Per-context constants of laplaceBinRate: the scale, its tail ratio and log gap, from ln(scale). */
export interface ContextLaplace {
  readonly scales: Float64Array;
  readonly tailRatios: Float64Array;
  readonly logGaps: Float64Array;
  /**
   * laplaceBinRate tabulated per context inside the central bin (|value| <= 1/2), where it needs an
   * exp and a log: the training looks it up and interpolates linearly (tabulatedBinRate), which
   * made the rate pass a third faster. Within 2e-5 bits of the exact value from scale 1/4 up, 5e-3
   * bits at the smallest scale the format allows (2^-6).
   */
  readonly rateTable: Float64Array;
}

export function contextLaplace(logScales: Float32Array): ContextLaplace {
  const scales = Float64Array.from(logScales, (s) => Math.exp(s));
  const tailRatios = scales.map((b) => Math.exp(-1 / b));
  const logGaps = tailRatios.map((r) => Math.log(1 - r));
  const rateTable = new Float64Array(scales.length * RATE_TABLE_STRIDE);
  const terms: RateTerms = { bits: 0, dBitsdValue: 0, dBitsdLogScale: 0 };
  for (let k = 0; k < scales.length; k++) {
    for (let j = 0; j <= RATE_TABLE_STEPS; j++) {
      laplaceBinRate(j / (2 * RATE_TABLE_STEPS), scales[k], tailRatios[k], logGaps[k], terms);
      const at = k * RATE_TABLE_STRIDE + 3 * j;
      rateTable[at] = terms.bits;
      rateTable[at + 1] = terms.dBitsdValue;
      rateTable[at + 2] = terms.dBitsdLogScale;
    }
  }
  return { scales, tailRatios, logGaps, rateTable };
}

/**
 * laplaceBinRate for context k of `model`, outside the central bin in closed form, inside it
 * interpolated in the rate table. assembly/latents.ts repeats this arithmetic operation by operation.
 */
export function tabulatedBinRate(value: number, model: ContextLaplace, k: number, out: RateTerms): void {
  const magnitude = value < 0 ? -value : value;
  if (magnitude > 0.5) {
    laplaceBinRate(value, model.scales[k], model.tailRatios[k], model.logGaps[k], out);
    return;
  }
  const position = magnitude * (2 * RATE_TABLE_STEPS);
  const step = Math.min(Math.floor(position), RATE_TABLE_STEPS - 1);
  const fraction = position - step;
  const table = model.rateTable;
  const at = k * RATE_TABLE_STRIDE + 3 * step;
  out.bits = table[at] + fraction * (table[at + 3] - table[at]);
  const slope = table[at + 1] + fraction * (table[at + 4] - table[at + 1]);
  out.dBitsdValue = value < 0 ? -slope : slope;
  out.dBitsdLogScale = table[at + 2] + fraction * (table[at + 5] - table[at + 2]);
}
