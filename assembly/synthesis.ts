/**
 * The decoder's row render in WebAssembly SIMD, giving exactly the pixels of src/kinds/latent-grid/render.ts
 * with the reference evaluator (src/kernels/synthesis.ts): the same float64 operations in the
 * same order, rounded to float32 at the same points. Products of two float32 values are exact in
 * float64, so each f64x2 lane (one pixel) repeats the reference's sums bit for bit. Four pixels
 * (two vectors) and four output units at a time keep eight accumulators in registers.
 *
 * The host (src/kinds/latent-grid/wasm-render.ts) lays out the arrays and describes them in a table of i32
 * fields; the slots are defined once, in src/kernels/wasm-layout.ts.
 */
import { address, field } from './layout';
import { SynthesisSlot } from '../src/kernels/wasm-layout';

// Layout table slots (src/kernels/wasm-layout.ts).
const OUT_WIDTH = SynthesisSlot.OutWidth;
const CHANNELS = SynthesisSlot.Channels;
const LEVELS = SynthesisSlot.Levels;
const LAYER_COUNT = SynthesisSlot.LayerCount;
const LATENTS = SynthesisSlot.Latents;
const GRID_WIDTHS = SynthesisSlot.GridWidths;
const ROW_UPPER = SynthesisSlot.RowUpper;
const ROW_LOWER = SynthesisSlot.RowLower;
const ROW_FRAC = SynthesisSlot.RowFrac;
const BLENDED = SynthesisSlot.Blended;
const COLUMN_LEFT = SynthesisSlot.ColumnLeft;
const COLUMN_RIGHT = SynthesisSlot.ColumnRight;
const COLUMN_FRAC = SynthesisSlot.ColumnFrac;
const WEIGHTS = SynthesisSlot.Weights;
const BIASES = SynthesisSlot.Biases;
const LAYER_INPUTS = SynthesisSlot.LayerInputs;
const LAYER_OUTPUTS = SynthesisSlot.LayerOutputs;
const PIXELS = SynthesisSlot.Pixels;
const WIDTHS = SynthesisSlot.Widths;

const UNIT_BYTES: usize = 32;

/** Rounded to float32, as a store into a Float32Array would. */
@inline function toF32(v: f64): f64 {
  return <f64>(<f32>v);
}

@inline function roundedToF32(v: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(v));
}

/** MAX_ACTIVATION of src/format/network.ts: hidden activations are clamped to it (spec section 8). */
const MAX_ACTIVATION: f64 = 18446744073709551616.0;

/** A hidden unit's output: 0 unless positive, at most MAX_ACTIVATION, rounded to float32. */
@inline function hiddenOutput(z: v128, zero: v128, limit: v128): v128 {
  return v128.and(roundedToF32(f64x2.min(z, limit)), f64x2.gt(z, zero));
}

/** Float32 outputs of four output units at a time; ReLU (hidden layers) keeps positive sums only. */
function forwardLayer(inputs: i32, outputs: i32, weights: usize, biases: usize, layerInputs: usize, layerOutputs: usize, relu: bool): void {
  const rowBytes = <usize>inputs << 3;
  const zero = f64x2.splat(0);
  const limit = f64x2.splat(MAX_ACTIVATION);
  for (let o = 0; o < outputs; o += 4) {
    const w0 = weights + <usize>o * rowBytes;
    const w1 = w0 + rowBytes;
    const w2 = w1 + rowBytes;
    const w3 = w2 + rowBytes;
    const b = biases + (<usize>o << 3);
    let z0a = v128.load64_splat(b);
    let z1a = v128.load64_splat(b + 8);
    let z2a = v128.load64_splat(b + 16);
    let z3a = v128.load64_splat(b + 24);
    let z0b = z0a;
    let z1b = z1a;
    let z2b = z2a;
    let z3b = z3a;
    for (let i = 0; i < inputs; i++) {
      const unit = layerInputs + <usize>i * UNIT_BYTES;
      const a = v128.load(unit);
      const b = v128.load(unit, 16);
      const w = <usize>i << 3;
      const s0 = v128.load64_splat(w0 + w);
      z0a = f64x2.add(z0a, f64x2.mul(s0, a));
      z0b = f64x2.add(z0b, f64x2.mul(s0, b));
      const s1 = v128.load64_splat(w1 + w);
      z1a = f64x2.add(z1a, f64x2.mul(s1, a));
      z1b = f64x2.add(z1b, f64x2.mul(s1, b));
      const s2 = v128.load64_splat(w2 + w);
      z2a = f64x2.add(z2a, f64x2.mul(s2, a));
      z2b = f64x2.add(z2b, f64x2.mul(s2, b));
      const s3 = v128.load64_splat(w3 + w);
      z3a = f64x2.add(z3a, f64x2.mul(s3, a));
      z3b = f64x2.add(z3b, f64x2.mul(s3, b));
    }
    const out = layerOutputs + <usize>o * UNIT_BYTES;
    if (relu) {
      v128.store(out, hiddenOutput(z0a, zero, limit));
      v128.store(out, hiddenOutput(z0b, zero, limit), 16);
      v128.store(out, hiddenOutput(z1a, zero, limit), 32);
      v128.store(out, hiddenOutput(z1b, zero, limit), 48);
      v128.store(out, hiddenOutput(z2a, zero, limit), 64);
      v128.store(out, hiddenOutput(z2b, zero, limit), 80);
      v128.store(out, hiddenOutput(z3a, zero, limit), 96);
      v128.store(out, hiddenOutput(z3b, zero, limit), 112);
    } else {
      v128.store(out, roundedToF32(z0a));
      v128.store(out, roundedToF32(z0b), 16);
      v128.store(out, roundedToF32(z1a), 32);
      v128.store(out, roundedToF32(z1b), 48);
      v128.store(out, roundedToF32(z2a), 64);
      v128.store(out, roundedToF32(z2b), 80);
      v128.store(out, roundedToF32(z3a), 96);
      v128.store(out, roundedToF32(z3b), 112);
    }
  }
}

