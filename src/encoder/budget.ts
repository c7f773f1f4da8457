/**
 * From trained parameters to a file within the budget: the weights' quantization steps, then the
 * latent step (with a dead zone between steps) whose real coded size fits.
 */
import { NnimgHeader, writeContainer } from '../format/container.js';
import { LayerShape } from '../format/layers.js';
import { OUTPUT_OFFSET, synthesisShapes } from '../synthesis/network.js';
import { LATENT_STEP_BITS, QuantizedModel, QuantizedTensor, unusedGrid } from '../format/payload.js';
import { encodeLatentGridPayload } from '../kinds/latent-grid/encode.js';
import { UNIT_LATENT_STEP_INDEX, dequantize } from '../kinds/latent-grid/model.js';
import { quantizeLatents, quantizeTensor, tensorBits } from './quantize.js';
import type { TrainedModel } from './trainer.js';
import { BudgetError } from './types.js';

const FINEST_STEP_EXPONENT = 13;
/** The widest dead zone (in latent steps) the budget fitting uses before it takes a coarser step. */
const MAX_DEADZONE = 0.9;
/** Filling the budget, a finer step within this share of the lowest sampled error counts as as good (0.02 dB). */
const FILL_TIE = 0.005;

type QuantizedLayers = QuantizedModel['layers'];

/**
 * Picks each weight and bias tensor's quantization step by trying every step and keeping the one
 * with the lowest distortion + lambda * rate, distortion measured on a subsample of rows.
 */
export function chooseWeightSteps(trainer: TrainedModel, lambda: number): { layers: QuantizedLayers; bits: number } {
  const tensors = trainer.layerTensors();
  const exponents = tensors.map(() => FINEST_STEP_EXPONENT);
  const dequantized = tensors.map((t) => Float32Array.from(t));
  const lambdaPerBit = lambda / trainer.pixelCount;
  for (let t = 0; t < tensors.length; t++) {
    let best = { cost: Infinity, exponent: FINEST_STEP_EXPONENT };
    for (let exponent = 2; exponent <= FINEST_STEP_EXPONENT; exponent++) {
      const q = quantizeTensor(tensors[t], exponent);
      dequantized[t] = Float32Array.from(q.values, (v) => v / 2 ** exponent);
      const cost = trainer.sampledMse(dequantized) + lambdaPerBit * tensorBits(q);
      if (cost < best.cost) best = { cost, exponent };
    }
    exponents[t] = best.exponent;
    const q = quantizeTensor(tensors[t], best.exponent);
    dequantized[t] = Float32Array.from(q.values, (v) => v / 2 ** best.exponent);
  }
  const quantized = tensors.map((t, i) => quantizeTensor(t, exponents[i]));
  const layers = trainer.shapes.map((_, k) => ({ weights: quantized[2 * k], biases: quantized[2 * k + 1] }));
  return { layers, bits: quantized.reduce((n, q) => n + tensorBits(q) + 10, 0) };
}

export interface FittedModel {
  model: QuantizedModel;
  /** The whole file's bytes. */
  size: number;
  weightBits: number;
  latentBits: number;
}

/**
 * Chooses the latent step so that the file meets the budget and uses it well: the trained step
 * when it fits in [90%, 100%] of the budget; under 90%, the finer step that fits and renders
 * best; over the budget, the nearest coarser step (with a dead zone) that fits. When even the
 * coarsest step does not fit, the finest grids are dropped one by one, then the weights coarsened.
 */
