/**
 * The training pass in WebAssembly SIMD: the same computation as
 * src/synthesis/distortion.ts (the reference), four neighbouring pixels of a row at a time,
 * one pixel per f32x4 lane. Every layer's width is padded to a multiple of four with zero weights,
 * so that output and input units can be processed four at a time with their accumulators in
 * registers (large straight-line SIMD code makes V8 spill).
 *
 * The host (src/synthesis/distortion-wasm.ts) lays out every array in linear memory and describes the
 * layout in a table of i32 fields; the slots are defined once, in src/kernels/wasm-layout.ts.
 */
import { address, field } from './layout';
import { DistortionSlot } from '../src/kernels/wasm-layout';

// Layout table slots (src/kernels/wasm-layout.ts).
const WIDTH = DistortionSlot.Width;
const PADDED_WIDTH = DistortionSlot.PaddedWidth;
const HEIGHT = DistortionSlot.Height;
const CHANNELS = DistortionSlot.Channels;
const LEVELS = DistortionSlot.Levels;
const LAYER_COUNT = DistortionSlot.LayerCount;
const ROW_COUNT = DistortionSlot.RowCount;
const LATENTS = DistortionSlot.Latents;
const LATENT_GRAD = DistortionSlot.LatentGrad;
const TARGET = DistortionSlot.Target;
const COLUMN_FIRST = DistortionSlot.ColumnFirst;
const COLUMN_SECOND = DistortionSlot.ColumnSecond;
const COLUMN_FRAC = DistortionSlot.ColumnFrac;
const ROW_FIRST = DistortionSlot.RowFirst;
const ROW_SECOND = DistortionSlot.RowSecond;
const ROW_FRAC = DistortionSlot.RowFrac;
const ROWS = DistortionSlot.Rows;
const WEIGHTS = DistortionSlot.Weights;
const BIASES = DistortionSlot.Biases;
const WEIGHT_LANES = DistortionSlot.WeightLanes;
const BIAS_LANES = DistortionSlot.BiasLanes;
const WEIGHT_GRAD = DistortionSlot.WeightGrad;
const BIAS_GRAD = DistortionSlot.BiasGrad;
const ACTIVATIONS = DistortionSlot.Activations;
const DELTAS = DistortionSlot.Deltas;
const PADDED_WIDTHS = DistortionSlot.PaddedWidths;

@inline function layerWidth(layout: usize, k: i32): i32 {
  return field(layout, PADDED_WIDTHS + k);
}

/** Four latents, one per lane: row start `row` plus the lane's column. */
@inline function gather(latents: usize, row: i32, columns: v128): v128 {
  let v = f32x4.splat(load<f32>(latents + (<usize>(row + i32x4.extract_lane(columns, 0)) << 2)));
  v = f32x4.replace_lane(v, 1, load<f32>(latents + (<usize>(row + i32x4.extract_lane(columns, 1)) << 2)));
  v = f32x4.replace_lane(v, 2, load<f32>(latents + (<usize>(row + i32x4.extract_lane(columns, 2)) << 2)));
  return f32x4.replace_lane(v, 3, load<f32>(latents + (<usize>(row + i32x4.extract_lane(columns, 3)) << 2)));
}

@inline function addToLatentGrad(grad: usize, index: i32, value: f32): void {
  const at = grad + (<usize>index << 3);
  store<f64>(at, load<f64>(at) + <f64>value);
}

/** Adds each lane's value to the gradient of the latent at row start `row` plus the lane's column. */
@inline function scatterAdd(grad: usize, row: i32, columns: v128, values: v128): void {
  addToLatentGrad(grad, row + i32x4.extract_lane(columns, 0), f32x4.extract_lane(values, 0));
  addToLatentGrad(grad, row + i32x4.extract_lane(columns, 1), f32x4.extract_lane(values, 1));
  addToLatentGrad(grad, row + i32x4.extract_lane(columns, 2), f32x4.extract_lane(values, 2));
  addToLatentGrad(grad, row + i32x4.extract_lane(columns, 3), f32x4.extract_lane(values, 3));
}

