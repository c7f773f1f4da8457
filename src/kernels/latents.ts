/**
 * The trainer's per-latent work behind one interface: the quantization proxy (with the rounded
 * latents' contexts), the rate term and the latents' Adam step. This file's plain TypeScript is the
 * reference; latents-wasm.ts does the same in WebAssembly. A kernel owns the latents' arrays,
 * so that the WebAssembly one can keep them in its memory.
 */
import { CONTEXT_COUNT, latentContexts } from '../entropy/latent-context.js';
import { PREDICTION_TAPS } from '../entropy/latent-prediction.js';
import { GridSize } from '../format/geometry.js';
import { AdamStep, Parameter, adamUpdate } from '../optimizer/adam.js';
import { Random } from '../optimizer/random.js';
import { RateTerms, contextLaplace, tabulatedBinRate } from '../entropy/rate.js';

export type QuantizationProxy = 'noise' | 'round';

export interface RateBits {
  /** Bits of the latents under the proxy. */
  proxyBits: number;
  /** Bits of the rounded latents: what the file would spend. */
  roundedBits: number;
}

export interface LatentKernel {
  /** All levels' latents (level 0 first) with their gradient and Adam moments. */
  readonly latents: Parameter;
  /** The latents as the synthesis sees them this iteration (noisy or rounded). */
  readonly proxyLatents: Float32Array;
  /** Rounds the latents and writes the proxy; noise is drawn from `random`, latent by latent. */
  applyQuantizationProxy(proxy: QuantizationProxy, random: Random): void;
  /**
   * Adds weight * d(bits)/d(param) to the latents', scales' and predictors' gradients, `scales`
   * holding ln(Laplace scale) per (level, context) and `predictors` the coefficients per (level, tap).
   * With `expected`, a latent y's gradient is that of its rate averaged over uniform noise,
   * bits(y + 1/2) - bits(y - 1/2), instead of the slope at its proxy value.
   */
  accumulateRate(weight: number, scales: Parameter, predictors: Parameter, expected?: boolean): RateBits;
  adamUpdate(step: AdamStep): void;
}

export function latentCount(grids: readonly GridSize[]): number {
  return grids.reduce((n, g) => n + g.width * g.height, 0);
}

export class ReferenceLatentKernel implements LatentKernel {
  readonly latents: Parameter;
  readonly proxyLatents: Float32Array;
  private readonly roundedLatents: Int32Array;
  private readonly contexts: Uint8Array;

  constructor(
    private readonly grids: readonly GridSize[],
    learningRateScale: number,
  ) {
    const count = latentCount(grids);
    this.latents = new Parameter(new Float32Array(count), learningRateScale);
    this.proxyLatents = new Float32Array(count);
    this.roundedLatents = new Int32Array(count);
    this.contexts = new Uint8Array(count);
  }

  applyQuantizationProxy(proxy: QuantizationProxy, random: Random): void {
    const { proxyLatents, roundedLatents } = this;
    const latents = this.latents.value;
    for (let i = 0; i < latents.length; i++) {
      const r = Math.round(latents[i]);
      roundedLatents[i] = r;
      proxyLatents[i] = proxy === 'round' ? r : latents[i] + random.next() - 0.5;
    }
    let start = 0;
    for (const { width, height } of this.grids) {
      const range: [number, number] = [start, (start += width * height)];
      latentContexts(roundedLatents.subarray(...range), width, height, this.contexts.subarray(...range));
    }
  }

  /**
   * Each latent costs the bits of its bin under a Laplace centred on its prediction (a linear mix
   * of its causal neighbours).
   */
  accumulateRate(weight: number, scales: Parameter, predictors: Parameter, expected = false): RateBits {
    const terms: RateTerms = { bits: 0, dBitsdValue: 0, dBitsdLogScale: 0 };
    const latents = this.latents.value;
    const model = contextLaplace(scales.value);
    const scaleGrad = scales.grad;
    const predictorGrad = predictors.grad;
    const grad = this.latents.grad;
    const { proxyLatents, roundedLatents, contexts } = this;
    let proxyBits = 0;
    let roundedBits = 0;
    let start = 0;
    this.grids.forEach(({ width, height }, l) => {
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
          const left = hasLeft ? roundedLatents[i - 1] : 0;
          const top = y > 0 ? roundedLatents[i - width] : 0;
          const topLeft = y > 0 && hasLeft ? roundedLatents[i - width - 1] : 0;
          const topRight = y > 0 && hasRight ? roundedLatents[i - width + 1] : 0;
          const mean = cLeft * left + cTop * top + cTopLeft * topLeft + cTopRight * topRight;
          const k = base + contexts[i];
          tabulatedBinRate(roundedLatents[i] - mean, model, k, terms);
          roundedBits += terms.bits;
          tabulatedBinRate(proxyLatents[i] - mean, model, k, terms);
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

  adamUpdate(step: AdamStep): void {
    adamUpdate(this.latents, step);
  }
}
