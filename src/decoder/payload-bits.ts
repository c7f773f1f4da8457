/** Where a file's bits go, costed under its own entropy parameters (what `nnimg info` shows). */
import { SCALE_INDEX_BITS } from '../entropy/laplace.js';
import { GridSize } from '../format/geometry.js';
import { multiplyAddsPerPixel, parameterCount } from '../format/network.js';
import { LATENT_STEP_BITS, QuantizedModel, STEP_EXPONENT_BITS, gridSideBits, gridValueBits, tensorBits } from '../format/payload.js';
import { QuantizedCoordinateMlp } from '../kinds/coordinate-mlp/model.js';
import { latentStep } from '../kinds/latent-grid/model.js';
import type { ParsedFile } from './decode.js';

export interface LayerBits {
  inputs: number;
  outputs: number;
  /** Step exponent and scale index fields of the weight and bias tensors. */
  sideBits: number;
  weightBits: number;
  biasBits: number;
}

export interface LevelBits {
  level: number;
  width: number;
  height: number;
  used: boolean;
  nonZero: number;
  /** The used flag, the prediction coefficients and the per-context scale indices. */
  sideBits: number;
  valueBits: number;
}

export interface PayloadBits {
  /** payloadBytes * 8: what the file actually spends. */
  stored: number;
  /** Sum of the parts below, from the entropy model; the range coder adds a few bits. */
  estimated: number;
  latentStep: number;
  weights: number;
  latents: number;
  layers: LayerBits[];
  levels: LevelBits[];
}

/** Where the payload bits go, costed under the file's own entropy parameters. */
export function payloadBits(quantized: QuantizedModel | QuantizedCoordinateMlp, grids: readonly GridSize[], payloadBytes: number, version: number): PayloadBits {
  // A coordinate MLP has no latent step and no grids.
  const latentGrids = 'grids' in quantized ? quantized.grids : [];
  const latentStepBits = 'grids' in quantized ? LATENT_STEP_BITS : 0;
  const layers = quantized.layers.map((layer) => ({
    inputs: layer.weights.values.length / layer.biases.values.length,
    outputs: layer.biases.values.length,
    sideBits: 2 * (STEP_EXPONENT_BITS + SCALE_INDEX_BITS),
    weightBits: tensorBits(layer.weights),
    biasBits: tensorBits(layer.biases),
  }));
  const levels = latentGrids.map((grid, level) => {
    const size = grids[level];
    let nonZero = 0;
    for (const v of grid.values) if (v !== 0) nonZero++;
    const used = grid.scaleIndices !== null;
    return {
      level,
      width: size.width,
      height: size.height,
      used,
      nonZero,
      sideBits: gridSideBits(grid, version),
      valueBits: gridValueBits(grid, size),
    };
  });
  const weights = layers.reduce((n, l) => n + l.sideBits + l.weightBits + l.biasBits, 0);
  const latents = levels.reduce((n, l) => n + l.sideBits + l.valueBits, 0);
  return {
    stored: payloadBytes * 8,
    estimated: latentStepBits + weights + latents,
    latentStep: latentStepBits,
    weights,
    latents,
    layers,
    levels,
  };
}

/** The model a parsed file holds, as `nnimg info` and an EncodeResult describe it. */
export function modelSummary(parsed: ParsedFile) {
  const { header, model } = parsed;
  const shapes = model.layers.map((l) => l.shape);
  return {
    kind: header.model,
    levels: header.levels,
    hidden: header.hidden,
    multiplyAddsPerPixel: multiplyAddsPerPixel(shapes),
    parameterCount: parameterCount(shapes),
    latentStep: parsed.kind === 'latent-grid' ? latentStep(parsed.quantized.latentStepIndex) : null,
  };
}
