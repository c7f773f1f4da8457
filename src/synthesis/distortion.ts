/**
 * The training hot loop: for every pixel, sample the latent grids, run the MLP forward, and
 * back-propagate the squared error into the weights, biases and latent grids.
 * Plain typed arrays and locals only; no allocation per pixel. This is the reference; the fast
 * variants (distortion-generated.ts, distortion-wasm.ts) are held against it by the tests, and
 * distortion-kernel.ts picks one by name.
 */
import { AxisTaps } from './upsampling.js';
import { OUTPUT_OFFSET } from './network.js';

export interface DistortionPass {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly target: Float32Array;
  /** Widths of every layer: latent levels, hidden..., channels. */
  readonly widths: Int32Array;
  /** All levels' grids concatenated; gridOffsets[l] is where level l starts. */
  readonly latents: Float32Array;
  readonly latentGrad: Float64Array;
  readonly gridOffsets: Int32Array;
  readonly gridWidths: Int32Array;
  readonly columnTaps: readonly AxisTaps[];
  readonly rowTaps: readonly AxisTaps[];
  readonly weights: Float32Array;
  readonly biases: Float32Array;
  readonly weightGrad: Float64Array;
  readonly biasGrad: Float64Array;
  /** Rows to visit this pass (all rows, or a subsample). */
  readonly rows: Int32Array;
}

/** Returns the sum of squared errors over the visited pixels; gradients are of (sum / sampleCount). */
export type DistortionKernel = (pass: DistortionPass, sampleCount: number) => number;

/** Every level's column taps side by side: entry l * width + x is level l at column x. */
export function columnTapTables(pass: DistortionPass): { col0: Int32Array; col1: Int32Array; colFrac: Float32Array } {
  const { width } = pass;
  const levels = pass.columnTaps.length;
  const col0 = new Int32Array(levels * width);
  const col1 = new Int32Array(levels * width);
  const colFrac = new Float32Array(levels * width);
  for (let l = 0; l < levels; l++) {
    col0.set(pass.columnTaps[l].first, l * width);
    col1.set(pass.columnTaps[l].second, l * width);
    colFrac.set(pass.columnTaps[l].frac, l * width);
  }
  return { col0, col1, colFrac };
}

/**
 * The stretch of each level's grid a pass over `pass.rows` reads and writes, as [start, end) pairs
 * of indices into the concatenated latents: whole grid rows between the rows' outermost taps.
 */
export function touchedLatentRanges(pass: DistortionPass): Int32Array {
  const { rows, gridOffsets, gridWidths, rowTaps } = pass;
  let top = Infinity;
  let bottom = -Infinity;
  for (let r = 0; r < rows.length; r++) {
    top = Math.min(top, rows[r]);
    bottom = Math.max(bottom, rows[r]);
  }
  const ranges = new Int32Array(2 * rowTaps.length);
  if (rows.length === 0) return ranges;
  // Taps never decrease down the image, so the outermost rows bound every row's taps.
  for (let l = 0; l < rowTaps.length; l++) {
    ranges[2 * l] = gridOffsets[l] + rowTaps[l].first[top] * gridWidths[l];
    ranges[2 * l + 1] = gridOffsets[l] + (rowTaps[l].second[bottom] + 1) * gridWidths[l];
  }
  return ranges;
}

