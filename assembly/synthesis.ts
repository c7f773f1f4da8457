/**
 * The decoder's row render in WebAssembly SIMD, giving exactly the pixels of src/synthesis/render.ts
 * with the reference evaluator (src/synthesis/forward.ts): the same float64 operations in the
 * same order, rounded to float32 at the same points. Products of two float32 values are exact in
 * float64, so each f64x2 lane (one pixel) repeats the reference's sums bit for bit. Four pixels
 * (two vectors) and four output units at a time keep eight accumulators in registers.
 *
 * Terms that are exact zeros are left out (renderRow says why that changes no pixel): the inputs
 * of levels whose cells are zeros, and the hidden units that stay 0 over a segment of the row
 * (liveUnits). The default network (one hidden layer into RGB) runs as one function
 * (firstHiddenToRgb); other shapes layer by layer. Measurements: docs/decisions.md, "The decode
 * command".
 *
 * The host (src/synthesis/render-wasm.ts) lays out the arrays and describes them in a table of i32
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
const COLUMN_FRAC = SynthesisSlot.ColumnFrac;
const WEIGHTS = SynthesisSlot.Weights;
const BIASES = SynthesisSlot.Biases;
const LAYER_INPUTS = SynthesisSlot.LayerInputs;
const LAYER_OUTPUTS = SynthesisSlot.LayerOutputs;
const PIXELS = SynthesisSlot.Pixels;
const ROWS_AT_ONCE = SynthesisSlot.RowsAtOnce;
const SKIP_ZEROS = SynthesisSlot.SkipZeros;
const UNCLAMPED = SynthesisSlot.Unclamped;
const INPUT_RANGES = SynthesisSlot.InputRanges;
const SEGMENT_LEVELS = SynthesisSlot.SegmentLevels;
const LIVE_WEIGHTS = SynthesisSlot.LiveWeights;
const LIVE_BIASES = SynthesisSlot.LiveBiases;
const LIVE_OUT_WEIGHTS = SynthesisSlot.LiveOutWeights;
const ACTIVE_LEVELS = SynthesisSlot.ActiveLevels;
const INPUT_COLUMNS = SynthesisSlot.InputColumns;
const WIDTHS = SynthesisSlot.Widths;

const UNIT_BYTES: usize = 32;

/** Rounded to float32, as a store into a Float32Array would. */
@inline function toF32(v: f64): f64 {
  return <f64>(<f32>v);
}

@inline function roundedToF32(v: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(v));
}

/** MAX_ACTIVATION of src/synthesis/network.ts: hidden activations are clamped to it (spec section 8). */
const MAX_ACTIVATION: f64 = 18446744073709551616.0;

/**
 * A hidden unit's output: 0 unless positive, at most MAX_ACTIVATION, rounded to float32. Where the
 * host has found that no sum can reach MAX_ACTIVATION (`clamp` false), the clamp is left out.
 */
@inline function hiddenOutput(z: v128, zero: v128, limit: v128, clamp: bool): v128 {
  // pmin is min but for NaN and zeros' signs, which the mask makes 0 all the same; one instruction.
  if (clamp) return v128.and(roundedToF32(f64x2.pmin(z, limit)), f64x2.gt(z, zero));
  // Rounding keeps the sign (or NaN), so a rounded sum is positive where the sum is; pmax gives
  // its second operand where the first is smaller, else the first: +0 for zeros, negatives, NaN.
  return f64x2.pmax(zero, roundedToF32(z));
}

/** A hidden unit's (relu) or an output unit's float32 value, four pixels in two vectors stored at `out`. */
@inline function storeUnit(out: usize, low: v128, high: v128, relu: bool, clamp: bool, zero: v128, limit: v128): void {
  if (relu) {
    v128.store(out, hiddenOutput(low, zero, limit, clamp));
    v128.store(out, hiddenOutput(high, zero, limit, clamp), 16);
  } else {
    v128.store(out, roundedToF32(low));
    v128.store(out, roundedToF32(high), 16);
  }
}

/**
 * Float32 outputs of four output units at a time; ReLU (hidden layers) keeps positive sums only.
 * Weights come in blocks of four output units (the host's layout, wasm-render.ts): block b's
 * weights of input column c are the four float64 at weights + (b * width + c) * 32, `width` being
 * the layer's inputs. Input i is unit i of layerInputs, of column i; or, `sparse` (the first layer,
 * which skips zero inputs: renderRow), of the column at byte offset load<i32>(columns + 4i) / 32.
 * Output units past a multiple of four take the narrower tails (an RGB output: three, not four).
 */