/** z = W a + b for four output units at a time; ReLU on hidden layers. */
function forwardLayer(inputs: i32, outputs: i32, weights: usize, biases: usize, activationsIn: usize, activationsOut: usize, relu: bool): void {
  const rowBytes = <usize>inputs << 2;
  const zero = f32x4.splat(0);
  for (let o = 0; o < outputs; o += 4) {
    const w0 = weights + <usize>o * rowBytes;
    const w1 = w0 + rowBytes;
    const w2 = w1 + rowBytes;
    const w3 = w2 + rowBytes;
    const b = biases + (<usize>o << 2);
    let z0 = v128.load32_splat(b);
    let z1 = v128.load32_splat(b + 4);
    let z2 = v128.load32_splat(b + 8);
    let z3 = v128.load32_splat(b + 12);
    for (let i = 0; i < inputs; i++) {
      const a = v128.load(activationsIn + (<usize>i << 4));
      const w = <usize>i << 2;
      z0 = f32x4.add(z0, f32x4.mul(v128.load32_splat(w0 + w), a));
      z1 = f32x4.add(z1, f32x4.mul(v128.load32_splat(w1 + w), a));
      z2 = f32x4.add(z2, f32x4.mul(v128.load32_splat(w2 + w), a));
      z3 = f32x4.add(z3, f32x4.mul(v128.load32_splat(w3 + w), a));
    }
    if (relu) {
      z0 = f32x4.pmax(zero, z0);
      z1 = f32x4.pmax(zero, z1);
      z2 = f32x4.pmax(zero, z2);
      z3 = f32x4.pmax(zero, z3);
    }
    const out = activationsOut + (<usize>o << 4);
    v128.store(out, z0);
    v128.store(out, z1, 16);
    v128.store(out, z2, 32);
    v128.store(out, z3, 48);
  }
}

/**
 * Given the deltas of a layer's outputs: adds their products with the inputs to the row's lane
 * gradient sums, and writes the deltas of the inputs, four input units at a time (masked by the
 * inputs' ReLU where the inputs are hidden units).
 */
function backwardLayer(
  inputs: i32,
  outputs: i32,
  weights: usize,
  weightLanes: usize,
  biasLanes: usize,
  activationsIn: usize,
  deltasOut: usize,
  deltasIn: usize,
  hiddenInputs: bool,
): void {
  for (let o = 0; o < outputs; o++) {
    const lanes = biasLanes + (<usize>o << 4);
    v128.store(lanes, f32x4.add(v128.load(lanes), v128.load(deltasOut + (<usize>o << 4))));
  }
  const zero = f32x4.splat(0);
  for (let i = 0; i < inputs; i += 4) {
    const inputAt = activationsIn + (<usize>i << 4);
    const a0 = v128.load(inputAt);
    const a1 = v128.load(inputAt, 16);
    const a2 = v128.load(inputAt, 32);
    const a3 = v128.load(inputAt, 48);
    let g0 = zero;
    let g1 = zero;
    let g2 = zero;
    let g3 = zero;
    for (let o = 0; o < outputs; o++) {
      const d = v128.load(deltasOut + (<usize>o << 4));
      const n = <usize>(o * inputs + i);
      const w = weights + (n << 2);
      g0 = f32x4.add(g0, f32x4.mul(v128.load32_splat(w), d));
      g1 = f32x4.add(g1, f32x4.mul(v128.load32_splat(w + 4), d));
      g2 = f32x4.add(g2, f32x4.mul(v128.load32_splat(w + 8), d));
      g3 = f32x4.add(g3, f32x4.mul(v128.load32_splat(w + 12), d));
      const lanes = weightLanes + (n << 4);
      v128.store(lanes, f32x4.add(v128.load(lanes), f32x4.mul(d, a0)));
      v128.store(lanes, f32x4.add(v128.load(lanes, 16), f32x4.mul(d, a1)), 16);
      v128.store(lanes, f32x4.add(v128.load(lanes, 32), f32x4.mul(d, a2)), 32);
      v128.store(lanes, f32x4.add(v128.load(lanes, 48), f32x4.mul(d, a3)), 48);
    }
    if (hiddenInputs) {
      // A hidden unit passes gradient only where its ReLU was active.
      g0 = v128.and(g0, f32x4.gt(a0, zero));
      g1 = v128.and(g1, f32x4.gt(a1, zero));
      g2 = v128.and(g2, f32x4.gt(a2, zero));
      g3 = v128.and(g3, f32x4.gt(a3, zero));
    }
    const out = deltasIn + (<usize>i << 4);
    v128.store(out, g0);
    v128.store(out, g1, 16);
    v128.store(out, g2, 32);
    v128.store(out, g3, 48);
  }
}

