/**
 * The differentiable rate proxy: bits of a latent value under the context's Laplace
 * distribution, integrated over its quantization bin, P(y) = F(y + 1/2) - F(y - 1/2),
 * with the derivative with respect to y and to s = ln(scale).
 */

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

/** The bits of laplaceBinRate alone, without derivatives (rate estimates). */
export function laplaceBinBits(value: number, scale: number, tailRatio: number, logGap: number): number {
  const magnitude = value < 0 ? -value : value;
  if (magnitude > 0.5) return (LN2 + (magnitude - 0.5) / scale - logGap) / LN2;
  const eHi = Math.exp(-(0.5 - value) / scale);
  return -Math.log(1 - 0.5 * eHi - (0.5 * tailRatio) / eHi) / LN2;
}

/** Per-context constants of laplaceBinRate: the scale, its tail ratio and log gap, from ln(scale). */
export interface ContextLaplace {
  readonly scales: Float64Array;
  readonly tailRatios: Float64Array;
  readonly logGaps: Float64Array;
}

export function contextLaplace(logScales: Float32Array): ContextLaplace {
  const scales = Float64Array.from(logScales, (s) => Math.exp(s));
  const tailRatios = scales.map((b) => Math.exp(-1 / b));
  const logGaps = tailRatios.map((r) => Math.log(1 - r));
  return { scales, tailRatios, logGaps };
}
