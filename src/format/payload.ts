/**
 * The payload: every quantized parameter of the model, range coded. Layout (spec/nnimg.md, "Payload"):
 * latent step index; per layer the weights then the biases, each as (step exponent, scale index,
 * values); then per latent grid, coarsest first, a used flag, the grid's entropy parameters and
 * its values in raster order, both as the latent entropy model of the format version codes them
 * (src/entropy/linear-context-model.ts).
 */
import { FORMAT_VERSION } from './container.js';
import { RangeDecoder, RangeEncoder } from '../entropy/range-coder.js';
import { SCALE_INDEX_BITS, decodeLaplace, encodeLaplace, laplaceCost, laplaceTable } from '../entropy/laplace.js';
import { LatentCoding, LatentGrid, decodeGridValues, encodeGridValues, gridValueBits as latentGridValueBits } from '../entropy/latent-model.js';
import { LinearContextCoding, LinearGridParameters } from '../entropy/linear-context-model.js';
import { GridSize } from './geometry.js';
import { LayerShape } from './layers.js';

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
  /** The prediction coefficients (linear-context-model.ts) in sixteenths; null when the grid is unused. */
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

/** The coding of the latent entropy model of versions 2 and 1 (which had no prediction coefficients). */
const PREDICTED_LATENTS = new LinearContextCoding(true);
const UNPREDICTED_LATENTS = new LinearContextCoding(false);

function latentCoding(version: number): LatentCoding<LinearGridParameters> {
  return version >= 2 ? PREDICTED_LATENTS : UNPREDICTED_LATENTS;
}

/** A used grid's entropy parameters; null for an unused grid. */
function gridParameters({ scaleIndices, coefficients }: QuantizedGrid): LinearGridParameters | null {
  return scaleIndices && coefficients ? { coefficients, scaleIndices } : null;
}

/** The grids' values with their sizes, as the entropy model sees them. */
function latentGrids(grids: readonly QuantizedGrid[], sizes: readonly GridSize[]): LatentGrid[] {
  return sizes.map(({ width, height }, level) => ({ width, height, values: grids[level].values }));
}

export function encodePayload(model: QuantizedModel, grids: readonly GridSize[]): Uint8Array {
  const encoder = new RangeEncoder();
  encoder.encodeBits(model.latentStepIndex, LATENT_STEP_BITS);
  for (const layer of model.layers) {
    encodeTensor(encoder, layer.weights);
    encodeTensor(encoder, layer.biases);
  }
  const entropy = latentCoding(FORMAT_VERSION);
  const latents = latentGrids(model.grids, grids);
  for (let level = grids.length - 1; level >= 0; level--) {
    const parameters = gridParameters(model.grids[level]);
    encoder.encodeBits(parameters ? 1 : 0, 1);
    if (!parameters) continue;
    entropy.writeGridParameters(encoder, parameters);
    encodeGridValues(entropy, encoder, latents, level, parameters);
  }
  return encoder.finish();
}

export function encodeTensor(encoder: RangeEncoder, tensor: QuantizedTensor): void {
  encoder.encodeBits(tensor.stepExponent, STEP_EXPONENT_BITS);
  encoder.encodeBits(tensor.scaleIndex, SCALE_INDEX_BITS);
  const table = laplaceTable(tensor.scaleIndex);
  for (const v of tensor.values) encodeLaplace(encoder, v, table);
}

/** Bits of a grid's fields before its values: the used flag and its entropy parameters. */
export function gridSideBits(grid: QuantizedGrid, version = FORMAT_VERSION): number {
  const parameters = gridParameters(grid);
  return 1 + (parameters ? latentCoding(version).gridParameterBits(parameters) : 0);
}

/** Bits the grid's values take under its own entropy parameters (0 for an unused grid). */
export function gridValueBits(grid: QuantizedGrid, size: GridSize, version = FORMAT_VERSION): number {
  const parameters = gridParameters(grid);
  if (!parameters) return 0;
  return latentGridValueBits(latentCoding(version), [{ width: size.width, height: size.height, values: grid.values }], 0, parameters);
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
/**
 * A decoder of grid values equal to decodeGridValues (the kernels' WebAssembly one), made for a
 * payload and the largest grid's size; the caller chooses it, so that the format needs no kernel.
 */
export type GridValuesDecoderFactory = (payload: Uint8Array, largestGrid: number) => {
  decode(decoder: RangeDecoder, grid: LatentGrid, parameters: LinearGridParameters): void;
};

export function decodePayload(
  payload: Uint8Array,
  shapes: readonly LayerShape[],
  grids: readonly GridSize[],
  version = FORMAT_VERSION,
  fastGridValues?: GridValuesDecoderFactory,
): QuantizedModel {
  const decoder = new RangeDecoder(payload);
  const latentStepIndex = decoder.decodeBits(LATENT_STEP_BITS);
  const layers = shapes.map((shape) => ({
    weights: decodeTensor(decoder, shape.inputs * shape.outputs),
    biases: decodeTensor(decoder, shape.outputs),
  }));
  const entropy = latentCoding(version);
  const latents = grids.map(({ width, height }) => ({ width, height, values: new Int32Array(width * height) }));
  // The grids' values in WebAssembly where the kernels are (the same values; no warm-up).
  let fast: ReturnType<GridValuesDecoderFactory> | undefined;
  const decodedGrids: QuantizedGrid[] = new Array(grids.length);
  for (let level = grids.length - 1; level >= 0; level--) {
    const { values } = latents[level];
    if (decoder.decodeBits(1) === 0) {
      decodedGrids[level] = { scaleIndices: null, coefficients: null, values };
      continue;
    }
    const { coefficients, scaleIndices } = entropy.readGridParameters(decoder);
    if (fastGridValues) {
      fast ??= fastGridValues(payload, Math.max(...latents.map((grid) => grid.values.length)));
      fast.decode(decoder, latents[level], { coefficients, scaleIndices });
    } else {
      decodeGridValues(entropy, decoder, latents, level, { coefficients, scaleIndices });
    }
    decodedGrids[level] = { scaleIndices, coefficients, values };
  }
  return { latentStepIndex, layers, grids: decodedGrids };
}

export function decodeTensor(decoder: RangeDecoder, count: number): QuantizedTensor {
  const stepExponent = decoder.decodeBits(STEP_EXPONENT_BITS);
  const scaleIndex = decoder.decodeBits(SCALE_INDEX_BITS);
  const table = laplaceTable(scaleIndex);
  const values = new Int32Array(count);
  for (let i = 0; i < count; i++) values[i] = decodeLaplace(decoder, table);
  return { stepExponent, scaleIndex, values };
}