/** Moves the row's f32 lane sums into the pass's f64 accumulators and clears them. */
function flushLanes(lanes: usize, accumulators: usize, count: i32): void {
  const zero = f32x4.splat(0);
  for (let n = 0; n < count; n++) {
    const at = lanes + (<usize>n << 4);
    const v = v128.load(at);
    const sum = <f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1) + <f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3);
    const accumulator = accumulators + (<usize>n << 3);
    store<f64>(accumulator, load<f64>(accumulator) + sum);
    v128.store(at, zero);
  }
}

/** Sum of the squares of a vector's lanes, in f64. */
@inline function squaredLanes(e: v128): v128 {
  const low = f64x2.promote_low_f32x4(e);
  const high = f64x2.promote_low_f32x4(v128.shuffle<f32>(e, e, 2, 3, 0, 1));
  return f64x2.add(f64x2.mul(low, low), f64x2.mul(high, high));
}

/**
 * One pass over the rows: forward, squared error, backward. Gradients (of the error sum times
 * gradientScale) are added to the f64 accumulators; returns the sum of squared errors.
 */
export function distortionPass(layout: usize, gradientScale: f32): f64 {
  const width = field(layout, WIDTH);
  const paddedWidth = field(layout, PADDED_WIDTH);
  const height = field(layout, HEIGHT);
  const channels = field(layout, CHANNELS);
  const levels = field(layout, LEVELS);
  const layerCount = field(layout, LAYER_COUNT);
  const rowCount = field(layout, ROW_COUNT);
  const latents = address(layout, LATENTS);
  const latentGrad = address(layout, LATENT_GRAD);
  const target = address(layout, TARGET);
  const columnFirst = address(layout, COLUMN_FIRST);
  const columnSecond = address(layout, COLUMN_SECOND);
  const columnFrac = address(layout, COLUMN_FRAC);
  const rowFirst = address(layout, ROW_FIRST);
  const rowSecond = address(layout, ROW_SECOND);
  const rowFrac = address(layout, ROW_FRAC);
  const rows = address(layout, ROWS);
  const weights = address(layout, WEIGHTS);
  const biases = address(layout, BIASES);
  const weightLanes = address(layout, WEIGHT_LANES);
  const biasLanes = address(layout, BIAS_LANES);
  const activations = address(layout, ACTIVATIONS);
  const deltas = address(layout, DELTAS);

  let weightCount = 0;
  let unitCount = layerWidth(layout, 0);
  for (let k = 0; k < layerCount; k++) {
    weightCount += layerWidth(layout, k) * layerWidth(layout, k + 1);
    unitCount += layerWidth(layout, k + 1);
  }
  const biasCount = unitCount - layerWidth(layout, 0);
  const outputUnits = <usize>(unitCount - layerWidth(layout, layerCount)) << 4;
  memory.fill(activations, 0, <usize>unitCount << 4);
  memory.fill(deltas, 0, <usize>unitCount << 4);
  memory.fill(weightLanes, 0, <usize>weightCount << 4);
  memory.fill(biasLanes, 0, <usize>biasCount << 4);

  const scale = f32x4.splat(gradientScale);
  const half = f32x4.splat(0.5);
  const laneOffsets = i32x4(0, 1, 2, 3);
  let squaredError = f64x2.splat(0);

  for (let r = 0; r < rowCount; r++) {
    const y = load<i32>(rows + (<usize>r << 2));
    for (let x = 0; x < width; x += 4) {
      // Sample every level's grid at the four pixels.
      for (let l = 0; l < levels; l++) {
        const tap = <usize>(l * paddedWidth + x) << 2;
        const c0 = v128.load(columnFirst + tap);
        const c1 = v128.load(columnSecond + tap);
        const fx = v128.load(columnFrac + tap);
        const rowTap = <usize>(l * height + y) << 2;
        const r0 = load<i32>(rowFirst + rowTap);
        const r1 = load<i32>(rowSecond + rowTap);
        const fy = v128.load32_splat(rowFrac + rowTap);
        const p00 = gather(latents, r0, c0);
        const p01 = gather(latents, r0, c1);
        const p10 = gather(latents, r1, c0);
        const p11 = gather(latents, r1, c1);
        const top = f32x4.add(p00, f32x4.mul(fx, f32x4.sub(p01, p00)));
        const bottom = f32x4.add(p10, f32x4.mul(fx, f32x4.sub(p11, p10)));
        v128.store(activations + (<usize>l << 4), f32x4.add(top, f32x4.mul(fy, f32x4.sub(bottom, top))));
      }

      let weightAt = weights;
      let biasAt = biases;
      let unitAt: usize = 0;
      for (let k = 0; k < layerCount; k++) {
        const inputs = layerWidth(layout, k);
        const outputs = layerWidth(layout, k + 1);
        const unitsOut = unitAt + (<usize>inputs << 4);
        forwardLayer(inputs, outputs, weightAt, biasAt, activations + unitAt, activations + unitsOut, k < layerCount - 1);
        weightAt += <usize>(inputs * outputs) << 2;
        biasAt += <usize>outputs << 2;
        unitAt = unitsOut;
      }

      // Lanes past the end of the row carry no error and no gradient.
      const valid = i32x4.lt_s(i32x4.add(i32x4.splat(x), laneOffsets), i32x4.splat(width));
      for (let c = 0; c < channels; c++) {
        const output = v128.load(activations + outputUnits + (<usize>c << 4));
        const expected = v128.load(target + (<usize>((c * height + y) * paddedWidth + x) << 2));
        const e = v128.and(f32x4.sub(f32x4.add(output, half), expected), valid);
        squaredError = f64x2.add(squaredError, squaredLanes(e));
        v128.store(deltas + outputUnits + (<usize>c << 4), f32x4.mul(e, scale));
      }

      let weightLaneAt = weightLanes + (<usize>weightCount << 4);
      let biasLaneAt = biasLanes + (<usize>biasCount << 4);
      for (let k = layerCount - 1; k >= 0; k--) {
        const inputs = layerWidth(layout, k);
        const outputs = layerWidth(layout, k + 1);
        weightAt -= <usize>(inputs * outputs) << 2;
        weightLaneAt -= <usize>(inputs * outputs) << 4;
        biasLaneAt -= <usize>outputs << 4;
        const unitsIn = unitAt - (<usize>inputs << 4);
        backwardLayer(inputs, outputs, weightAt, weightLaneAt, biasLaneAt, activations + unitsIn, deltas + unitAt, deltas + unitsIn, k > 0);
        unitAt = unitsIn;
      }

      // Spread each level's input delta over the four cells it was sampled from.
      for (let l = 0; l < levels; l++) {
        const tap = <usize>(l * paddedWidth + x) << 2;
        const c0 = v128.load(columnFirst + tap);
        const c1 = v128.load(columnSecond + tap);
        const fx = v128.load(columnFrac + tap);
        const rowTap = <usize>(l * height + y) << 2;
        const r0 = load<i32>(rowFirst + rowTap);
        const r1 = load<i32>(rowSecond + rowTap);
        const fy = v128.load32_splat(rowFrac + rowTap);
        const g = v128.load(deltas + (<usize>l << 4));
        const gBottom = f32x4.mul(g, fy);
        const gTop = f32x4.sub(g, gBottom);
        const gTopRight = f32x4.mul(gTop, fx);
        const gBottomRight = f32x4.mul(gBottom, fx);
        scatterAdd(latentGrad, r0, c0, f32x4.sub(gTop, gTopRight));
        scatterAdd(latentGrad, r0, c1, gTopRight);
        scatterAdd(latentGrad, r1, c0, f32x4.sub(gBottom, gBottomRight));
        scatterAdd(latentGrad, r1, c1, gBottomRight);
      }
    }
    flushLanes(weightLanes, address(layout, WEIGHT_GRAD), weightCount);
    flushLanes(biasLanes, address(layout, BIAS_GRAD), biasCount);
  }
  return f64x2.extract_lane(squaredError, 0) + f64x2.extract_lane(squaredError, 1);
}
