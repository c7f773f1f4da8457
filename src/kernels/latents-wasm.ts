/**
 * The trainer's per-latent work in WebAssembly (assembly/latents.ts), behind the LatentKernel
 * interface of the reference (latents.ts). The latents, their gradient, moments, proxy
 * and rounding live in the instance's memory for the whole training, so nothing per latent
 * is copied. The noise comes from the trainer's seeded generator, continued in the module. The
 * entropy model's constants and tables (contexts, scales, rate table) come from src/entropy.
 */
import { RATE_TABLE_STRIDE } from '../entropy/kernel-constants.js';
import { RateBits } from '../entropy/latent-model.js';
import { CONTEXT_COUNT, PREDICTION_TAPS, contextOfActivityTable } from '../entropy/linear-context-model.js';
import { contextLaplace } from '../entropy/rate.js';
import { GridSize } from '../format/geometry.js';
import { KernelExports, MemoryPlan, instantiateKernels } from './wasm-module.js';
import { AdamStep, Parameter, parameterRate } from '../optimizer/adam.js';
import { LatentKernel, QuantizationProxy, latentCount } from './latents.js';
import { Random } from '../optimizer/random.js';
import { LatentSlot as Slot } from './wasm-layout.js';

const F32 = 4;
const F64 = 8;
const I32 = 4;

export class WasmLatentKernel implements LatentKernel {
  readonly latents: Parameter;
  readonly proxyLatents: Float32Array;
  private readonly kernels: KernelExports;
  private readonly table: number;
  private readonly randomState: Uint32Array;
  /** (1 / scale, tail ratio, log gap) per (level, context). */
  private readonly laplace: Float64Array;
  private readonly predictors: Float64Array;
  private readonly scaleGrad: Float64Array;
  private readonly predictorGrad: Float64Array;
  private readonly bits: Float64Array;
  private readonly rateTable: Float64Array;

  constructor(grids: readonly GridSize[], learningRateScale: number) {
    this.kernels = instantiateKernels();
    const count = latentCount(grids);
    const contextCount = grids.length * CONTEXT_COUNT;
    const tapCount = grids.length * PREDICTION_TAPS;
    const plan = new MemoryPlan(this.kernels);
    const tableLength = Slot.Grids + 2 * grids.length;
    this.table = plan.reserve(tableLength * I32);
    const at = new Int32Array(tableLength);
    at[Slot.Latents] = plan.reserve(count * F32);
    at[Slot.ProxyLatents] = plan.reserve(count * F32);
    at[Slot.Rounded] = plan.reserve(count * I32);
    at[Slot.RandomState] = plan.reserve(4 * I32);
    at[Slot.LatentGrad] = plan.reserve(count * F64);
    at[Slot.Moment1] = plan.reserve(count * F32);
    at[Slot.Moment2] = plan.reserve(count * F32);
    at[Slot.Laplace] = plan.reserve(3 * contextCount * F64);
    at[Slot.Predictors] = plan.reserve(tapCount * F64);
    at[Slot.ScaleGrad] = plan.reserve(contextCount * F64);
    at[Slot.PredictorGrad] = plan.reserve(tapCount * F64);
    at[Slot.Bits] = plan.reserve(2 * F64);
    at[Slot.RateTable] = plan.reserve(contextCount * RATE_TABLE_STRIDE * F64);
    const contextOfActivity = contextOfActivityTable();
    at[Slot.ContextOfActivity] = plan.reserve(contextOfActivity.length);
    // Committed once: growing the memory later would detach the views handed out below.
    const buffer = plan.commit();
    at[Slot.Levels] = grids.length;
    at[Slot.LastActivity] = contextOfActivity.length - 1;
    new Uint8Array(buffer, at[Slot.ContextOfActivity], contextOfActivity.length).set(contextOfActivity);
    grids.forEach((g, l) => at.set([g.width, g.height], Slot.Grids + 2 * l));
    new Int32Array(buffer, this.table, tableLength).set(at);

    this.latents = new Parameter(
      new Float32Array(buffer, at[Slot.Latents], count),
      learningRateScale,
      new Float64Array(buffer, at[Slot.LatentGrad], count),
      new Float32Array(buffer, at[Slot.Moment1], count),
      new Float32Array(buffer, at[Slot.Moment2], count),
    );
    this.proxyLatents = new Float32Array(buffer, at[Slot.ProxyLatents], count);
    this.randomState = new Uint32Array(buffer, at[Slot.RandomState], 4);
    this.laplace = new Float64Array(buffer, at[Slot.Laplace], 3 * contextCount);
    this.predictors = new Float64Array(buffer, at[Slot.Predictors], tapCount);
    this.scaleGrad = new Float64Array(buffer, at[Slot.ScaleGrad], contextCount);
    this.predictorGrad = new Float64Array(buffer, at[Slot.PredictorGrad], tapCount);
    this.bits = new Float64Array(buffer, at[Slot.Bits], 2);
    this.rateTable = new Float64Array(buffer, at[Slot.RateTable], contextCount * RATE_TABLE_STRIDE);
  }

  applyQuantizationProxy(proxy: QuantizationProxy, random: Random): void {
    // The module draws the noise with the generator's own algorithm, continuing from its state.
    random.saveState(this.randomState);
    this.kernels.latentProxy(this.table, proxy === 'round');
    random.restoreState(this.randomState);
  }

  accumulateRate(weight: number, scales: Parameter, predictors: Parameter, expected = false): RateBits {
    const { scales: scale, tailRatios, logGaps, rateTable } = contextLaplace(scales.value);
    for (let k = 0; k < scale.length; k++) this.laplace.set([1 / scale[k], tailRatios[k], logGaps[k]], 3 * k);
    this.rateTable.set(rateTable);
    this.predictors.set(predictors.value);
    this.scaleGrad.fill(0);
    this.predictorGrad.fill(0);
    this.kernels.latentRate(this.table, weight, expected);
    for (let k = 0; k < this.scaleGrad.length; k++) scales.grad[k] += this.scaleGrad[k];
    for (let t = 0; t < this.predictorGrad.length; t++) predictors.grad[t] += this.predictorGrad[t];
    return { proxyBits: this.bits[0], roundedBits: this.bits[1] };
  }

  adamUpdate(step: AdamStep): void {
    this.kernels.latentAdam(this.table, parameterRate(this.latents, step), step.correction2);
  }
}
