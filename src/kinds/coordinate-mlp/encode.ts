/** Writing a coordinate MLP's payload (spec section 14): its tensors in layer order. */
import { RangeEncoder } from '../../entropy/range-coder.js';
import { encodeTensor } from '../../format/payload.js';
import type { QuantizedCoordinateMlp } from './model.js';

export function encodeCoordinateMlpPayload(model: QuantizedCoordinateMlp): Uint8Array {
  const encoder = new RangeEncoder();
  for (const layer of model.layers) {
    encodeTensor(encoder, layer.weights);
    encodeTensor(encoder, layer.biases);
  }
  return encoder.finish();
}