@inline function forwardLayer(inputs: i32, outputs: i32, width: i32, weights: usize, biases: usize, layerInputs: usize, layerOutputs: usize, columns: usize, sparse: bool, relu: bool, clamp: bool): void {
  const zero = f64x2.splat(0);
  const limit = f64x2.splat(MAX_ACTIVATION);
  const blockBytes = <usize>width << 5;
  const unitsEnd = layerInputs + <usize>inputs * UNIT_BYTES;
  let o = 0;
  let block = weights;
  for (; o + 4 <= outputs; o += 4) {
    const b = biases + (<usize>o << 3);
    let z0a = v128.load64_splat(b);
    let z1a = v128.load64_splat(b, 8);
    let z2a = v128.load64_splat(b, 16);
    let z3a = v128.load64_splat(b, 24);
    let z0b = z0a;
    let z1b = z1a;
    let z2b = z2a;
    let z3b = z3a;
    let w = block;
    let column = columns;
    for (let unit = layerInputs; unit < unitsEnd; unit += UNIT_BYTES) {
      if (sparse) {
        w = block + <usize>load<i32>(column);
        column += 4;
      }
      const a = v128.load(unit);
      const b = v128.load(unit, 16);
      const s0 = v128.load64_splat(w);
      z0a = f64x2.add(z0a, f64x2.mul(s0, a));
      z0b = f64x2.add(z0b, f64x2.mul(s0, b));
      const s1 = v128.load64_splat(w, 8);
      z1a = f64x2.add(z1a, f64x2.mul(s1, a));
      z1b = f64x2.add(z1b, f64x2.mul(s1, b));
      const s2 = v128.load64_splat(w, 16);
      z2a = f64x2.add(z2a, f64x2.mul(s2, a));
      z2b = f64x2.add(z2b, f64x2.mul(s2, b));
      const s3 = v128.load64_splat(w, 24);
      z3a = f64x2.add(z3a, f64x2.mul(s3, a));
      z3b = f64x2.add(z3b, f64x2.mul(s3, b));
      if (!sparse) w += 32;
    }
    const out = layerOutputs + <usize>o * UNIT_BYTES;
    storeUnit(out, z0a, z0b, relu, clamp, zero, limit);
    storeUnit(out + UNIT_BYTES, z1a, z1b, relu, clamp, zero, limit);
    storeUnit(out + 2 * UNIT_BYTES, z2a, z2b, relu, clamp, zero, limit);
    storeUnit(out + 3 * UNIT_BYTES, z3a, z3b, relu, clamp, zero, limit);
    block += blockBytes;
  }
  const tail = outputs - o;
  if (tail == 0) return;
  const b = biases + (<usize>o << 3);
  const out = layerOutputs + <usize>o * UNIT_BYTES;
  let w = block;
  let column = columns;
  if (tail == 3) {
    let z0a = v128.load64_splat(b);
    let z1a = v128.load64_splat(b, 8);
    let z2a = v128.load64_splat(b, 16);
    let z0b = z0a;
    let z1b = z1a;
    let z2b = z2a;
    for (let unit = layerInputs; unit < unitsEnd; unit += UNIT_BYTES) {
      if (sparse) {
        w = block + <usize>load<i32>(column);
        column += 4;
      }
      const a = v128.load(unit);
      const b = v128.load(unit, 16);
      const s0 = v128.load64_splat(w);
      z0a = f64x2.add(z0a, f64x2.mul(s0, a));
      z0b = f64x2.add(z0b, f64x2.mul(s0, b));
      const s1 = v128.load64_splat(w, 8);
      z1a = f64x2.add(z1a, f64x2.mul(s1, a));
      z1b = f64x2.add(z1b, f64x2.mul(s1, b));
      const s2 = v128.load64_splat(w, 16);
      z2a = f64x2.add(z2a, f64x2.mul(s2, a));
      z2b = f64x2.add(z2b, f64x2.mul(s2, b));
      if (!sparse) w += 32;
    }
    storeUnit(out, z0a, z0b, relu, clamp, zero, limit);
    storeUnit(out + UNIT_BYTES, z1a, z1b, relu, clamp, zero, limit);
    storeUnit(out + 2 * UNIT_BYTES, z2a, z2b, relu, clamp, zero, limit);
  } else if (tail == 2) {
    let z0a = v128.load64_splat(b);
    let z1a = v128.load64_splat(b, 8);
    let z0b = z0a;
    let z1b = z1a;
    for (let unit = layerInputs; unit < unitsEnd; unit += UNIT_BYTES) {
      if (sparse) {
        w = block + <usize>load<i32>(column);
        column += 4;
      }
      const a = v128.load(unit);
      const b = v128.load(unit, 16);
      const s0 = v128.load64_splat(w);
      z0a = f64x2.add(z0a, f64x2.mul(s0, a));
      z0b = f64x2.add(z0b, f64x2.mul(s0, b));
      const s1 = v128.load64_splat(w, 8);
      z1a = f64x2.add(z1a, f64x2.mul(s1, a));
      z1b = f64x2.add(z1b, f64x2.mul(s1, b));
      if (!sparse) w += 32;
    }
    storeUnit(out, z0a, z0b, relu, clamp, zero, limit);
    storeUnit(out + UNIT_BYTES, z1a, z1b, relu, clamp, zero, limit);
  } else {
    let z0a = v128.load64_splat(b);
    let z0b = z0a;
    for (let unit = layerInputs; unit < unitsEnd; unit += UNIT_BYTES) {
      if (sparse) {
        w = block + <usize>load<i32>(column);
        column += 4;
      }
      const s0 = v128.load64_splat(w);
      z0a = f64x2.add(z0a, f64x2.mul(s0, v128.load(unit)));
      z0b = f64x2.add(z0b, f64x2.mul(s0, v128.load(unit, 16)));
      if (!sparse) w += 32;
    }
    storeUnit(out, z0a, z0b, relu, clamp, zero, limit);
  }
}

