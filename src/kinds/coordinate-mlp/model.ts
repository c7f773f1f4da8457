/**
 * The coordinate-MLP model (spec/nnimg.md section 14): a plain MLP from a pixel's position
 * (x, y in [-1, 1]) through sigmoid hidden layers to sigmoid colour outputs, as in the blog post
 * nnimg grew out of. No latent grids: the payload is the network's tensors alone. Writing the
 * payload: encode.ts; rendering: render.ts.
 */
import { QuantizedTensor, decodeTensor } from '../../format/payload.js';
import { NnimgHeader } from '../../format/container.js';
import { scaleByPowerOfTwo } from '../../entropy/exact-math.js';
import { RangeDecoder } from '../../entropy/range-coder.js';
import { LayerShape, layerShapes } from '../../format/layers.js';

/** The network's two inputs: the pixel centre's x and y. */
export const COORDINATE_INPUTS = 2;

export interface CoordinateMlpLayer {
  readonly shape: LayerShape;
  /** outputs x inputs, row-major; binary64 so that dequantized values are exact. */
  readonly weights: Float64Array;
  readonly biases: Float64Array;
}

export interface CoordinateMlpModel {
  readonly kind: 'coordinate-mlp';
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly layers: readonly CoordinateMlpLayer[];
}

export interface QuantizedCoordinateMlp {
  layers: { weights: QuantizedTensor; biases: QuantizedTensor }[];
}

/** 2 -> hidden... -> channels. */
export function coordinateMlpShapes(hidden: readonly number[], channels: number): LayerShape[] {
  return layerShapes(COORDINATE_INPUTS, hidden, channels);
}

export function decodeCoordinateMlpPayload(payload: Uint8Array, shapes: readonly LayerShape[]): QuantizedCoordinateMlp {
  const decoder = new RangeDecoder(payload);
  return {
    layers: shapes.map((shape) => ({
      weights: decodeTensor(decoder, shape.inputs * shape.outputs),
      biases: decodeTensor(decoder, shape.outputs),
    })),
  };
}

export function dequantizeCoordinateMlp(header: NnimgHeader, quantized: QuantizedCoordinateMlp): CoordinateMlpModel {
  const shapes = coordinateMlpShapes(header.hidden, header.channels);
  const exact = (tensor: QuantizedTensor) => {
    const step = scaleByPowerOfTwo(1, -tensor.stepExponent);
    return Float64Array.from(tensor.values, (v) => v * step);
  };
  return {
    kind: 'coordinate-mlp',
    width: header.width,
    height: header.height,
    channels: header.channels,
    layers: shapes.map((shape, k) => ({ shape, weights: exact(quantized.layers[k].weights), biases: exact(quantized.layers[k].biases) })),
  };
}
