/**
 * The payload: every quantized parameter of the model, range coded. Layout (spec/nnimg.md, "Payload"):
 * latent step index; per layer the weights then the biases, each as (step exponent, scale index,
 * values); then per latent grid, coarsest first, a used flag, its prediction coefficients, its
 * context scale indices and its values in raster order, each under a Laplace centred on its prediction.
 */
import { FORMAT_VERSION } from './container.js';
import { RangeDecoder, RangeEncoder } from '../entropy/range-coder.js';
import {
  SCALE_INDEX_BITS,
  decodeLaplace,
  encodeLaplace,
  LaplaceTable,
  laplaceCost,
  laplaceTable,
} from '../entropy/laplace.js';
import { CONTEXT_COUNT, latentContext } from '../entropy/latent-context.js';
import {
  COEFFICIENT_BITS,
  MAX_LATENT_MAGNITUDE,
  MIN_COEFFICIENT,
  PREDICTION_TAPS,
  meanCentre,
  meanOffset,
  predictedMean,
} from '../entropy/latent-prediction.js';
import { GridSize } from './geometry.js';
import { LayerShape } from './network.js';

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
  /** The prediction coefficients (latent-prediction.ts) in sixteenths; null when the grid is unused. */
  coefficients: number[] | null;
  values: Int32Array;
}

/** A grid whose values are all zero: only its "unused" flag is coded. */
export function unusedGrid(cellCount: number): QuantizedGrid {
  return { scaleIndices: null, coefficients: null, values: new Int32Array(cellCount) };
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
  const { scaleIndices, coefficients, values } = grid;
  encoder.encodeBits(scaleIndices && coefficients ? 1 : 0, 1);
  if (!scaleIndices || !coefficients) return;
  for (const c of coefficients) encoder.encodeBits(c - MIN_COEFFICIENT, COEFFICIENT_BITS);
  for (const s of scaleIndices) encoder.encodeBits(s, SCALE_INDEX_BITS);
  const cell: CellCoding = { centre: 0, table: laplaceTable(0) };
  for (let y = 0; y < size.height; y++) {
    for (let x = 0; x < size.width; x++) {
      codingOfCell(values, size.width, x, y, scaleIndices, coefficients, cell);
      encodeLaplace(encoder, values[y * size.width + x] - cell.centre, cell.table);
    }
  }
}

interface CellCoding {
  /** The value is coded as its difference from this integer... */
  centre: number;
  /** ...under this table. */
  table: LaplaceTable;
}

/** How cell (x, y) is coded, from the values before it: spec/nnimg.md, 6.2 and 6.3. */
function codingOfCell(
  values: Int32Array,
  width: number,
  x: number,
  y: number,
  scaleIndices: readonly number[],
  coefficients: readonly number[],
  out: CellCoding,
): void {
  const mean = predictedMean(values, width, x, y, coefficients);
  out.centre = meanCentre(mean);
  out.table = laplaceTable(scaleIndices[latentContext(values, width, x, y)], meanOffset(mean, out.centre));
}

/** Whether files of a format version carry prediction coefficients (version 1 did not). */
function hasLatentPrediction(version: number): boolean {
  return version >= 2;
}

/** Bits of a grid's fields before its values: the used flag, coefficients, scale indices. */
export function gridSideBits(grid: QuantizedGrid, version = FORMAT_VERSION): number {
  if (!grid.scaleIndices) return 1;
  return 1 + (hasLatentPrediction(version) ? PREDICTION_TAPS * COEFFICIENT_BITS : 0) + CONTEXT_COUNT * SCALE_INDEX_BITS;
}

/** Bits the grid's values take under its own entropy model (0 for an unused grid). */
export function gridValueBits(grid: QuantizedGrid, size: GridSize): number {
  const { scaleIndices, coefficients, values } = grid;
  if (!scaleIndices || !coefficients) return 0;
  const cell: CellCoding = { centre: 0, table: laplaceTable(0) };
  let bits = 0;
  for (let y = 0; y < size.height; y++) {
    for (let x = 0; x < size.width; x++) {
      codingOfCell(values, size.width, x, y, scaleIndices, coefficients, cell);
      bits += laplaceCost(values[y * size.width + x] - cell.centre, cell.table);
    }
  }
  return bits;
}

/** Bits the tensor's values take under a scale index (the encoder's choice of scale). */
export function tensorValueBits(values: Int32Array, scaleIndex: number): number {
  const table = laplaceTable(scaleIndex);
  let bits = 0;
  for (const v of values) bits += laplaceCost(v, table);
  return bits;
}

/** The values' bits of a quantized tensor under its own scale. */
export function tensorBits(tensor: QuantizedTensor): number {
  return tensorValueBits(tensor.values, tensor.scaleIndex);
}

/** Decodes a payload of format version `version` (1: no prediction coefficients, all taken as 0). */
export function decodePayload(
  payload: Uint8Array,
  shapes: readonly LayerShape[],
  grids: readonly GridSize[],
  version = FORMAT_VERSION,
): QuantizedModel {
  const decoder = new RangeDecoder(payload);
  const latentStepIndex = decoder.decodeBits(LATENT_STEP_BITS);
  const layers = shapes.map((shape) => ({
    weights: decodeTensor(decoder, shape.inputs * shape.outputs),
    biases: decodeTensor(decoder, shape.outputs),
  }));
  const decodedGrids: QuantizedGrid[] = new Array(grids.length);
  const predicted = hasLatentPrediction(version);
  for (let level = grids.length - 1; level >= 0; level--) decodedGrids[level] = decodeGrid(decoder, grids[level], predicted);
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

function decodeGrid(decoder: RangeDecoder, size: GridSize, predicted: boolean): QuantizedGrid {
  const cellCount = size.width * size.height;
  if (decoder.decodeBits(1) === 0) return unusedGrid(cellCount);
  const values = new Int32Array(cellCount);
  const coefficients: number[] = [];
  for (let k = 0; k < PREDICTION_TAPS; k++) coefficients.push(predicted ? decoder.decodeBits(COEFFICIENT_BITS) + MIN_COEFFICIENT : 0);
  const scaleIndices: number[] = [];
  for (let c = 0; c < CONTEXT_COUNT; c++) scaleIndices.push(decoder.decodeBits(SCALE_INDEX_BITS));
  const cell: CellCoding = { centre: 0, table: laplaceTable(0) };
  for (let y = 0; y < size.height; y++) {
    for (let x = 0; x < size.width; x++) {
      codingOfCell(values, size.width, x, y, scaleIndices, coefficients, cell);
      const value = cell.centre + decodeLaplace(decoder, cell.table);
      if (!(Math.abs(value) <= MAX_LATENT_MAGNITUDE)) throw new PayloadError(`latent value ${value} out of range`);
      values[y * size.width + x] = value;
    }
  }
  return { scaleIndices, coefficients, values };
}
