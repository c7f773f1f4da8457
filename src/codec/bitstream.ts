/**
 * The payload: every quantized parameter of the model, range coded. Layout (spec/nnimg.md, "Payload"):
 * latent step index; per layer the weights then the biases, each as (step exponent, scale index,
 * values); then per latent grid, coarsest first, a used flag, its context scale indices and its
 * values in raster order under the context model.
 */
import { RangeDecoder, RangeEncoder } from '../entropy/range-coder.js';
import {
  SCALE_INDEX_BITS,
  decodeLaplace,
  encodeLaplace,
  laplaceCost,
  laplaceTable,
} from '../entropy/laplace.js';
import { CONTEXT_COUNT, latentContext } from '../entropy/latent-context.js';
import { GridSize } from '../model/geometry.js';
import { LayerShape } from '../model/network.js';

export const LATENT_STEP_BITS = 6;
export const STEP_EXPONENT_BITS = 4;

export interface QuantizedTensor {
  /** Values are multiples of 2^-stepExponent. */
  stepExponent: number;
  scaleIndex: number;
  values: Int32Array;
}

export interface QuantizedGrid {
  /** One Laplace scale index per context; null when every value of the grid is zero. */
  scaleIndices: number[] | null;
  values: Int32Array;
}

export interface QuantizedModel {
  /** Latent values are multiples of latentStep(latentStepIndex). */
  latentStepIndex: number;
  layers: { weights: QuantizedTensor; biases: QuantizedTensor }[];
  /** Index = level (0 = full resolution). */
  grids: QuantizedGrid[];
}

export function encodePayload(model: QuantizedModel, grids: readonly GridSize[]): Uint8Array {
  const encoder = new RangeEncoder();
  encoder.encodeBits(model.latentStepIndex, LATENT_STEP_BITS);
  for (const layer of model.layers) {
    encodeTensor(encoder, layer.weights);
    encodeTensor(encoder, layer.biases);
  }
  for (let level = grids.length - 1; level >= 0; level--) {
    encodeGrid(encoder, model.grids[level], grids[level]);
  }
  return encoder.finish();
}

export function encodeTensor(encoder: RangeEncoder, tensor: QuantizedTensor): void {
  encoder.encodeBits(tensor.stepExponent, STEP_EXPONENT_BITS);
  encoder.encodeBits(tensor.scaleIndex, SCALE_INDEX_BITS);
  const table = laplaceTable(tensor.scaleIndex);
  for (const v of tensor.values) encodeLaplace(encoder, v, table);
}

function encodeGrid(encoder: RangeEncoder, grid: QuantizedGrid, size: GridSize): void {
  encoder.encodeBits(grid.scaleIndices ? 1 : 0, 1);
  if (!grid.scaleIndices) return;
  for (const s of grid.scaleIndices) encoder.encodeBits(s, SCALE_INDEX_BITS);
  const tables = grid.scaleIndices.map(laplaceTable);
  const values = grid.values;
  for (let y = 0; y < size.height; y++) {
    for (let x = 0; x < size.width; x++) {
      encodeLaplace(encoder, values[y * size.width + x], tables[latentContext(values, size.width, x, y)]);
    }
  }
}

/** Bits the tensor's values take under a scale index (the encoder's choice of scale). */
export function tensorValueBits(values: Int32Array, scaleIndex: number): number {
  const table = laplaceTable(scaleIndex);
  let bits = 0;
  for (const v of values) bits += laplaceCost(v, table);
  return bits;
}

export function decodePayload(
  payload: Uint8Array,
  shapes: readonly LayerShape[],
  grids: readonly GridSize[],
): QuantizedModel {
  const decoder = new RangeDecoder(payload);
  const latentStepIndex = decoder.decodeBits(LATENT_STEP_BITS);
  const layers = shapes.map((shape) => ({
    weights: decodeTensor(decoder, shape.inputs * shape.outputs),
    biases: decodeTensor(decoder, shape.outputs),
  }));
  const decodedGrids: QuantizedGrid[] = new Array(grids.length);
  for (let level = grids.length - 1; level >= 0; level--) decodedGrids[level] = decodeGrid(decoder, grids[level]);
  return { latentStepIndex, layers, grids: decodedGrids };
}

export class PayloadError extends Error {}

export function decodeTensor(decoder: RangeDecoder, count: number): QuantizedTensor {
  const stepExponent = decoder.decodeBits(STEP_EXPONENT_BITS);
  const scaleIndex = decoder.decodeBits(SCALE_INDEX_BITS);
  const table = laplaceTable(scaleIndex);
  const values = new Int32Array(count);
  for (let i = 0; i < count; i++) values[i] = decodeLaplace(decoder, table);
  return { stepExponent, scaleIndex, values };
}

function decodeGrid(decoder: RangeDecoder, size: GridSize): QuantizedGrid {
  const values = new Int32Array(size.width * size.height);
  if (decoder.decodeBits(1) === 0) return { scaleIndices: null, values };
  const scaleIndices: number[] = [];
  for (let c = 0; c < CONTEXT_COUNT; c++) scaleIndices.push(decoder.decodeBits(SCALE_INDEX_BITS));
  const tables = scaleIndices.map(laplaceTable);
  for (let y = 0; y < size.height; y++) {
    for (let x = 0; x < size.width; x++) {
      values[y * size.width + x] = decodeLaplace(decoder, tables[latentContext(values, size.width, x, y)]);
    }
  }
  return { scaleIndices, values };
}