// forwardLayer's variants, each compiled on its own (a flag tested in the loop's tail slowed it):
// the first layer (its inputs the levels not skipped, their columns listed) or a later one (every
// unit of the layer before, in order); hidden, with or without the clamp, or the output layer.

function firstHidden(inputs: i32, outputs: i32, width: i32, weights: usize, biases: usize, layerInputs: usize, layerOutputs: usize, columns: usize): void {
  forwardLayer(inputs, outputs, width, weights, biases, layerInputs, layerOutputs, columns, true, true, false);
}

function firstHiddenClamped(inputs: i32, outputs: i32, width: i32, weights: usize, biases: usize, layerInputs: usize, layerOutputs: usize, columns: usize): void {
  forwardLayer(inputs, outputs, width, weights, biases, layerInputs, layerOutputs, columns, true, true, true);
}

function firstOutput(inputs: i32, outputs: i32, width: i32, weights: usize, biases: usize, layerInputs: usize, layerOutputs: usize, columns: usize): void {
  forwardLayer(inputs, outputs, width, weights, biases, layerInputs, layerOutputs, columns, true, false, false);
}

function nextHidden(inputs: i32, outputs: i32, weights: usize, biases: usize, layerInputs: usize, layerOutputs: usize): void {
  forwardLayer(inputs, outputs, inputs, weights, biases, layerInputs, layerOutputs, 0, false, true, false);
}

function nextHiddenClamped(inputs: i32, outputs: i32, weights: usize, biases: usize, layerInputs: usize, layerOutputs: usize): void {
  forwardLayer(inputs, outputs, inputs, weights, biases, layerInputs, layerOutputs, 0, false, true, true);
}

function nextOutput(inputs: i32, outputs: i32, weights: usize, biases: usize, layerInputs: usize, layerOutputs: usize): void {
  forwardLayer(inputs, outputs, inputs, weights, biases, layerInputs, layerOutputs, 0, false, false, false);
}

/** acc + s x h for the two halves of a unit, s the weight at `w` (a splat). */
@inline function accumulate(acc: v128, weight: v128, h: v128): v128 {
  return f64x2.add(acc, f64x2.mul(weight, h));
}

/**
 * The common network at once: the first layer, hidden (ReLU, no clamp), `hidden` units (a multiple
 * of four: renderRow's live units, padded), straight into an RGB output layer, whose sums take each block's four hidden units as
 * they come, in the order of the units, as the output layer's loop would. The hidden units are
 * neither stored nor read back, and the output layer needs no loop of its own. Writes the three
 * output units (float32 values) at `out`.
 */
