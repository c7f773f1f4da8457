/**
 * The decoder's row render in WebAssembly SIMD (assembly/synthesis.ts): the same pixels as the
 * plain renderer with the reference evaluator (render.ts). This side lays the model out in the
 * instance's memory once, then writes each row's vertical taps and copies its pixels out.
 */
import { instantiateKernels, MemoryPlan } from '../kernels/wasm-module.js';
import { axisTaps } from './upsampling.js';
import { MAX_ACTIVATION, SynthesisModel } from './network.js';
import type { Renderer } from '../image/raster.js';
import { SynthesisSlot as Slot } from '../kernels/wasm-layout.js';

const LANES = 4;
/** Bytes of one unit's activations: four pixels in float64. */
const UNIT_BYTES = LANES * 8;

function padded(n: number): number {
  return Math.ceil(n / LANES) * LANES;
}

/**
 * Whether every hidden unit's sum stays below `limit` in magnitude on any input, from the largest
 * latent and the weights (false where any is infinite or NaN). Each sum is at most |bias| + the
 * sum of |weight| x the largest input; the renderer's sums, rounded, exceed that by some 2^-50 of
 * it at most, and inputs (interpolated latents) do not exceed the largest latent.
 */
export function sumsBelow(limit: number, model: SynthesisModel, largestLatent = largestMagnitude(model.latents)): boolean {
  let largest = largestLatent;
  for (const { shape, weights, biases } of model.layers.slice(0, -1)) {
    let layerLargest = 0;
    for (let o = 0; o < shape.outputs; o++) {
      let sum = Math.abs(biases[o]);
      for (let i = 0; i < shape.inputs; i++) sum += Math.abs(weights[o * shape.inputs + i]) * largest;
      layerLargest = Math.max(layerLargest, sum);
    }
    if (!(layerLargest < limit)) return false;
    largest = layerLargest;
  }
  return true;
}

/** The largest magnitude of the latents (NaN if one is NaN): the plain reference of the kernel's largestMagnitude. */
export function largestMagnitude(latents: readonly Float32Array[]): number {
  let largest = 0;
  for (const grid of latents) for (let i = 0; i < grid.length; i++) largest = Math.max(largest, Math.abs(grid[i]));
  return largest;
}