export function fitToBudget(trainer: TrainedModel, header: NnimgHeader, layers: QuantizedLayers, budget: number | undefined): FittedModel {
  const latents = trainer.latentViews;
  // Prediction coefficients are refined against the real cost once, at the trained step, and
  // kept for the other steps (they hardly depend on the step, and the search is slow).
  let predictors = trainer.quantizedPredictors();
  let refined = false;
  const build = (stepIndex: number, droppedLevels: number, currentLayers: QuantizedLayers, deadzone = 0.5) => {
    const trained = quantizeLatents(latents, trainer.grids, stepIndex, predictors, !refined, deadzone);
    if (!refined) {
      predictors = trained.grids.map((g, level) => g.coefficients ?? predictors[level]);
      refined = true;
    }
    const { grids, bits } = trained;
    for (let l = 0; l < droppedLevels; l++) grids[l] = unusedGrid(grids[l].values.length);
    const model: QuantizedModel = { latentStepIndex: stepIndex, layers: currentLayers, grids };
    const size = writeContainer(header, encodeLatentGridPayload(header, model)).length;
    const weightBits = currentLayers.reduce((n, l) => n + tensorBits(l.weights) + tensorBits(l.biases), 0);
    return { model, size, weightBits, latentBits: bits };
  };
  let fitted = build(UNIT_LATENT_STEP_INDEX, 0, layers);
  if (budget === undefined) return fitted;
  // Between two steps (about 9% apart in size), a dead zone zeroes the smallest latents: the
  // smallest dead zone whose file fits, or null when even the widest is over the budget.
  const squeezed = (stepIndex: number): FittedModel | null => {
    const plain = build(stepIndex, 0, layers);
    if (plain.size <= budget) return plain;
    let best: FittedModel | null = null;
    let [low, high] = [0.5, MAX_DEADZONE];
    for (let k = 0; k < 6; k++) {
      const deadzone = k === 0 ? high : (low + high) / 2;
      const candidate = build(stepIndex, 0, layers, deadzone);
      if (candidate.size <= budget) [best, high] = [candidate, deadzone];
      else if (k === 0) return null;
      else low = deadzone;
    }
    return best;
  };
  if (fitted.size <= budget) {
    if (fitted.size >= 0.9 * budget) return fitted;
    // The trained rate fell short of 90%: of the finer plain steps that fit, the one that renders
    // best on the sampled rows (the error is not monotone in the step). Never a dead zone here:
    // it codes more bytes yet renders worse than the coarser plain step (docs/decisions.md).
    // The decoder's own dequantization: what is compared is what the file renders.
    const tensors = dequantize(header, fitted.model).layers.flatMap((l) => [l.weights, l.biases]);
    const mseOf = (candidate: FittedModel) => trainer.sampledMse(tensors, concatenated(dequantize(header, candidate.model).latents));
    let bestMse = mseOf(fitted);
    for (let s = UNIT_LATENT_STEP_INDEX - 1; s >= 0; s--) {
      const finer = build(s, 0, layers);
      if (finer.size > budget) break;
      const mse = mseOf(finer);
      // A near tie (the sampled rows' noise) goes to the finer step, which fills the budget.
      if (mse <= bestMse * (1 + FILL_TIE)) fitted = finer;
      bestMse = Math.min(bestMse, mse);
    }
    return fitted;
  }
  for (let s = UNIT_LATENT_STEP_INDEX; s < 2 ** LATENT_STEP_BITS; s++) {
    const coarser = squeezed(s);
    if (coarser) return coarser;
  }
  for (let dropped = 1; dropped <= header.levels; dropped++) {
    fitted = build(2 ** LATENT_STEP_BITS - 1, dropped, layers);
    if (fitted.size <= budget) return fitted;
  }
  // Last resorts: a flat image of the mean colour, then the all-zero model (mid-grey).
  for (const fallback of [meanColourLayers(trainer), zeroLayers(trainer.shapes)]) {
    fitted = build(2 ** LATENT_STEP_BITS - 1, header.levels, fallback);
    if (fitted.size <= budget) return fitted;
  }
  throw new BudgetError(budget, minimumFileBytes(header));
}

function zeroTensor(length: number): QuantizedTensor {
  return { stepExponent: 0, scaleIndex: 0, values: new Int32Array(length) };
}

function zeroLayers(shapes: readonly LayerShape[]): QuantizedLayers {
  return shapes.map((s) => ({ weights: zeroTensor(s.inputs * s.outputs), biases: zeroTensor(s.outputs) }));
}

/** All weights zero; the output layer's biases hold the image's mean colour. */
function meanColourLayers(trainer: TrainedModel): QuantizedLayers {
  const flat = zeroLayers(trainer.shapes);
  flat[flat.length - 1].biases = quantizeTensor(trainer.meanColour().map((v) => v - OUTPUT_OFFSET), 6);
  return flat;
}

/** The size of the file for this header with every parameter zero: the smallest possible. */
export function minimumFileBytes(header: NnimgHeader): number {
  const shapes = synthesisShapes(header.levels, header.hidden, header.channels);
  const model: QuantizedModel = {
    latentStepIndex: UNIT_LATENT_STEP_INDEX,
    layers: zeroLayers(shapes),
    grids: Array.from({ length: header.levels }, () => unusedGrid(0)),
  };
  return writeContainer(header, encodeLatentGridPayload(header, model)).length;
}

/** The levels' latents end to end, level 0 first (the trainer's order). */
function concatenated(levels: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(levels.reduce((n, l) => n + l.length, 0));
  let at = 0;
  for (const l of levels) {
    out.set(l, at);
    at += l.length;
  }
  return out;
}