/** (value + 1/2) * 255 clamped to [0, 255] and rounded half up, as Math.round; NaN gives 0. */
@inline function toByte(value: f64): u8 {
  const v = (value + 0.5) * 255;
  if (!(v > 0)) return 0;
  if (v >= 255) return 255;
  const whole = floor<f64>(v);
  return <u8>(<i32>whole + (v - whole >= 0.5 ? 1 : 0));
}

/** toByte on two float64 lanes, as whole numbers in float64: the same comparisons and rounding. */
@inline function toBytes2(value: v128): v128 {
  const v = f64x2.mul(f64x2.add(value, f64x2.splat(0.5)), f64x2.splat(255));
  const whole = f64x2.floor(v);
  const up = v128.and(f64x2.ge(f64x2.sub(v, whole), f64x2.splat(0.5)), f64x2.splat(1));
  const rounded = v128.bitselect(f64x2.splat(255), f64x2.add(whole, up), f64x2.ge(v, f64x2.splat(255)));
  return v128.and(rounded, f64x2.gt(v, f64x2.splat(0))); // NaN and v <= 0: 0
}

/** toByte on four pixels (two float64 vectors), as four i32 lanes. */
@inline function toBytes(low: v128, high: v128): v128 {
  return v128.shuffle<i32>(i32x4.trunc_sat_f64x2_s_zero(toBytes2(low)), i32x4.trunc_sat_f64x2_s_zero(toBytes2(high)), 0, 1, 4, 5);
}

/** The float32 pairs at indices a and b of `base`: base[a], base[a + 1], base[b], base[b + 1]. */
@inline function gatherPairs(base: usize, a: i32, b: i32): v128 {
  return v128.load64_lane(base + (<usize>b << 2), v128.load64_zero(base + (<usize>a << 2)), 1);
}

/** toF32(left + fx * (right - left)) in float64 on the two low float32 lanes of each. */
@inline function lerp(left: v128, right: v128, fx: v128): v128 {
  const l = f64x2.promote_low_f32x4(left);
  const r = f64x2.promote_low_f32x4(right);
  return roundedToF32(f64x2.add(l, f64x2.mul(f64x2.promote_low_f32x4(fx), f64x2.sub(r, l))));
}

