/**
 * The WebAssembly kernels' layout tables, defined once for both sides: every kernel reads its
 * arguments from a table of i32 fields that the host writes (assembly/layout.ts reads a field),
 * either a value (a width, a count) or the address of an array in linear memory. The hosts
 * (src/synthesis/render-wasm.ts, src/synthesis/distortion-wasm.ts, src/kernels/latents-wasm.ts)
 * and the kernels (assembly/*.ts, which import this file) index the table with these slots.
 *
 * This file is compiled both by tsc and by AssemblyScript: plain const enums only.
 */

/** The layout table of renderRow (assembly/synthesis.ts). */
export const enum SynthesisSlot {
  OutWidth,
  Channels,
  Levels,
  LayerCount,
  /** f32 latent grids, all levels concatenated. */
  Latents,
  /** i32 grid width per level. */
  GridWidths,
  /** Rows rendered at a call at most (renderRows). */
  RowsAtOnce,
  /** Those rows' taps, level l's row r at l x RowsAtOnce + r: i32 latent index of the upper and lower grid row, f32 fraction. */
  RowUpper,
  RowLower,
  RowFrac,
  /** Per cell, f64 pairs: the blend (rounded to float32) of each level's two grid rows, and the next cell's minus it; levels concatenated. */
  Blended,
  /** Per (level, output column), level l column x at l * paddedWidth + x: i32 index into BLENDED of its left cell, f64 fraction. */
  ColumnLeft,
  ColumnFrac,
  /**
   * f64 weights, per layer in blocks of four output units (padded with zeros), per input the
   * block's four weights: layer weight [4b + j][i] at (b * inputs + i) * 4 + j; f64 biases, padded.
   */
  Weights,
  Biases,
  /** f64 activations of four pixels per unit: the layer's inputs, then its outputs. */
  LayerInputs,
  LayerOutputs,
  /** u8 pixels of the rows, channels interleaved, and 16 bytes to spare (a store writes 16 at a time). */
  Pixels,
  /** 1 where zero inputs and hidden units may be skipped (every weight finite), else 0. */
  SkipZeros,
  /** 1 where no hidden unit's sum can reach MAX_ACTIVATION, so that the clamp is left out, else 0. */
  Unclamped,
  /** i32 scratch: this row's levels not all zero, then the byte offsets in a weight block of the inputs taken. */
  ActiveLevels,
  InputColumns,
  /** i32 scratch: a segment of the row's levels not all zeros; f64 the least and greatest input of each. */
  SegmentLevels,
  InputRanges,
  /** Scratch: the weights (the Weights layout) and biases of the first layer's units that can be positive in the segment, and their weights in the output layer. */
  LiveWeights,
  LiveBiases,
  LiveOutWeights,
  /** Widths of every layer, LAYER_COUNT + 1 of them: levels, hidden..., channels. */
  Widths,
}

/** The layout table of distortionPass (assembly/distortion.ts). */
export const enum DistortionSlot {
  Width,
  PaddedWidth,
  Height,
  Channels,
  Levels,
  LayerCount,
  RowCount,
  /** f32 latents, all levels concatenated. */
  Latents,
  /** f64 latent gradient accumulators, one per latent. */
  LatentGrad,
  /** f32 target, planar: channel c, row y, column x at (c * height + y) * paddedWidth + x. */
  Target,
  /** i32 grid columns and f32 fractions per (level, column): level l column x at l * paddedWidth + x. */
  ColumnFirst,
  ColumnSecond,
  ColumnFrac,
  /** i32 latent index of a grid row's first cell, and f32 fractions, per (level, image row): l * height + y. */
  RowFirst,
  RowSecond,
  RowFrac,
  /** i32 image rows to visit. */
  Rows,
  /** f32 weights (per layer, padded outputs x padded inputs, row-major) and biases (padded). */
  Weights,
  Biases,
  /** f32x4 per-lane gradient sums of the current row, one per padded weight and bias. */
  WeightLanes,
  BiasLanes,
  /** f64 gradient accumulators over the pass, one per padded weight and bias. */
  WeightGrad,
  BiasGrad,
  /** f32x4 activations and deltas of every padded unit of every layer, latents first. */
  Activations,
  Deltas,
  /** Padded widths of every layer, LAYER_COUNT + 1 of them. */
  PaddedWidths,
}

/** The layout table of latentProxy, latentRate and latentAdam (assembly/latents.ts). */
export const enum LatentSlot {
  Levels,
  /** f32 latents, all levels concatenated, and the proxy of them the synthesis sees. */
  Latents,
  ProxyLatents,
  /** i32 rounded latents. */
  Rounded,
  /** u32 state (a, b, c, d) of the host's seeded generator (src/optimizer/random.ts), taken over for the noise. */
  RandomState,
  /** f64 latent gradient; f32 Adam moments. */
  LatentGrad,
  Moment1,
  Moment2,
  /** f64 (1 / scale, tail ratio, log gap) per (level, context), see src/entropy/rate.ts. */
  Laplace,
  /** f64 prediction coefficients per (level, tap): left, top, top-left, top-right. */
  Predictors,
  /** f64 gradient sums per (level, context) and per (level, tap). */
  ScaleGrad,
  PredictorGrad,
  /** f64 bits of the proxy latents, then of the rounded latents. */
  Bits,
  /** f64 rate table per (level, context): (bits, dBits/d|value|, dBits/dLogScale) at RATE_TABLE_STEPS + 1 points. */
  RateTable,
  /** u8 context of each activity 0 .. LastActivity (src/entropy/linear-context-model.ts); larger ones take LastActivity's. */
  ContextOfActivity,
  LastActivity,
  /** i32 width and height of every level's grid. */
  Grids,
}

/** The layout table of decodeLatents (assembly/latent-decode.ts): one grid's values, range decoded. */
export const enum LatentDecodeSlot {
  /** u8 payload bytes and their count. */
  Data,
  DataLength,
  /** The range decoder's state: code and range (whole numbers below 2^32, as i32 bits), the next byte. Read, and written back. */
  Code,
  Range,
  Position,
  /** The grid's width and height, its i32 values, and the cell to decode next (written back where it stopped). */
  Width,
  Height,
  Values,
  Next,
  /** The prediction coefficients in sixteenths: left, top, top-left, top-right. */
  Left,
  Top,
  TopLeft,
  TopRight,
  /** u8 context of each activity 0 .. LastActivity (larger ones take LastActivity's). */
  ContextOfActivity,
  LastActivity,
  /** Per key (context x 16 + mean offset + 8): i32 address of its table's u32 cumulative frequencies (0: not given yet), i32 its largest magnitude. */
  Tables,
  Magnitudes,
  /** Written: the key of the table wanted, or the value out of range. */
  Wanted,
}