function firstHiddenToRgb(inputs: i32, hidden: i32, width: i32, weights: usize, biases: usize, outWeights: usize, outBiases: usize, layerInputs: usize, columns: usize, out: usize): void {
  const zero = f64x2.splat(0);
  let ra = v128.load64_splat(outBiases);
  let ga = v128.load64_splat(outBiases, 8);
  let ba = v128.load64_splat(outBiases, 16);
  let rb = ra;
  let gb = ga;
  let bb = ba;
  const blockBytes = <usize>width << 5;
  const unitsEnd = layerInputs + <usize>inputs * UNIT_BYTES;
  let block = weights;
  let w2 = outWeights;
  for (let o = 0; o < hidden; o += 4) {
    const b = biases + (<usize>o << 3);
    let z0a = v128.load64_splat(b);
    let z1a = v128.load64_splat(b, 8);
    let z2a = v128.load64_splat(b, 16);
    let z3a = v128.load64_splat(b, 24);
    let z0b = z0a;
    let z1b = z1a;
    let z2b = z2a;
    let z3b = z3a;
    let column = columns;
    for (let unit = layerInputs; unit < unitsEnd; unit += UNIT_BYTES) {
      const w = block + <usize>load<i32>(column);
      column += 4;
      const a = v128.load(unit);
      const b = v128.load(unit, 16);
      const s0 = v128.load64_splat(w);
      z0a = f64x2.add(z0a, f64x2.mul(s0, a));
      z0b = f64x2.add(z0b, f64x2.mul(s0, b));
      const s1 = v128.load64_splat(w, 8);
      z1a = f64x2.add(z1a, f64x2.mul(s1, a));
      z1b = f64x2.add(z1b, f64x2.mul(s1, b));
      const s2 = v128.load64_splat(w, 16);
      z2a = f64x2.add(z2a, f64x2.mul(s2, a));
      z2b = f64x2.add(z2b, f64x2.mul(s2, b));
      const s3 = v128.load64_splat(w, 24);
      z3a = f64x2.add(z3a, f64x2.mul(s3, a));
      z3b = f64x2.add(z3b, f64x2.mul(s3, b));
    }
    // Hidden unit o + j, its outputs' weights at w2 + 32j (the output layer's one block).
    let ha = f64x2.pmax(zero, roundedToF32(z0a));
    let hb = f64x2.pmax(zero, roundedToF32(z0b));
    let s = v128.load64_splat(w2);
    ra = accumulate(ra, s, ha);
    rb = accumulate(rb, s, hb);
    s = v128.load64_splat(w2, 8);
    ga = accumulate(ga, s, ha);
    gb = accumulate(gb, s, hb);
    s = v128.load64_splat(w2, 16);
    ba = accumulate(ba, s, ha);
    bb = accumulate(bb, s, hb);
    ha = f64x2.pmax(zero, roundedToF32(z1a));
    hb = f64x2.pmax(zero, roundedToF32(z1b));
    s = v128.load64_splat(w2, 32);
    ra = accumulate(ra, s, ha);
    rb = accumulate(rb, s, hb);
    s = v128.load64_splat(w2, 40);
    ga = accumulate(ga, s, ha);
    gb = accumulate(gb, s, hb);
    s = v128.load64_splat(w2, 48);
    ba = accumulate(ba, s, ha);
    bb = accumulate(bb, s, hb);
    ha = f64x2.pmax(zero, roundedToF32(z2a));
    hb = f64x2.pmax(zero, roundedToF32(z2b));
    s = v128.load64_splat(w2, 64);
    ra = accumulate(ra, s, ha);
    rb = accumulate(rb, s, hb);
    s = v128.load64_splat(w2, 72);
    ga = accumulate(ga, s, ha);
    gb = accumulate(gb, s, hb);
    s = v128.load64_splat(w2, 80);
    ba = accumulate(ba, s, ha);
    bb = accumulate(bb, s, hb);
    ha = f64x2.pmax(zero, roundedToF32(z3a));
    hb = f64x2.pmax(zero, roundedToF32(z3b));
    s = v128.load64_splat(w2, 96);
    ra = accumulate(ra, s, ha);
    rb = accumulate(rb, s, hb);
    s = v128.load64_splat(w2, 104);
    ga = accumulate(ga, s, ha);
    gb = accumulate(gb, s, hb);
    s = v128.load64_splat(w2, 112);
    ba = accumulate(ba, s, ha);
    bb = accumulate(bb, s, hb);
    block += blockBytes;
    w2 += 128;
  }
  v128.store(out, roundedToF32(ra));
  v128.store(out, roundedToF32(rb), 16);
  v128.store(out, roundedToF32(ga), UNIT_BYTES);
  v128.store(out, roundedToF32(gb), UNIT_BYTES + 16);
  v128.store(out, roundedToF32(ba), 2 * UNIT_BYTES);
  v128.store(out, roundedToF32(bb), 2 * UNIT_BYTES + 16);
}

/** (value + 1/2) * 255 clamped to [0, 255] and rounded half up, as Math.round; NaN gives 0. */
@inline function toByte(value: f64): u8 {
  const v = (value + 0.5) * 255;
  if (!(v > 0)) return 0;
  if (v >= 255) return 255;
  const whole = floor<f64>(v);
  return <u8>(<i32>whole + (v - whole >= 0.5 ? 1 : 0));
}

/** 2^52: a whole number n in [0, 2^31) plus this has n in its low 32 bits. */
const LOW_BITS_OFFSET: f64 = 4503599627370496.0;

/**
 * toByte on two float64 lanes, as whole numbers in the low 32 bits of each lane: the same
 * comparisons and rounding. pmin and pmax clamp to [0, 255] and make NaN 0 (each gives its first
 * operand unless the second is smaller, or larger: a NaN compares false).
 */
