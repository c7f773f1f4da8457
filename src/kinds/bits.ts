/** The parts of a payload's bit accounting (src/decoder/payload-bits.ts adds them up for `nnimg info`). */
import { SCALE_INDEX_BITS } from '../entropy/laplace.js';
import { QuantizedTensor, STEP_EXPONENT_BITS, tensorBits } from '../format/payload.js';

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

/** A kind's share of the accounting: its header fields, network layers and latent grids. */
export interface ModelBits {
  /** The latent step field; 0 for a kind without one. */
  latentStep: number;
  layers: LayerBits[];
  levels: LevelBits[];
}

/** The network's tensors, as every kind codes them (spec section 6). */
export function layerBits(layers: readonly { weights: QuantizedTensor; biases: QuantizedTensor }[]): LayerBits[] {
  return layers.map((layer) => ({
    inputs: layer.weights.values.length / layer.biases.values.length,
    outputs: layer.biases.values.length,
    sideBits: 2 * (STEP_EXPONENT_BITS + SCALE_INDEX_BITS),
    weightBits: tensorBits(layer.weights),
    biasBits: tensorBits(layer.biases),
  }));
}
