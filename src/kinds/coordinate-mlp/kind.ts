/** The coordinate-MLP model kind (spec section 14): the network's tensors alone, no latents. */
import { layerBits } from '../bits.js';
import type { KindDefinition } from '../kind.js';
import { coordinateMlpShapes, decodeCoordinateMlpPayload, dequantizeCoordinateMlp } from './model.js';
import { createCoordinateMlpRenderer } from './render.js';

export const coordinateMlp: KindDefinition<'coordinate-mlp'> = {
  name: 'coordinate-mlp',
  decodePayload: (header, payload) => decodeCoordinateMlpPayload(payload, coordinateMlpShapes(header.hidden, header.channels)),
  dequantize: dequantizeCoordinateMlp,
  // One renderer: exact binary64 arithmetic has no faster variant that gives the same pixels.
  rendererKernel: () => 'reference',
  renderer: (model, width, height) => createCoordinateMlpRenderer(model, width, height),
  bits: (_header, quantized) => ({ latentStep: 0, layers: layerBits(quantized.layers), levels: [] }),
  latentStep: () => null,
};