/** Renders one output row, whose taps the host wrote at ROW_UPPER, ROW_LOWER and ROW_FRAC. */
export function renderRow(layout: usize): void {
  const outWidth = field(layout, OUT_WIDTH);
  const paddedWidth = (outWidth + 3) & ~3;
  const channels = field(layout, CHANNELS);
  const levels = field(layout, LEVELS);
  const layerCount = field(layout, LAYER_COUNT);
  const latents = address(layout, LATENTS);
  const blended = address(layout, BLENDED);
  const columnLeft = address(layout, COLUMN_LEFT);
  const columnRight = address(layout, COLUMN_RIGHT);
  const columnFrac = address(layout, COLUMN_FRAC);
  const weights = address(layout, WEIGHTS);
  const biases = address(layout, BIASES);
  const pixels = address(layout, PIXELS);

  // Each level: the blend of the two grid rows this output row falls between.
  let blendedAt = blended;
  for (let l = 0; l < levels; l++) {
    const gridWidth = load<i32>(address(layout, GRID_WIDTHS) + (<usize>l << 2));
    const upper = latents + (<usize>load<i32>(address(layout, ROW_UPPER) + (<usize>l << 2)) << 2);
    const lower = latents + (<usize>load<i32>(address(layout, ROW_LOWER) + (<usize>l << 2)) << 2);
    const fy = <f64>load<f32>(address(layout, ROW_FRAC) + (<usize>l << 2));
    for (let c = 0; c < gridWidth; c++) {
      const top = <f64>load<f32>(upper + (<usize>c << 2));
      const bottom = <f64>load<f32>(lower + (<usize>c << 2));
      store<f32>(blendedAt + (<usize>c << 2), <f32>(top + fy * (bottom - top)));
    }
    // The last cell once more: a tap's second cell is its first + 1, or its first at the row's
    // end (geometry.ts axisTaps), which is then this copy; so each tap's two cells are one load.
    store<f32>(blendedAt + (<usize>gridWidth << 2), load<f32>(blendedAt + (<usize>(gridWidth - 1) << 2)));
    blendedAt += <usize>(gridWidth + 1) << 2;
  }

  for (let x = 0; x < outWidth; x += 4) {
    // The network's inputs: each level's blended row interpolated at the four pixels.
    let inputs = address(layout, LAYER_INPUTS);
    let outputs = address(layout, LAYER_OUTPUTS);
    // Four lanes at a time (the taps gathered), the same float64 operations as one at a time.
    for (let l = 0; l < levels; l++) {
      const unit = inputs + <usize>l * UNIT_BYTES;
      const tap = <usize>(l * paddedWidth + x) << 2;
      const pair01 = gatherPairs(blended, load<i32>(columnLeft + tap), load<i32>(columnLeft + tap, 4));
      const pair23 = gatherPairs(blended, load<i32>(columnLeft + tap, 8), load<i32>(columnLeft + tap, 12));
      const left = v128.shuffle<f32>(pair01, pair23, 0, 2, 4, 6);
      const right = v128.shuffle<f32>(pair01, pair23, 1, 3, 5, 7);
      const fx = v128.load(columnFrac + tap);
      v128.store(unit, lerp(left, right, fx));
      v128.store(unit, lerp(v128.shuffle<f32>(left, left, 2, 3, 0, 1), v128.shuffle<f32>(right, right, 2, 3, 0, 1), v128.shuffle<f32>(fx, fx, 2, 3, 0, 1)), 16);
    }
    let weightAt = weights;
    let biasAt = biases;
    for (let k = 0; k < layerCount; k++) {
      const layerIn = field(layout, WIDTHS + k);
      const layerOut = field(layout, WIDTHS + k + 1);
      const paddedOut = (layerOut + 3) & ~3;
      forwardLayer(layerIn, paddedOut, weightAt, biasAt, inputs, outputs, k < layerCount - 1);
      weightAt += <usize>(paddedOut * layerIn) << 3;
      biasAt += <usize>paddedOut << 3;
      const swap = inputs;
      inputs = outputs;
      outputs = swap;
    }
    const lanes = min(4, outWidth - x);
    if (lanes == 4) {
      const pixel = pixels + <usize>(x * channels);
      const step = <usize>channels;
      for (let c = 0; c < channels; c++) {
        const unit = inputs + <usize>c * UNIT_BYTES;
        const bytes = toBytes(v128.load(unit), v128.load(unit, 16));
        store<u8>(pixel + c, <u8>i32x4.extract_lane(bytes, 0));
        store<u8>(pixel + c + step, <u8>i32x4.extract_lane(bytes, 1));
        store<u8>(pixel + c + 2 * step, <u8>i32x4.extract_lane(bytes, 2));
        store<u8>(pixel + c + 3 * step, <u8>i32x4.extract_lane(bytes, 3));
      }
    } else {
      for (let lane = 0; lane < lanes; lane++) {
        const pixel = pixels + <usize>((x + lane) * channels);
        for (let c = 0; c < channels; c++) {
          store<u8>(pixel + c, toByte(load<f64>(inputs + <usize>c * UNIT_BYTES + (<usize>lane << 3))));
        }
      }
    }
  }
}
