/**
 * The WebAssembly SIMD training kernel (assembly/distortion.ts), behind the DistortionKernel
 * interface of the reference (distortion.ts). This side lays the pass's arrays out in the
 * instance's memory: the target and the taps once per pass object (compared by identity), the
 * latents the rows read, weights and rows on every call. Gradients come back as f64 sums and are added to the
 * pass's gradient arrays.
 */
import { instantiateKernels, KernelExports, MemoryPlan } from '../kernels/wasm-module.js';
import { DistortionKernel, DistortionPass, touchedLatentRanges } from './distortion.js';
import { DistortionSlot as Slot } from '../kernels/wasm-layout.js';

const LANES = 4;
const F32 = 4;
const F64 = 8;
const V128 = 16;

function padded(n: number): number {
  return Math.ceil(n / LANES) * LANES;
}

/** One pass object's arrays in linear memory. */
class PassLayout {
  readonly table: number;
  readonly latents: Float32Array;
  readonly latentGrad: Float64Array;
  readonly weights: Float32Array;
  readonly biases: Float32Array;
  readonly weightGrad: Float64Array;
  readonly biasGrad: Float64Array;
  readonly rows: Int32Array;
  private readonly tableView: Int32Array;
  /** Where each of the pass's weights and biases sits in the padded layout. */
  private readonly weightSlots: Int32Array;
  private readonly biasSlots: Int32Array;

