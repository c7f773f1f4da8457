/**
 * The latent-grid encoder's rate control, the one owner of the byte budget (or of the quality
 * that stands in for one): the weight lambda of the rate term, steered by dual ascent so that the
 * latents fit what the budget leaves them after the container and the weights; the settling after
 * the schedule; and the quantization of the trained model into a file within the budget (budget.ts).
 */
import { NnimgHeader, writeContainer } from '../format/container.js';
import { FittedModel, chooseWeightSteps, fitToBudget, minimumFileBytes } from './budget.js';
import type { IterationResult, TrainedModel } from './trainer.js';
import { BudgetError } from './types.js';

/** Rate target as a share of the budget, leaving room for the estimate's error. */
const BUDGET_AIM = 0.96;

export function lambdaForQuality(quality: number): number {
  return 0.02 * 200 ** (-(quality - 1) / 99);
}

function initialLambda(bitsPerPixel: number): number {
  return Math.min(0.05, Math.max(1e-5, 0.0015 * (0.5 / bitsPerPixel) ** 1.5));
}

/** Synthesis widths: smaller networks where their weights would eat a small budget. */
export function defaultHidden(bytes: number | undefined): number[] {
  if (bytes === undefined) return [16];
  if (bytes < 600) return [6];
  if (bytes < 2500) return [12];
  return [16];
}

export class RateControl {
  /** The whole file's byte budget; undefined at a constant quality. */
  readonly budget: number | undefined;
  /** The container's bytes with an empty payload. */
  readonly containerBytes: number;
  private currentLambda: number;
  /** The weights' coded bits: about 7 each until measured. */
  private weightBits: number;

  /**
   * For a file with this header and network, under a budget of `bytes` or at a constant `quality`
   * (default 75). Throws BudgetError when the budget is below the smallest file of the header.
   */
  constructor(header: NnimgHeader, parameterCount: number, target: { bytes?: number; quality?: number }) {
    this.budget = target.bytes;
    this.containerBytes = writeContainer(header, new Uint8Array()).length;
    if (this.budget !== undefined) {
      const minimum = minimumFileBytes(header);
      if (!(this.budget >= minimum)) throw new BudgetError(this.budget, minimum);
    }
    this.weightBits = parameterCount * 7;
    const pixels = header.width * header.height;
    this.currentLambda = this.budget !== undefined ? initialLambda((this.budget * 8) / pixels) : lambdaForQuality(target.quality ?? 75);
  }

  /** The rate term's weight: the trainer minimises distortion + lambda * bits per pixel. */
  get lambda(): number {
    return this.currentLambda;
  }

  /** The latents' share of the budget: the budget aimed at, minus the container and the weights. */
  latentTargetBits(): number {
    return Math.max(8, (this.budget ?? 0) * BUDGET_AIM * 8 - this.containerBytes * 8 - this.weightBits - 64);
  }

  /** The file's size with latents of `latentBits`. */
  estimateBytes(latentBits: number): number {
    return this.containerBytes + (this.weightBits + latentBits) / 8;
  }

  /** Dual ascent on lambda: raise it while the file would be over target, lower it while under. */
  steer(result: IterationResult): void {
    if (this.budget === undefined) return;
    const ratio = result.roundedLatentBits / this.latentTargetBits();
    this.currentLambda *= Math.exp(0.04 * Math.max(-1, Math.min(1, Math.log(ratio))));
  }

  /** The weights' real cost at the current lambda, measured a few times: it sets how much of the budget the latents get. */
  measureWeights(trainer: TrainedModel): void {
    this.weightBits = chooseWeightSteps(trainer, this.currentLambda).bits;
  }

  /**
   * Whether the file of the last iteration would be over budget: then a few more rounded
   * iterations with a rising lambda (tighten), so that the quantization rarely has to coarsen the
   * trained latents.
   */
  needsSettling(result: IterationResult): boolean {
    return this.budget !== undefined && this.estimateBytes(result.roundedLatentBits) > this.budget * 0.99;
  }

  tighten(): void {
    this.currentLambda *= 1.15;
  }

  /** The trained model quantized: the weights' steps at the final lambda, then the latent step that fits the budget. */
  fit(trainer: TrainedModel, header: NnimgHeader): FittedModel {
    const layers = chooseWeightSteps(trainer, this.currentLambda).layers;
    return fitToBudget(trainer, header, layers, this.budget);
  }
}
