/**
 * Evaluates the model at pixel centres of an output of any size, a strip of rows at a time, so
 * memory stays bounded whatever the output size.
 */
import { AxisTaps, axisTaps } from './geometry.js';
import { Model } from './model.js';
import { OUTPUT_OFFSET } from './network.js';

export interface Renderer {
  /** Writes rows [rowStart, rowStart + rowCount) as 8-bit interleaved channels into out. */
  renderRows(rowStart: number, rowCount: number, out: Uint8Array): void;
}

export function createRenderer(model: Model, outWidth: number, outHeight: number): Renderer {
  const levels = model.grids.length;
  const columnTaps: AxisTaps[] = model.grids.map((g) => axisTaps(outWidth, g.width));
  const widest = Math.max(levels, ...model.layers.map((l) => l.shape.outputs));
  const inputs = new Float32Array(widest);
  const outputs = new Float32Array(widest);
  const channels = model.channels;
  const rowBase0 = new Int32Array(levels);
  const rowBase1 = new Int32Array(levels);
  const rowFrac = new Float32Array(levels);

  return {
    renderRows(rowStart, rowCount, out) {
      const rowTaps = model.grids.map((g) => axisTaps(outHeight, g.height, rowStart, rowCount));
      let o = 0;
      for (let r = 0; r < rowCount; r++) {
        for (let l = 0; l < levels; l++) {
          rowBase0[l] = rowTaps[l].first[r] * model.grids[l].width;
          rowBase1[l] = rowTaps[l].second[r] * model.grids[l].width;
          rowFrac[l] = rowTaps[l].frac[r];
        }
        for (let x = 0; x < outWidth; x++) {
          for (let l = 0; l < levels; l++) {
            const grid = model.latents[l];
            const taps = columnTaps[l];
            const c0 = taps.first[x];
            const c1 = taps.second[x];
            const fx = taps.frac[x];
            const top = grid[rowBase0[l] + c0] + fx * (grid[rowBase0[l] + c1] - grid[rowBase0[l] + c0]);
            const bottom = grid[rowBase1[l] + c0] + fx * (grid[rowBase1[l] + c1] - grid[rowBase1[l] + c0]);
            inputs[l] = top + rowFrac[l] * (bottom - top);
          }
          evaluateNetwork(model, inputs, outputs);
          for (let c = 0; c < channels; c++) {
            const v = (outputs[c] + OUTPUT_OFFSET) * 255;
            out[o++] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
          }
        }
      }
    },
  };
}

/** One forward pass; inputs is overwritten (it is the scratch for hidden activations). */
function evaluateNetwork(model: Model, inputs: Float32Array, outputs: Float32Array): void {
  const layers = model.layers;
  let current = inputs;
  let next = outputs;
  for (let k = 0; k < layers.length; k++) {
    const { weights, biases, shape } = layers[k];
    const last = k === layers.length - 1;
    for (let o = 0; o < shape.outputs; o++) {
      let acc = biases[o];
      const row = o * shape.inputs;
      for (let i = 0; i < shape.inputs; i++) acc += weights[row + i] * current[i];
      next[o] = last || acc > 0 ? acc : 0;
    }
    const swap = current;
    current = next;
    next = swap;
  }
  if (current !== outputs) outputs.set(current.subarray(0, model.channels));
}
