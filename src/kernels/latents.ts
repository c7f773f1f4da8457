/**
 * The trainer's per-latent work behind one interface: the quantization proxy, the rate term and
 * the latents' Adam step. This file's plain TypeScript is the reference (its rate is the entropy
 * model's own, src/entropy/linear-context-model.ts); latents-wasm.ts does the same in WebAssembly.
 * A kernel owns the latents' arrays, so that the WebAssembly one can keep them in its memory.
 */
import { RateBits, TrainingLatents } from '../entropy/latent-model.js';
import { linearContextModel } from '../entropy/linear-context-model.js';
import { GridSize } from '../format/geometry.js';
import { AdamStep, Parameter, adamUpdate } from '../optimizer/adam.js';
import { Random } from '../optimizer/random.js';

export type QuantizationProxy = 'noise' | 'round';

export interface LatentKernel {
  /** All levels' latents (level 0 first) with their gradient and Adam moments. */
  readonly latents: Parameter;
  /** The latents as the synthesis sees them this iteration (noisy or rounded). */
  readonly proxyLatents: Float32Array;
  /** Rounds the latents and writes the proxy; noise is drawn from `random`, latent by latent. */
  applyQuantizationProxy(proxy: QuantizationProxy, random: Random): void;
  /**
   * The entropy model's training rate (LatentEntropyModel.accumulateRate of linearContextModel):
   * adds weight * d(bits)/d(param) to the latents', scales' and predictors' gradients, `scales`
   * holding ln(Laplace scale) per (level, context) and `predictors` the coefficients per (level, tap).
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
  private readonly training: TrainingLatents;

  constructor(grids: readonly GridSize[], learningRateScale: number) {
    const count = latentCount(grids);
    this.latents = new Parameter(new Float32Array(count), learningRateScale);
    this.proxyLatents = new Float32Array(count);
    this.training = { grids, latents: this.latents.value, rounded: new Int32Array(count), proxy: this.proxyLatents, grad: this.latents.grad };
  }

  applyQuantizationProxy(proxy: QuantizationProxy, random: Random): void {
    const { proxyLatents } = this;
    const { latents, rounded } = this.training;
    for (let i = 0; i < latents.length; i++) {
      const r = Math.round(latents[i]);
      rounded[i] = r;
      proxyLatents[i] = proxy === 'round' ? r : latents[i] + random.next() - 0.5;
    }
  }

  accumulateRate(weight: number, scales: Parameter, predictors: Parameter, expected = false): RateBits {
    return linearContextModel.accumulateRate(this.training, [scales, predictors], weight, expected);
  }

  adamUpdate(step: AdamStep): void {
    adamUpdate(this.latents, step);
  }
}
