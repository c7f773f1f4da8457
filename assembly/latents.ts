/**
 * The trainer's per-latent work in WebAssembly: the quantization proxy, the rate pass (with the
 * latents' contexts) and the latents' Adam update. The same computation as the reference,
 * src/kernels/latents.ts, in the same order (float64). The entropy model it implements is
 * src/entropy/linear-context-model.ts: its sizes are compiled in from src/entropy/kernel-constants.ts,
 * its tables (the context of each activity, the Laplace constants and the rate table, whose exp
 * and log the host evaluates) come from the host.
 *
 * The host (src/kernels/latents-wasm.ts) lays out every array in linear memory and
 * describes the layout in a table of i32 fields; the slots are defined once, in src/kernels/wasm-layout.ts.
 */
import { address, field } from './layout';
import { LatentSlot } from '../src/kernels/wasm-layout';
import { CONTEXT_COUNT, PREDICTION_TAPS, RATE_TABLE_STEPS, RATE_TABLE_STRIDE } from '../src/entropy/kernel-constants';

// Layout table slots (src/kernels/wasm-layout.ts).
const LEVELS = LatentSlot.Levels;
const LATENTS = LatentSlot.Latents;
const PROXY_LATENTS = LatentSlot.ProxyLatents;
const ROUNDED = LatentSlot.Rounded;
const RANDOM_STATE = LatentSlot.RandomState;
const LATENT_GRAD = LatentSlot.LatentGrad;
const MOMENT1 = LatentSlot.Moment1;
const MOMENT2 = LatentSlot.Moment2;
const LAPLACE = LatentSlot.Laplace;
const PREDICTORS = LatentSlot.Predictors;
const SCALE_GRAD = LatentSlot.ScaleGrad;
const PREDICTOR_GRAD = LatentSlot.PredictorGrad;
const BITS = LatentSlot.Bits;
const RATE_TABLE = LatentSlot.RateTable;
const CONTEXT_OF_ACTIVITY = LatentSlot.ContextOfActivity;
const LAST_ACTIVITY = LatentSlot.LastActivity;
const GRIDS = LatentSlot.Grids;

const ADAM_BETA1: f64 = 0.9;
const ADAM_BETA2: f64 = 0.999;
const ADAM_EPSILON: f64 = 1e-8;

@inline function latentCount(layout: usize): i32 {
  let count = 0;
  for (let l = 0; l < field(layout, LEVELS); l++) count += field(layout, GRIDS + 2 * l) * field(layout, GRIDS + 2 * l + 1);
  return count;
}

@inline function roundedAt(rounded: usize, i: i32): i32 {
  return load<i32>(rounded + (<usize>i << 2));
}

/** sfc32, as src/optimizer/random.ts next(): uniform in [0, 1), the same numbers in the same order. */
@inline function nextUniform(state: usize): f64 {
  const a = load<u32>(state);
  const b = load<u32>(state, 4);
  const c = load<u32>(state, 8);
  const d = load<u32>(state, 12);
  const t = a + b + d;
  store<u32>(state, b ^ (b >>> 9));
  store<u32>(state, c + (c << 3), 4);
  store<u32>(state, rotl<u32>(c, 21) + t, 8);
  store<u32>(state, d + 1, 12);
  return <f64>t / 4294967296;
}

/** Rounds the latents and writes the proxy (rounded, or plus noise - 1/2); latentRate finds the contexts. */
export function latentProxy(layout: usize, roundProxy: bool): void {
  const latents = address(layout, LATENTS);
  const proxy = address(layout, PROXY_LATENTS);
  const rounded = address(layout, ROUNDED);
  const state = address(layout, RANDOM_STATE);
  const count = latentCount(layout);
  for (let i = 0; i < count; i++) {
    const value = <f64>load<f32>(latents + (<usize>i << 2));
    // Math.round without its select, which V8 compiles to a branch that random values mispredict;
    // exact for float32 values (value + 0.5 rounds only where the floor is 0 either way).
    const r = copysign<f64>(floor<f64>(value + 0.5), value);
    store<i32>(rounded + (<usize>i << 2), <i32>r);
    store<f32>(proxy + (<usize>i << 2), <f32>(roundProxy ? r : value + nextUniform(state) - 0.5));
  }
}