export function wasmRenderer(model: SynthesisModel, outWidth: number, outHeight: number): Renderer {
  const kernels = instantiateKernels();
  const { channels, grids, layers } = model;
  const levels = grids.length;
  const widths = [levels, ...layers.map((l) => l.shape.outputs)];
  const paddedWidth = padded(outWidth);
  const gridStarts = [0];
  for (const g of grids) gridStarts.push(gridStarts[gridStarts.length - 1] + g.width * g.height);
  // Each level's blended row: a pair per cell (its value and the next one's minus it), and one
  // more past the end (assembly/synthesis.ts).
  const blendedStarts = [0];
  for (const g of grids) blendedStarts.push(blendedStarts[blendedStarts.length - 1] + g.width + 1);
  const weightCount = layers.reduce((n, l) => n + padded(l.shape.outputs) * l.shape.inputs, 0);
  const biasCount = layers.reduce((n, l) => n + padded(l.shape.outputs), 0);
  const widestUnits = Math.max(...widths.map(padded));
  // A megabyte of pixels at a call (a strip of decode.ts renderStrips), at least a row.
  const stride = outWidth * channels;
  const rowsAtOnce = Math.max(1, Math.floor(2 ** 20 / stride));

  const plan = new MemoryPlan(kernels);
  const tableLength = Slot.Widths + widths.length;
  const table = plan.reserve(tableLength * 4);
  const at = new Int32Array(tableLength);
  at[Slot.Latents] = plan.reserve(gridStarts[levels] * 4);
  at[Slot.GridWidths] = plan.reserve(levels * 4);
  at[Slot.RowUpper] = plan.reserve(levels * rowsAtOnce * 4);
  at[Slot.RowLower] = plan.reserve(levels * rowsAtOnce * 4);
  at[Slot.RowFrac] = plan.reserve(levels * rowsAtOnce * 4);
  at[Slot.Blended] = plan.reserve(blendedStarts[levels] * 16);
  at[Slot.ColumnLeft] = plan.reserve(levels * paddedWidth * 4);
  at[Slot.ColumnFrac] = plan.reserve(levels * paddedWidth * 8);
  at[Slot.Weights] = plan.reserve(weightCount * 8);
  at[Slot.Biases] = plan.reserve(biasCount * 8);
  at[Slot.LayerInputs] = plan.reserve(widestUnits * UNIT_BYTES);
  at[Slot.LayerOutputs] = plan.reserve(widestUnits * UNIT_BYTES);
  at[Slot.Pixels] = plan.reserve(rowsAtOnce * stride + 16);
  at[Slot.ActiveLevels] = plan.reserve(levels * 4);
  at[Slot.InputColumns] = plan.reserve(levels * 4);
  const paddedHidden = padded(widths[1]);
  at[Slot.SegmentLevels] = plan.reserve(levels * 4);
  at[Slot.InputRanges] = plan.reserve(levels * 16);
  at[Slot.LiveWeights] = plan.reserve(paddedHidden * levels * 8);
  at[Slot.LiveBiases] = plan.reserve(paddedHidden * 8);
  at[Slot.LiveOutWeights] = plan.reserve(paddedHidden * 32);
  const buffer = plan.commit();
  at[Slot.OutWidth] = outWidth;
  at[Slot.Channels] = channels;
  at[Slot.Levels] = levels;
  at[Slot.LayerCount] = layers.length;
  at[Slot.RowsAtOnce] = rowsAtOnce;
  // Zero inputs and hidden units that stay 0 are skipped unless a weight is infinite or NaN
  // (which no file holds), whose product with a zero is NaN (assembly/synthesis.ts renderRow).
  at[Slot.SkipZeros] = layers.every((layer) => layer.weights.every(Number.isFinite)) ? 1 : 0;
  at.set(widths, Slot.Widths);
  new Int32Array(buffer, table, tableLength).set(at);

  const latents = new Float32Array(buffer, at[Slot.Latents], gridStarts[levels]);
  model.latents.forEach((grid, l) => latents.set(grid, gridStarts[l]));
  // The largest latent from the kernel (a JavaScript loop over half a million latents took
  // some 20 ms in a fresh process, before it was optimised).
  const largestLatent = kernels.largestMagnitude(at[Slot.Latents], gridStarts[levels]);
  new Int32Array(buffer, table + Slot.Unclamped * 4, 1)[0] = sumsBelow(MAX_ACTIVATION / 2, model, largestLatent) ? 1 : 0;
  new Int32Array(buffer, at[Slot.GridWidths], levels).set(grids.map((g) => g.width));
  // Columns past the row's end repeat its last column; their pixels are not written. The kernel
  // reads each tap's two cells as one pair from its first (a tap's second cell is its first + 1,
  // or its first at the row's end, where the pair holds a difference of 0).
  const columnLeft = new Int32Array(buffer, at[Slot.ColumnLeft], levels * paddedWidth);
  const columnFrac = new Float64Array(buffer, at[Slot.ColumnFrac], levels * paddedWidth);
  for (let l = 0; l < levels; l++) {
    const { first, frac } = axisTaps(outWidth, grids[l].width);
    const row = l * paddedWidth;
    const start = blendedStarts[l];
    for (let x = 0; x < outWidth; x++) columnLeft[row + x] = start + first[x];
    columnLeft.fill(columnLeft[row + outWidth - 1], row + outWidth, row + paddedWidth);
    columnFrac.set(frac, row); // float32 to float64: exact
    columnFrac.fill(columnFrac[row + outWidth - 1], row + outWidth, row + paddedWidth);
  }
  // Weights as float64 (exact), in blocks of four output units padded with zeros: a block's four
  // weights of one input side by side (the layout in wasm-layout.ts).
  const weights = new Float64Array(buffer, at[Slot.Weights], weightCount);
  const biases = new Float64Array(buffer, at[Slot.Biases], biasCount);
  let weightStart = 0;
  let biasStart = 0;
  for (const { shape, weights: layerWeights, biases: layerBiases } of layers) {
    for (let o = 0; o < shape.outputs; o++) {
      const block = weightStart + (o >> 2) * 4 * shape.inputs;
      for (let i = 0; i < shape.inputs; i++) weights[block + i * 4 + (o & 3)] = layerWeights[o * shape.inputs + i];
    }
    biases.set(layerBiases, biasStart);
    weightStart += padded(shape.outputs) * shape.inputs;
    biasStart += padded(shape.outputs);
  }

  const rowUpper = new Int32Array(buffer, at[Slot.RowUpper], levels * rowsAtOnce);
  const rowLower = new Int32Array(buffer, at[Slot.RowLower], levels * rowsAtOnce);
  const rowFrac = new Float32Array(buffer, at[Slot.RowFrac], levels * rowsAtOnce);
  const pixels = new Uint8Array(buffer, at[Slot.Pixels], rowsAtOnce * stride);
  return {
    renderRows(rowStart, rowCount, out) {
      for (let done = 0; done < rowCount; done += rowsAtOnce) {
        const rows = Math.min(rowsAtOnce, rowCount - done);
        for (let l = 0; l < levels; l++) {
          const taps = axisTaps(outHeight, grids[l].height, rowStart + done, rows);
          const gridWidth = grids[l].width;
          for (let r = 0; r < rows; r++) {
            rowUpper[l * rowsAtOnce + r] = gridStarts[l] + taps.first[r] * gridWidth;
            rowLower[l * rowsAtOnce + r] = gridStarts[l] + taps.second[r] * gridWidth;
          }
          rowFrac.set(taps.frac, l * rowsAtOnce);
        }
        kernels.renderRows(table, rows);
        out.set(rows === rowsAtOnce ? pixels : pixels.subarray(0, rows * stride), done * stride);
      }
    },
  };
}
