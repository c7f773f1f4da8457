/**
 * The decode render: upsamples the latent grids (upsampling.ts) and evaluates the network
 * (forward.ts) at the pixel centres of an output of any size, a strip of rows at a time, so
 * memory stays bounded whatever the output size. The WebAssembly variant is render-wasm.ts.
 */
import { AxisTaps, axisTaps } from './upsampling.js';
import { KernelName } from '../kernels/select.js';
import { generatedEvaluator, referenceEvaluator } from './forward.js';
import { OUTPUT_OFFSET, SynthesisModel } from './network.js';
import type { Renderer } from '../image/raster.js';
import { wasmRenderer } from './render-wasm.js';

/** A renderer using the given kernel; every kernel gives the same pixels. */
export function createRenderer(model: SynthesisModel, outWidth: number, outHeight: number, kernel: KernelName): Renderer {
  if (kernel === 'wasm') return wasmRenderer(model, outWidth, outHeight);
  const levels = model.grids.length;
  const columnTaps: AxisTaps[] = model.grids.map((g) => axisTaps(outWidth, g.width));
  const widest = Math.max(levels, ...model.layers.map((l) => l.shape.outputs));
  const inputs = new Float32Array(widest);
  const outputs = new Float32Array(widest);
  const channels = model.channels;
  // Each output row first blends the two grid rows it falls between, per level; every pixel
  // then needs only a horizontal interpolation within that blended row.
  const blendedRows = model.grids.map((g) => new Float32Array(g.width));
  const evaluate = kernel === 'generated' ? generatedEvaluator(model.layers) : referenceEvaluator(model.layers);

  return {
    renderRows(rowStart, rowCount, out) {
      const rowTaps = model.grids.map((g) => axisTaps(outHeight, g.height, rowStart, rowCount));
      let o = 0;
      for (let r = 0; r < rowCount; r++) {
        for (let l = 0; l < levels; l++) {
          const grid = model.latents[l];
          const gridWidth = model.grids[l].width;
          const upper = rowTaps[l].first[r] * gridWidth;
          const lower = rowTaps[l].second[r] * gridWidth;
          const fy = rowTaps[l].frac[r];
          const blended = blendedRows[l];
          for (let c = 0; c < gridWidth; c++) blended[c] = grid[upper + c] + fy * (grid[lower + c] - grid[upper + c]);
        }
        for (let x = 0; x < outWidth; x++) {
          for (let l = 0; l < levels; l++) {
            const blended = blendedRows[l];
            const taps = columnTaps[l];
            const left = blended[taps.first[x]];
            inputs[l] = left + taps.frac[x] * (blended[taps.second[x]] - left);
          }
          evaluate(inputs, outputs);
          for (let c = 0; c < channels; c++) {
            const v = (outputs[c] + OUTPUT_OFFSET) * 255;
            out[o++] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
          }
        }
      }
    },
  };
}