// The derivatives of the last laplaceBinRate call (AssemblyScript returns one value).
let dBitsdValue: f64 = 0;
let dBitsdLogScale: f64 = 0;

const INVERSE_LN2: f64 = 1 / Math.LN2;

/**
 * src/entropy/rate.ts tabulatedBinRate: outside the central bin laplaceBinRate's closed form
 * (with 1/scale given), inside it the rate table interpolated, the same operations in the same
 * order as the reference. Returns the bits, leaves the derivatives in the globals.
 */
@inline function tabulatedBinRate(value: f64, inverseScale: f64, tailRatio: f64, logGap: f64, table: usize): f64 {
  const magnitude = abs(value);
  if (magnitude > 0.5) {
    const excess = (magnitude - 0.5) * inverseScale;
    dBitsdValue = (value < 0 ? -inverseScale : inverseScale) * INVERSE_LN2;
    dBitsdLogScale = -(excess - (tailRatio * inverseScale) / (1 - tailRatio)) * INVERSE_LN2;
    return (Math.LN2 + excess - logGap) * INVERSE_LN2;
  }
  const position = magnitude * (2 * RATE_TABLE_STEPS);
  const step = min<f64>(floor<f64>(position), RATE_TABLE_STEPS - 1);
  const fraction = position - step;
  const at = table + (<usize>step * 3) * 8;
  const slope = load<f64>(at, 8) + fraction * (load<f64>(at, 32) - load<f64>(at, 8));
  dBitsdValue = value < 0 ? -slope : slope;
  dBitsdLogScale = load<f64>(at, 16) + fraction * (load<f64>(at, 40) - load<f64>(at, 16));
  return load<f64>(at) + fraction * (load<f64>(at, 24) - load<f64>(at));
}

/**
 * Adds weight * d(bits)/d(param) to the latents', scales' and predictors' gradients and writes the
 * bits of the proxy and of the rounded latents, each coded under a Laplace centred on the
 * prediction from the rounded causal neighbours (a constant for the gradients, as in the reference).
 */