@inline function toBytes2(value: v128): v128 {
  const v = f64x2.mul(f64x2.add(value, f64x2.splat(0.5)), f64x2.splat(255));
  const clamped = f64x2.pmax(f64x2.splat(0), f64x2.pmin(v, f64x2.splat(255)));
  const whole = f64x2.floor(clamped);
  const up = v128.and(f64x2.ge(f64x2.sub(clamped, whole), f64x2.splat(0.5)), f64x2.splat(1));
  return f64x2.add(f64x2.add(whole, up), f64x2.splat(LOW_BITS_OFFSET));
}

/** toByte on four pixels (two float64 vectors), as four i32 lanes. */
@inline function toBytes(low: v128, high: v128): v128 {
  return v128.shuffle<i32>(toBytes2(low), toBytes2(high), 0, 2, 4, 6);
}

/** toF32(left + fx * (right - left)) on two pixels, each of whose two cells are one float64 pair. */
@inline function lerp2(pair0: v128, pair1: v128, fx: v128): v128 {
  // Each pair is a cell and its difference to the next (renderRow): right - left, computed once.
  const left = v128.shuffle<f64>(pair0, pair1, 0, 2);
  const difference = v128.shuffle<f64>(pair0, pair1, 1, 3);
  return roundedToF32(f64x2.add(left, f64x2.mul(fx, difference)));
}

/** Every bit but the sign: a value is non-zero (or NaN) where its bits under this are. */
const MAGNITUDE_BITS: i32 = 0x7fffffff;
const MAGNITUDE_BITS_64: i64 = 0x7fffffffffffffff;

/**
 * Pixels of a row (a multiple of four) for which renderRow finds the levels that are all zeros and
 * the hidden units that stay 0.
 */
const SEGMENT_PIXELS = 64;
/**
 * The levels of this row (renderRow's active ones) whose cells are not all zeros in pixels x0 .. x1,
 * in order, written to segmentLevels (their count returned) with the least and the greatest cell
 * each, as float64 pairs at ranges: every input of the level there lies between them (an
 * interpolation between two of the cells, rounded to float32, which both are). The other levels'
 * inputs are all zeros there, and are skipped. (With NaN cells the range is not one: the fused
 * path, the only one to read it, runs on finite latents only.)
 */
function segmentLevels(x0: i32, x1: i32, paddedWidth: i32, activeCount: i32, activeLevels: usize, columnLeft: usize, blended: usize, segmentLevels: usize, ranges: usize): i32 {
  let count = 0;
  for (let a = 0; a < activeCount; a++) {
    const l = load<i32>(activeLevels + (<usize>a << 2));
    const first = load<i32>(columnLeft + (<usize>(l * paddedWidth + x0) << 2));
    const last = load<i32>(columnLeft + (<usize>(l * paddedWidth + x1) << 2)) + 1;
    let low = load<f64>(blended + (<usize>first << 4));
    let high = low;
    let bits = reinterpret<i64>(low);
    for (let c = first + 1; c <= last; c++) {
      const v = load<f64>(blended + (<usize>c << 4));
      low = select<f64>(v, low, v < low);
      high = select<f64>(v, high, v > high);
      bits |= reinterpret<i64>(v);
    }
    if ((bits & MAGNITUDE_BITS_64) == 0) continue;
    store<i32>(segmentLevels + (<usize>count << 2), l);
    store<f64>(ranges + (<usize>count << 4), low);
    store<f64>(ranges + (<usize>count << 4), high, 8);
    count++;
  }
  return count;
}

/** 2^-40: far above the relative rounding error of a sum of up to 14 terms in float64 (14 x 2^-53). */
const BOUND_SLACK: f64 = 9.094947017729282e-13;

/**
 * The hidden units of one hidden layer that can be positive somewhere in a segment of the row
 * (its levels not all zeros and their ranges from segmentLevels), in order, with their weights copied (the same block layout, `levels` columns) to liveWeights,
 * liveBiases and liveOutWeights, their count padded to a multiple of four with units of zero
 * weights. Each active level's inputs over the segment lie between the least and the greatest of
 * the blended cells their taps read, so a unit whose bias plus the largest products is negative
 * (by more than rounding can make up) sums to a negative at every pixel there: its ReLU output is
 * 0, and its terms in the output sums are zeros, which renderRow may skip (weights finite).
 */
