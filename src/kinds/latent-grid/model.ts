/** A decoded model: real-valued latent grids and network layers, ready to render at any size. */
import { QuantizedModel } from '../../format/payload.js';
import { NnimgHeader } from '../../format/container.js';
import { exactPow2Fraction, scaleByPowerOfTwo } from '../../entropy/exact-math.js';
import { GridSize, gridSizes } from '../../format/geometry.js';
import { LayerShape } from '../../format/layers.js';
import { SynthesisModel, synthesisShapes } from '../../synthesis/network.js';

/** What the synthesis renders (src/synthesis/), for an image of width x height. */
export interface Model extends SynthesisModel {
  readonly kind: 'latent-grid';
  readonly width: number;
  readonly height: number;
}

/** Latent step index i means latent values are multiples of 2^((i - 32) / 8). */
export const UNIT_LATENT_STEP_INDEX = 32;

export function latentStep(stepIndex: number): number {
  return exactPow2Fraction(stepIndex - UNIT_LATENT_STEP_INDEX, 8);
}

export function modelShapes(header: NnimgHeader): { grids: GridSize[]; shapes: LayerShape[] } {
  return {
    grids: gridSizes(header.width, header.height, header.levels),
    shapes: synthesisShapes(header.levels, header.hidden, header.channels),
  };
}

export function dequantize(header: NnimgHeader, quantized: QuantizedModel): Model {
  const { grids, shapes } = modelShapes(header);
  const step = latentStep(quantized.latentStepIndex);
  const latents = quantized.grids.map((g) => scaleIntegers(g.values, step));
  const layers = shapes.map((shape, i) => ({
    shape,
    weights: dequantizeTensor(quantized.layers[i].weights.values, quantized.layers[i].weights.stepExponent),
    biases: dequantizeTensor(quantized.layers[i].biases.values, quantized.layers[i].biases.stepExponent),
  }));
  return { kind: 'latent-grid', width: header.width, height: header.height, channels: header.channels, grids, latents, layers };
}

function dequantizeTensor(values: Int32Array, stepExponent: number): Float32Array {
  return scaleIntegers(values, scaleByPowerOfTwo(1, -stepExponent));
}

/** values * step as float32; a plain loop, since Float32Array.from(values, fn) builds a list first. */
function scaleIntegers(values: Int32Array, step: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] * step;
  return out;
}