/** The reference kernel: plain loops over any network shape. */
export const runDistortionPass: DistortionKernel = (pass, sampleCount) => {
  const { width, channels, target, widths, latents, latentGrad, gridOffsets, gridWidths, weights, biases, weightGrad, biasGrad, rows } = pass;
  const levels = widths[0];
  const layerCount = widths.length - 1;
  const inputOffsets = new Int32Array(layerCount);
  const outputOffsets = new Int32Array(layerCount);
  const weightOffsets = new Int32Array(layerCount);
  const biasOffsets = new Int32Array(layerCount);
  let activations = levels;
  let weightCount = 0;
  let biasCount = 0;
  for (let k = 0; k < layerCount; k++) {
    inputOffsets[k] = k === 0 ? 0 : outputOffsets[k - 1];
    outputOffsets[k] = activations;
    weightOffsets[k] = weightCount;
    biasOffsets[k] = biasCount;
    activations += widths[k + 1];
    weightCount += widths[k] * widths[k + 1];
    biasCount += widths[k + 1];
  }
  const act = new Float32Array(activations);
  const delta = new Float32Array(activations);
  const outputOffset = outputOffsets[layerCount - 1];
  const gradientScale = 2 / sampleCount;
  const { col0, col1, colFrac } = columnTapTables(pass);
  const row0 = new Int32Array(levels);
  const row1 = new Int32Array(levels);
  const rowFrac = new Float32Array(levels);
  let squaredError = 0;

  for (let r = 0; r < rows.length; r++) {
    const y = rows[r];
    for (let l = 0; l < levels; l++) {
      row0[l] = gridOffsets[l] + pass.rowTaps[l].first[y] * gridWidths[l];
      row1[l] = gridOffsets[l] + pass.rowTaps[l].second[y] * gridWidths[l];
      rowFrac[l] = pass.rowTaps[l].frac[y];
    }
    let pixel = y * width * channels;
    for (let x = 0; x < width; x++) {
      for (let l = 0; l < levels; l++) {
        const t = l * width + x;
        const c0 = col0[t];
        const c1 = col1[t];
        const fx = colFrac[t];
        const a0 = latents[row0[l] + c0];
        const a1 = latents[row0[l] + c1];
        const b0 = latents[row1[l] + c0];
        const b1 = latents[row1[l] + c1];
        const top = a0 + fx * (a1 - a0);
        act[l] = top + rowFrac[l] * (b0 + fx * (b1 - b0) - top);
      }
      for (let k = 0; k < layerCount; k++) {
        const inputs = widths[k];
        const outputs = widths[k + 1];
        const ai = inputOffsets[k];
        const ao = outputOffsets[k];
        const relu = k < layerCount - 1;
        let w = weightOffsets[k];
        const b = biasOffsets[k];
        for (let o = 0; o < outputs; o++) {
          let acc = biases[b + o];
          for (let i = 0; i < inputs; i++) acc += weights[w++] * act[ai + i];
          act[ao + o] = relu && acc < 0 ? 0 : acc;
        }
      }
      for (let c = 0; c < channels; c++) {
        const d = act[outputOffset + c] + OUTPUT_OFFSET - target[pixel++];
        squaredError += d * d;
        delta[outputOffset + c] = d * gradientScale;
      }
      for (let k = layerCount - 1; k >= 0; k--) {
        const inputs = widths[k];
        const outputs = widths[k + 1];
        const ai = inputOffsets[k];
        const ao = outputOffsets[k];
        const hiddenInputs = k > 0;
        for (let i = 0; i < inputs; i++) delta[ai + i] = 0;
        let w = weightOffsets[k];
        const b = biasOffsets[k];
        for (let o = 0; o < outputs; o++) {
          const d = delta[ao + o];
          if (d === 0) {
            w += inputs;
            continue;
          }
          biasGrad[b + o] += d;
          for (let i = 0; i < inputs; i++) {
            weightGrad[w] += d * act[ai + i];
            delta[ai + i] += d * weights[w++];
          }
        }
        // A hidden unit passes gradient only where its ReLU was active.
        if (hiddenInputs) for (let i = 0; i < inputs; i++) if (act[ai + i] === 0) delta[ai + i] = 0;
      }
      for (let l = 0; l < levels; l++) {
        const g = delta[l];
        const t = l * width + x;
        const c0 = col0[t];
        const c1 = col1[t];
        const fx = colFrac[t];
        const gBottom = g * rowFrac[l];
        const gTop = g - gBottom;
        latentGrad[row0[l] + c0] += gTop - gTop * fx;
        latentGrad[row0[l] + c1] += gTop * fx;
        latentGrad[row1[l] + c0] += gBottom - gBottom * fx;
        latentGrad[row1[l] + c1] += gBottom * fx;
      }
    }
  }
  return squaredError;
};