function liveUnits(
  hidden: i32,
  levels: i32,
  activeCount: i32,
  activeLevels: usize,
  weights: usize,
  biases: usize,
  outWeights: usize,
  ranges: usize,
  liveWeights: usize,
  liveBiases: usize,
  liveOutWeights: usize,
): i32 {
  // Every value here is finite (the fused path's condition), so pmin and pmax are min and max.
  const slack = f64x2.splat(BOUND_SLACK);
  const zero = f64x2.splat(0);
  let live = 0;
  for (let o = 0; o < hidden; o += 4) {
    // Four units at once (two vectors): their weights of each level side by side.
    const block = weights + (<usize>((o >> 2) * levels) << 5);
    const b01 = v128.load(biases + (<usize>o << 3));
    const b23 = v128.load(biases + (<usize>o << 3), 16);
    let upper01 = b01;
    let upper23 = b23;
    let scale01 = f64x2.abs(b01);
    let scale23 = f64x2.abs(b23);
    for (let a = 0; a < activeCount; a++) {
      const l = load<i32>(activeLevels + (<usize>a << 2));
      const w01 = v128.load(block + (<usize>l << 5));
      const w23 = v128.load(block + (<usize>l << 5), 16);
      const low = v128.load64_splat(ranges + (<usize>a << 4));
      const high = v128.load64_splat(ranges + (<usize>a << 4), 8);
      const largest = f64x2.pmax(f64x2.abs(low), f64x2.abs(high));
      upper01 = f64x2.add(upper01, f64x2.pmax(f64x2.mul(w01, low), f64x2.mul(w01, high)));
      upper23 = f64x2.add(upper23, f64x2.pmax(f64x2.mul(w23, low), f64x2.mul(w23, high)));
      scale01 = f64x2.add(scale01, f64x2.mul(f64x2.abs(w01), largest));
      scale23 = f64x2.add(scale23, f64x2.mul(f64x2.abs(w23), largest));
    }
    // Lane j set: unit o + j can be positive (its bound, with the slack, is not below 0).
    const kept = i32x4.bitmask(v128.shuffle<i32>(
      f64x2.ge(f64x2.add(upper01, f64x2.mul(scale01, slack)), zero),
      f64x2.ge(f64x2.add(upper23, f64x2.mul(scale23, slack)), zero),
      0, 2, 4, 6,
    ));
    for (let j = 0; j < 4 && o + j < hidden; j++) {
      if ((kept & (1 << j)) == 0) continue;
      const unit = o + j;
      const from = block + (<usize>j << 3);
      const to = liveWeights + (<usize>((live >> 2) * levels) << 5) + (<usize>(live & 3) << 3);
      for (let l = 0; l < levels; l++) store<f64>(to + (<usize>l << 5), load<f64>(from + (<usize>l << 5)));
      store<f64>(liveBiases + (<usize>live << 3), load<f64>(biases + (<usize>unit << 3)));
      v128.store(liveOutWeights + (<usize>live << 5), v128.load(outWeights + (<usize>unit << 5)));
      v128.store(liveOutWeights + (<usize>live << 5), v128.load(outWeights + (<usize>unit << 5), 16), 16);
      live++;
    }
  }
  for (; (live & 3) != 0; live++) {
    const to = liveWeights + (<usize>((live >> 2) * levels) << 5) + (<usize>(live & 3) << 3);
    for (let l = 0; l < levels; l++) store<f64>(to + (<usize>l << 5), 0);
    store<f64>(liveBiases + (<usize>live << 3), 0);
    v128.store(liveOutWeights + (<usize>live << 5), v128.splat<i64>(0));
    v128.store(liveOutWeights + (<usize>live << 5), v128.splat<i64>(0), 16);
  }
  return live;
}

/**
 * Renders output row r of the rows whose taps the host wrote at ROW_UPPER, ROW_LOWER and ROW_FRAC
 * (level l's at l x ROWS_AT_ONCE + r), its pixels at `pixels`.
 *
 * Zero inputs are skipped where SKIP_ZEROS is set (the host sets it when every weight is finite):
 * a weight times a zero input is a zero, and adding a zero leaves a sum as it is but for the sign
 * of a zero sum, which neither the ReLU nor the conversion to bytes can tell apart. So the other
 * terms are added in the same order and the pixels are the reference's. Whole levels are skipped
 * for a row whose blended row is all zeros, a level in a segment of the row where its cells are
 * (segmentLevels), and a level's input for four pixels whose taps' cells are all zeros: fine grids
 * are mostly zeros (a file's finest level often wholly). Likewise the hidden units that stay 0 in
 * a segment (liveUnits), and their terms in the output sums.
 */