export function latentRate(layout: usize, weight: f64, expected: bool): void {
  const latents = address(layout, LATENTS);
  const rounded = address(layout, ROUNDED);
  const proxy = address(layout, PROXY_LATENTS);
  const grad = address(layout, LATENT_GRAD);
  const laplace = address(layout, LAPLACE);
  const predictors = address(layout, PREDICTORS);
  const scaleGrad = address(layout, SCALE_GRAD);
  const predictorGrad = address(layout, PREDICTOR_GRAD);
  const rateTable = address(layout, RATE_TABLE);
  const contextOfActivity = address(layout, CONTEXT_OF_ACTIVITY);
  const lastActivity = field(layout, LAST_ACTIVITY);
  let proxyBits: f64 = 0;
  let roundedBits: f64 = 0;
  // Rounded latents come in long runs of one value (mostly zeros beside zeros) under one context:
  // their bits are computed once per run.
  let repeatedValue: f64 = NaN;
  let repeatedConstants: usize = 0;
  let repeatedBits: f64 = 0;
  let start = 0;
  for (let l = 0; l < field(layout, LEVELS); l++) {
    const width = field(layout, GRIDS + 2 * l);
    const height = field(layout, GRIDS + 2 * l + 1);
    const levelLaplace = laplace + <usize>(l * CONTEXT_COUNT * 3) * 8;
    const levelTable = rateTable + <usize>(l * CONTEXT_COUNT * RATE_TABLE_STRIDE) * 8;
    const levelScaleGrad = scaleGrad + <usize>(l * CONTEXT_COUNT) * 8;
    const taps = predictors + <usize>(l * PREDICTION_TAPS) * 8;
    const cLeft = load<f64>(taps);
    const cTop = load<f64>(taps, 8);
    const cTopLeft = load<f64>(taps, 16);
    const cTopRight = load<f64>(taps, 24);
    let gLeft: f64 = 0;
    let gTop: f64 = 0;
    let gTopLeft: f64 = 0;
    let gTopRight: f64 = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = start + y * width + x;
        const hasLeft = x > 0;
        const hasRight = x + 1 < width;
        const left = hasLeft ? roundedAt(rounded, i - 1) : 0;
        const top = y > 0 ? roundedAt(rounded, i - width) : 0;
        const topLeft = y > 0 && hasLeft ? roundedAt(rounded, i - width - 1) : 0;
        const topRight = y > 0 && hasRight ? roundedAt(rounded, i - width + 1) : 0;
        const mean = cLeft * <f64>left + cTop * <f64>top + cTopLeft * <f64>topLeft + cTopRight * <f64>topRight;
        // The context from the same neighbours' activity (missing ones count 0), looked up in the host's table.
        const activity = min(2 * abs(left) + 2 * abs(top) + abs(topLeft) + abs(topRight), lastActivity);
        const k = <usize>load<u8>(contextOfActivity + <usize>activity);
        const constants = levelLaplace + k * 24;
        const inverseScale = load<f64>(constants);
        const tailRatio = load<f64>(constants, 8);
        const logGap = load<f64>(constants, 16);
        const table = levelTable + k * (RATE_TABLE_STRIDE * 8);
        const roundedValue = <f64>roundedAt(rounded, i) - mean;
        if (roundedValue != repeatedValue || constants != repeatedConstants) {
          repeatedBits = tabulatedBinRate(roundedValue, inverseScale, tailRatio, logGap, table);
          repeatedValue = roundedValue;
          repeatedConstants = constants;
        }
        roundedBits += repeatedBits;
        proxyBits += tabulatedBinRate(<f64>load<f32>(proxy + (<usize>i << 2)) - mean, inverseScale, tailRatio, logGap, table);
        const scaleAt = levelScaleGrad + (k << 3);
        store<f64>(scaleAt, load<f64>(scaleAt) + weight * dBitsdLogScale);
        let d = weight * dBitsdValue;
        if (expected) {
          const centred = <f64>load<f32>(latents + (<usize>i << 2)) - mean;
          const upper = tabulatedBinRate(centred + 0.5, inverseScale, tailRatio, logGap, table);
          d = weight * (upper - tabulatedBinRate(centred - 0.5, inverseScale, tailRatio, logGap, table));
        }
        const gradAt = grad + (<usize>i << 3);
        store<f64>(gradAt, load<f64>(gradAt) + d);
        gLeft -= d * <f64>left;
        gTop -= d * <f64>top;
        gTopLeft -= d * <f64>topLeft;
        gTopRight -= d * <f64>topRight;
      }
    }
    const tapGrad = predictorGrad + <usize>(l * PREDICTION_TAPS) * 8;
    store<f64>(tapGrad, load<f64>(tapGrad) + gLeft);
    store<f64>(tapGrad, load<f64>(tapGrad, 8) + gTop, 8);
    store<f64>(tapGrad, load<f64>(tapGrad, 16) + gTopLeft, 16);
    store<f64>(tapGrad, load<f64>(tapGrad, 24) + gTopRight, 24);
    start += width * height;
  }
  const bits = address(layout, BITS);
  store<f64>(bits, proxyBits);
  store<f64>(bits, roundedBits, 8);
}

/** One Adam step of the latents, as src/optimizer/adam.ts: `rate` already divided by the first correction. */
export function latentAdam(layout: usize, rate: f64, correction2: f64): void {
  const latents = address(layout, LATENTS);
  const grad = address(layout, LATENT_GRAD);
  const moment1 = address(layout, MOMENT1);
  const moment2 = address(layout, MOMENT2);
  const count = latentCount(layout);
  for (let i = 0; i < count; i++) {
    const at = <usize>i << 2;
    const g = load<f64>(grad + (<usize>i << 3));
    const m = <f64><f32>(ADAM_BETA1 * <f64>load<f32>(moment1 + at) + (1 - ADAM_BETA1) * g);
    const v = <f64><f32>(ADAM_BETA2 * <f64>load<f32>(moment2 + at) + (1 - ADAM_BETA2) * g * g);
    store<f32>(moment1 + at, <f32>m);
    store<f32>(moment2 + at, <f32>v);
    store<f32>(latents + at, <f32>(<f64>load<f32>(latents + at) - (rate * m) / (Math.sqrt(v / correction2) + ADAM_EPSILON)));
  }
}