  constructor(
    kernels: KernelExports,
    private readonly pass: DistortionPass,
  ) {
    const { width, height, channels, widths } = pass;
    const levels = widths[0];
    const layerCount = widths.length - 1;
    const paddedWidth = padded(width);
    const paddedWidths = Array.from(widths, padded);
    let paddedWeights = 0;
    let paddedUnits = paddedWidths[0];
    for (let k = 0; k < layerCount; k++) {
      paddedWeights += paddedWidths[k] * paddedWidths[k + 1];
      paddedUnits += paddedWidths[k + 1];
    }
    const paddedBiases = paddedUnits - paddedWidths[0];
    const latentCount = pass.latents.length;

    const plan = new MemoryPlan(kernels);
    const tableLength = Slot.PaddedWidths + paddedWidths.length;
    const table = plan.reserve(tableLength * 4);
    const at = new Int32Array(tableLength);
    at[Slot.Latents] = plan.reserve(latentCount * F32);
    at[Slot.LatentGrad] = plan.reserve(latentCount * F64);
    at[Slot.Target] = plan.reserve(channels * height * paddedWidth * F32);
    at[Slot.ColumnFirst] = plan.reserve(levels * paddedWidth * 4);
    at[Slot.ColumnSecond] = plan.reserve(levels * paddedWidth * 4);
    at[Slot.ColumnFrac] = plan.reserve(levels * paddedWidth * F32);
    at[Slot.RowFirst] = plan.reserve(levels * height * 4);
    at[Slot.RowSecond] = plan.reserve(levels * height * 4);
    at[Slot.RowFrac] = plan.reserve(levels * height * F32);
    at[Slot.Rows] = plan.reserve(height * 4);
    at[Slot.Weights] = plan.reserve(paddedWeights * F32);
    at[Slot.Biases] = plan.reserve(paddedBiases * F32);
    at[Slot.WeightLanes] = plan.reserve(paddedWeights * V128);
    at[Slot.BiasLanes] = plan.reserve(paddedBiases * V128);
    at[Slot.WeightGrad] = plan.reserve(paddedWeights * F64);
    at[Slot.BiasGrad] = plan.reserve(paddedBiases * F64);
    at[Slot.Activations] = plan.reserve(paddedUnits * V128);
    at[Slot.Deltas] = plan.reserve(paddedUnits * V128);
    const buffer = plan.commit();

    at[Slot.Width] = width;
    at[Slot.PaddedWidth] = paddedWidth;
    at[Slot.Height] = height;
    at[Slot.Channels] = channels;
    at[Slot.Levels] = levels;
    at[Slot.LayerCount] = layerCount;
    at.set(paddedWidths, Slot.PaddedWidths);
    this.table = table;
    this.tableView = new Int32Array(buffer, table, tableLength);
    this.tableView.set(at);

    this.latents = new Float32Array(buffer, at[Slot.Latents], latentCount);
    this.latentGrad = new Float64Array(buffer, at[Slot.LatentGrad], latentCount);
    this.weights = new Float32Array(buffer, at[Slot.Weights], paddedWeights);
    this.biases = new Float32Array(buffer, at[Slot.Biases], paddedBiases);
    this.weightGrad = new Float64Array(buffer, at[Slot.WeightGrad], paddedWeights);
    this.biasGrad = new Float64Array(buffer, at[Slot.BiasGrad], paddedBiases);
    this.rows = new Int32Array(buffer, at[Slot.Rows], height);

    const target = new Float32Array(buffer, at[Slot.Target], channels * height * paddedWidth);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < channels; c++) target[(c * height + y) * paddedWidth + x] = pass.target[(y * width + x) * channels + c];
      }
    }
    // Columns past the row's end repeat its last column; their lanes are masked out.
    const columnFirst = new Int32Array(buffer, at[Slot.ColumnFirst], levels * paddedWidth);
    const columnSecond = new Int32Array(buffer, at[Slot.ColumnSecond], levels * paddedWidth);
    const columnFrac = new Float32Array(buffer, at[Slot.ColumnFrac], levels * paddedWidth);
    const rowFirst = new Int32Array(buffer, at[Slot.RowFirst], levels * height);
    const rowSecond = new Int32Array(buffer, at[Slot.RowSecond], levels * height);
    const rowFrac = new Float32Array(buffer, at[Slot.RowFrac], levels * height);
    for (let l = 0; l < levels; l++) {
      const columns = pass.columnTaps[l];
      for (let x = 0; x < paddedWidth; x++) {
        const source = Math.min(x, width - 1);
        columnFirst[l * paddedWidth + x] = columns.first[source];
        columnSecond[l * paddedWidth + x] = columns.second[source];
        columnFrac[l * paddedWidth + x] = columns.frac[source];
      }
      const rows = pass.rowTaps[l];
      for (let y = 0; y < height; y++) {
        rowFirst[l * height + y] = pass.gridOffsets[l] + rows.first[y] * pass.gridWidths[l];
        rowSecond[l * height + y] = pass.gridOffsets[l] + rows.second[y] * pass.gridWidths[l];
        rowFrac[l * height + y] = rows.frac[y];
      }
    }

    this.weightSlots = new Int32Array(pass.weights.length);
    this.biasSlots = new Int32Array(pass.biases.length);
    let weight = 0;
    let bias = 0;
    let paddedWeightStart = 0;
    let paddedBiasStart = 0;
    for (let k = 0; k < layerCount; k++) {
      for (let o = 0; o < widths[k + 1]; o++) {
        for (let i = 0; i < widths[k]; i++) this.weightSlots[weight++] = paddedWeightStart + o * paddedWidths[k] + i;
        this.biasSlots[bias++] = paddedBiasStart + o;
      }
      paddedWeightStart += paddedWidths[k] * paddedWidths[k + 1];
      paddedBiasStart += paddedWidths[k + 1];
    }
  }

  /** Whether this layout was made for the pass's image, network, target and taps. */
  serves(pass: DistortionPass): boolean {
    const mine = this.pass;
    return (
      pass.target === mine.target &&
      pass.columnTaps === mine.columnTaps &&
      pass.rowTaps === mine.rowTaps &&
      pass.width === mine.width &&
      pass.height === mine.height &&
      pass.channels === mine.channels &&
      pass.latents.length === mine.latents.length &&
      pass.widths.join() === mine.widths.join()
    );
  }

  /**
   * Copies what changes between calls: the latents the rows read, weights, biases, rows; clears
   * the sums. Returns the latent ranges the rows touch (touchedLatentRanges).
   */
  load(pass: DistortionPass): Int32Array {
    const ranges = touchedLatentRanges(pass);
    for (let n = 0; n < ranges.length; n += 2) {
      this.latents.set(pass.latents.subarray(ranges[n], ranges[n + 1]), ranges[n]);
      this.latentGrad.fill(0, ranges[n], ranges[n + 1]);
    }
    for (let n = 0; n < this.weightSlots.length; n++) this.weights[this.weightSlots[n]] = pass.weights[n];
    for (let n = 0; n < this.biasSlots.length; n++) this.biases[this.biasSlots[n]] = pass.biases[n];
    this.rows.set(pass.rows);
    this.tableView[Slot.RowCount] = pass.rows.length;
    this.weightGrad.fill(0);
    this.biasGrad.fill(0);
    return ranges;
  }

  /** Adds the pass's gradient sums to its gradient arrays; the latents' only within `ranges`. */
  addGradients(pass: DistortionPass, ranges: Int32Array): void {
    for (let r = 0; r < ranges.length; r += 2) {
      for (let n = ranges[r]; n < ranges[r + 1]; n++) pass.latentGrad[n] += this.latentGrad[n];
    }
    for (let n = 0; n < this.weightSlots.length; n++) pass.weightGrad[n] += this.weightGrad[this.weightSlots[n]];
    for (let n = 0; n < this.biasSlots.length; n++) pass.biasGrad[n] += this.biasGrad[this.biasSlots[n]];
  }
}

/** A kernel with its own WebAssembly instance; throws if the module is unavailable. */
export function wasmDistortionKernel(): DistortionKernel {
  const kernels = instantiateKernels();
  let layout: PassLayout | undefined;
  return (pass, sampleCount) => {
    if (!layout?.serves(pass)) layout = new PassLayout(kernels, pass);
    const ranges = layout.load(pass);
    const squaredError = kernels.distortionPass(layout.table, 2 / sampleCount);
    layout.addGradients(pass, ranges);
    return squaredError;
  };
}