function renderRow(layout: usize, r: i32, pixels: usize): void {
  const outWidth = field(layout, OUT_WIDTH);
  const paddedWidth = (outWidth + 3) & ~3;
  const channels = field(layout, CHANNELS);
  const levels = field(layout, LEVELS);
  const layerCount = field(layout, LAYER_COUNT);
  const skipZeros = field(layout, SKIP_ZEROS) != 0;
  const clamp = field(layout, UNCLAMPED) == 0;
  const latents = address(layout, LATENTS);
  const blended = address(layout, BLENDED);
  const columnLeft = address(layout, COLUMN_LEFT);
  const columnFrac = address(layout, COLUMN_FRAC);
  const weights = address(layout, WEIGHTS);
  const biases = address(layout, BIASES);
  // One hidden layer, unclamped, into RGB: the default network, fused, its units that stay 0 in a
  // segment of the row left out (liveUnits).
  const hiddenWidth = field(layout, WIDTHS + 1);
  const fused = layerCount == 2 && channels == 3 && !clamp && skipZeros;
  const paddedHidden = (hiddenWidth + 3) & ~3;
  const outWeights = weights + (<usize>(paddedHidden * levels) << 3);
  const outBiases = biases + (<usize>paddedHidden << 3);
  const ranges = address(layout, INPUT_RANGES);
  const liveWeights = address(layout, LIVE_WEIGHTS);
  const liveBiases = address(layout, LIVE_BIASES);
  const liveOutWeights = address(layout, LIVE_OUT_WEIGHTS);
  const activeLevels = address(layout, ACTIVE_LEVELS);
  // This segment's levels: the active ones not all zeros there (all active ones without skipping).
  const segmentActive = skipZeros ? address(layout, SEGMENT_LEVELS) : activeLevels;
  const inputColumns = address(layout, INPUT_COLUMNS);

  // Each level: the blend of the two grid rows this output row falls between.
  let blendedAt = blended;
  let activeCount = 0;
  for (let l = 0; l < levels; l++) {
    const gridWidth = load<i32>(address(layout, GRID_WIDTHS) + (<usize>l << 2));
    const tap = <usize>(l * field(layout, ROWS_AT_ONCE) + r) << 2;
    const upper = latents + (<usize>load<i32>(address(layout, ROW_UPPER) + tap) << 2);
    const lower = latents + (<usize>load<i32>(address(layout, ROW_LOWER) + tap) << 2);
    const fy = <f64>load<f32>(address(layout, ROW_FRAC) + tap);
    // Each cell as a pair: its value, and the next cell's value minus it (float64), which is the
    // interpolation's right - left: a tap's second cell is its first + 1, or its first at the
    // row's end (geometry.ts axisTaps), where the difference is 0. One more pair past the end
    // (the last cell, 0) ends the row for segmentLevels. A tap's cells are one load.
    let bits: i32 = 0;
    let previous: f64 = 0;
    for (let c = 0; c < gridWidth; c++) {
      const top = <f64>load<f32>(upper + (<usize>c << 2));
      const bottom = <f64>load<f32>(lower + (<usize>c << 2));
      const value = <f64>(<f32>(top + fy * (bottom - top)));
      store<f64>(blendedAt + (<usize>c << 4), value);
      if (c > 0) store<f64>(blendedAt + (<usize>(c - 1) << 4), value - previous, 8);
      previous = value;
      bits |= reinterpret<i32>(<f32>value);
    }
    store<f64>(blendedAt + (<usize>(gridWidth - 1) << 4), 0, 8);
    store<f64>(blendedAt + (<usize>gridWidth << 4), previous);
    store<f64>(blendedAt + (<usize>gridWidth << 4), 0, 8);
    blendedAt += <usize>(gridWidth + 1) << 4;
    if (!skipZeros || (bits & MAGNITUDE_BITS) != 0) {
      store<i32>(activeLevels + (<usize>activeCount << 2), l);
      activeCount++;
    }
  }

  const magnitude = i64x2.splat(MAGNITUDE_BITS_64);
  let live = 0;
  let segmentCount = 0;
  for (let x = 0; x < outWidth; x += 4) {
    if (x % SEGMENT_PIXELS == 0) {
      const x1 = min(x + SEGMENT_PIXELS, outWidth) - 1;
      segmentCount = skipZeros ? segmentLevels(x, x1, paddedWidth, activeCount, activeLevels, columnLeft, blended, segmentActive, ranges) : activeCount;
      if (fused) live = liveUnits(hiddenWidth, levels, segmentCount, segmentActive, weights, biases, outWeights, ranges, liveWeights, liveBiases, liveOutWeights);
    }
    // The network's inputs: each level's blended row interpolated at the four pixels; those not
    // all zero, in the order of the levels, with the byte offsets of their weights.
    let inputs = address(layout, LAYER_INPUTS);
    let outputs = address(layout, LAYER_OUTPUTS);
    let inputCount = 0;
    // Four lanes at a time, the same float64 operations as one at a time.
    for (let a = 0; a < segmentCount; a++) {
      const l = load<i32>(segmentActive + (<usize>a << 2));
      const tap = <usize>(l * paddedWidth + x);
      const left = columnLeft + (tap << 2);
      const pair0 = v128.load(blended + (<usize>load<i32>(left) << 4));
      const pair1 = v128.load(blended + (<usize>load<i32>(left, 4) << 4));
      const pair2 = v128.load(blended + (<usize>load<i32>(left, 8) << 4));
      const pair3 = v128.load(blended + (<usize>load<i32>(left, 12) << 4));
      if (skipZeros && !v128.any_true(v128.and(v128.or(v128.or(pair0, pair1), v128.or(pair2, pair3)), magnitude))) continue;
      const fx = columnFrac + (tap << 3);
      const unit = inputs + <usize>inputCount * UNIT_BYTES;
      v128.store(unit, lerp2(pair0, pair1, v128.load(fx)));
      v128.store(unit, lerp2(pair2, pair3, v128.load(fx, 16)), 16);
      store<i32>(inputColumns + (<usize>inputCount << 2), l << 5);
      inputCount++;
    }
    if (fused) {
      firstHiddenToRgb(inputCount, live, levels, liveWeights, liveBiases, liveOutWeights, outBiases, inputs, inputColumns, outputs);
      inputs = outputs;
    } else {
      let weightAt = weights;
      let biasAt = biases;
      for (let k = 0; k < layerCount; k++) {
        const layerIn = field(layout, WIDTHS + k);
        const layerOut = field(layout, WIDTHS + k + 1);
        const paddedOut = (layerOut + 3) & ~3;
        if (k == layerCount - 1) {
          if (k == 0) firstOutput(inputCount, layerOut, layerIn, weightAt, biasAt, inputs, outputs, inputColumns);
          else nextOutput(layerIn, layerOut, weightAt, biasAt, inputs, outputs);
        } else if (k == 0) {
          if (clamp) firstHiddenClamped(inputCount, layerOut, layerIn, weightAt, biasAt, inputs, outputs, inputColumns);
          else firstHidden(inputCount, layerOut, layerIn, weightAt, biasAt, inputs, outputs, inputColumns);
        } else if (clamp) {
          nextHiddenClamped(layerIn, layerOut, weightAt, biasAt, inputs, outputs);
        } else {
          nextHidden(layerIn, layerOut, weightAt, biasAt, inputs, outputs);
        }
        weightAt += <usize>(paddedOut * layerIn) << 3;
        biasAt += <usize>paddedOut << 3;
        const swap = inputs;
        inputs = outputs;
        outputs = swap;
      }
    }
    const lanes = min(4, outWidth - x);
    if (lanes == 4 && channels == 3) {
      // Twelve bytes: the three channels' four bytes each, interleaved pixel by pixel (the store
      // writes sixteen; the host leaves room past the row, and the next pixels overwrite the rest).
      const red = toBytes(v128.load(inputs), v128.load(inputs, 16));
      const green = toBytes(v128.load(inputs, UNIT_BYTES), v128.load(inputs, UNIT_BYTES + 16));
      const blue = toBytes(v128.load(inputs, 2 * UNIT_BYTES), v128.load(inputs, 2 * UNIT_BYTES + 16));
      const planar = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_u(red, green), i16x8.narrow_i32x4_u(blue, blue));
      v128.store(pixels + <usize>(x * 3), v128.shuffle<u8>(planar, planar, 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11, 12, 13, 14, 15));
    } else if (lanes == 4) {
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

/**
 * Renders `rows` output rows (at most ROWS_AT_ONCE), whose taps the host wrote at ROW_UPPER,
 * ROW_LOWER and ROW_FRAC, their pixels one after another at PIXELS: a strip at a call.
 */
export function renderRows(layout: usize, rows: i32): void {
  const stride = <usize>(field(layout, OUT_WIDTH) * field(layout, CHANNELS));
  const pixels = address(layout, PIXELS);
  for (let r = 0; r < rows; r++) renderRow(layout, r, pixels + <usize>r * stride);
}

/**
 * The largest magnitude of `count` float32 values (NaN if one is NaN: f32x4.max keeps NaN), as
 * wasm-render.ts largestMagnitude: the bound of sumsBelow.
 */
export function largestMagnitude(values: usize, count: i32): f64 {
  let largest = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= count; i += 4) largest = f32x4.max(largest, f32x4.abs(v128.load(values + (<usize>i << 2))));
  let result = <f64>max(max(f32x4.extract_lane(largest, 0), f32x4.extract_lane(largest, 1)), max(f32x4.extract_lane(largest, 2), f32x4.extract_lane(largest, 3)));
  for (; i < count; i++) result = max(result, <f64>abs(load<f32>(values + (<usize>i << 2))));
  return result;
}
