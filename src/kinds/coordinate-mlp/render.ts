/**
 * Rendering a coordinate MLP (spec/nnimg.md section 14.3) at any output size. Bit-exact on every
 * engine: the whole forward pass is binary64 + - * / in a fixed order, and the sigmoid is built
 * on exactExp.
 */
import { exactExp } from '../../entropy/exact-math.js';
import { LayerShape } from '../../format/layers.js';
import type { Renderer } from '../../image/raster.js';
import { COORDINATE_INPUTS, CoordinateMlpLayer, CoordinateMlpModel } from './model.js';

/** Beyond +-SIGMOID_LIMIT the sigmoid is taken as exactly 0 or 1 (keeps exactExp's argument small). */
export const SIGMOID_LIMIT = 40;

/** The sigmoid of spec section 14.3, reproducible bit for bit. */
export function exactSigmoid(z: number): number {
  if (z < -SIGMOID_LIMIT) return 0;
  if (z > SIGMOID_LIMIT) return 1;
  return 1 / (1 + exactExp(-z));
}

/** Pixel centre `index` of `length` mapped to [-1, 1]: (2 * index + 1) / length - 1. */
export function pixelCoordinate(index: number, length: number): number {
  return (2 * index + 1) / length - 1;
}

/**
 * One pixel through the network with a given activation: `activations` holds the inputs at
 * [0, 2) and receives every layer's outputs after them; returns the offset of the last layer's.
 */
export function forwardPixel(
  layers: readonly CoordinateMlpLayer[],
  activations: Float64Array,
  activation: (z: number) => number,
): number {
  let input = 0;
  let output = COORDINATE_INPUTS;
  for (const { shape, weights, biases } of layers) {
    for (let o = 0; o < shape.outputs; o++) {
      let z = biases[o];
      const row = o * shape.inputs;
      for (let i = 0; i < shape.inputs; i++) z += weights[row + i] * activations[input + i];
      activations[output + o] = activation(z);
    }
    input = output;
    output += shape.outputs;
  }
  return input;
}

/** A sample from a sigmoid output in [0, 1]: floor(v * 255 + 0.5), which stays within 0..255. */
export function sampleOf(v: number): number {
  return Math.floor(v * 255 + 0.5);
}

export function activationCount(layers: readonly { shape: LayerShape }[]): number {
  return layers.reduce((n, l) => n + l.shape.outputs, COORDINATE_INPUTS);
}

/** Renders rows of any output size with `activation` (exactSigmoid when decoding). */
export function createCoordinateMlpRenderer(
  model: Pick<CoordinateMlpModel, 'layers' | 'channels'>,
  outWidth: number,
  outHeight: number,
  activation: (z: number) => number = exactSigmoid,
): Renderer {
  const activations = new Float64Array(activationCount(model.layers));
  const columns = Float64Array.from({ length: outWidth }, (_, x) => pixelCoordinate(x, outWidth));
  return {
    renderRows(rowStart, rowCount, out) {
      let o = 0;
      for (let r = 0; r < rowCount; r++) {
        const y = pixelCoordinate(rowStart + r, outHeight);
        for (let x = 0; x < outWidth; x++) {
          activations[0] = columns[x];
          activations[1] = y;
          const last = forwardPixel(model.layers, activations, activation);
          for (let c = 0; c < model.channels; c++) out[o++] = sampleOf(activations[last + c]);
        }
      }
    },
  };
}
