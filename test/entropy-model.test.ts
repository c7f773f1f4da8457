/**
 * The latent entropy model (src/entropy/latent-model.ts, linear-context-model.ts): a grid coded
 * through it round-trips, its cost is what the range coder spends, the payload codes grids
 * exactly as it does, and its training-time rate agrees with its coding.
 */
import { describe, expect, it } from 'vitest';
import { laplaceScale } from '../src/entropy/laplace.js';
import { LatentGrid, decodeCellByCell, decodeGridValues, encodeGridValues, gridValueBits } from '../src/entropy/latent-model.js';
import { EntropyError, FREQ_BITS, laplaceTable } from '../src/entropy/laplace.js';
import { WasmLatentDecoder } from '../src/kernels/latent-decode-wasm.js';
import {
  CONTEXT_COUNT,
  COEFFICIENT_DENOMINATOR,
  PREDICTION_TAPS,
  contextOfActivityTable,
  latentContext,
  LinearContextCoding,
  LinearGridParameters,
  linearContextModel,
} from '../src/entropy/linear-context-model.js';
import { RangeDecoder, RangeEncoder } from '../src/entropy/range-coder.js';
import { QuantizedModel, decodePayload, encodePayload, gridSideBits, gridValueBits as payloadGridValueBits } from '../src/format/payload.js';
import { Random } from '../src/optimizer/random.js';

/**
 * A grid like trained latents: a smooth field (so that neighbours predict each other) plus noise,
 * rounded, with quiet stretches of zeros and a few values large enough to escape.
 */
function latentGrid(width: number, height: number, seed: number, escapes = true): LatentGrid {
  const random = new Random(seed);
  const values = new Int32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const field = 6 * Math.sin(x / 5) * Math.cos(y / 7) + 0.8 * random.normal();
      values[y * width + x] = x < width / 4 ? 0 : escapes && random.next() < 0.003 ? Math.round(400 * random.normal()) : Math.round(field);
    }
  }
  return { width, height, values };
}

describe('the linear context model', () => {
  const grid = latentGrid(61, 37, 1);
  const fitted = linearContextModel.fitGrid(grid, [6, 8, -1, 2], true);

  it('round-trips a grid: parameters, then values', () => {
    const encoder = new RangeEncoder();
    linearContextModel.writeGridParameters(encoder, fitted.parameters);
    encodeGridValues(linearContextModel, encoder, [grid], 0, fitted.parameters);
    const decoder = new RangeDecoder(encoder.finish());
    const parameters = linearContextModel.readGridParameters(decoder);
    expect(parameters).toEqual(fitted.parameters);
    const decoded = { width: grid.width, height: grid.height, values: new Int32Array(grid.values.length) };
    decodeGridValues(linearContextModel, decoder, [decoded], 0, parameters);
    expect(decoded.values).toEqual(grid.values);
  });

  it('reports the cost the range coder spends', () => {
    const bits = gridValueBits(linearContextModel, [grid], 0, fitted.parameters);
    // The fit sums the same code lengths, by context rather than in raster order.
    expect(fitted.bits).toBeCloseTo(bits, 6);
    const encoder = new RangeEncoder();
    linearContextModel.writeGridParameters(encoder, fitted.parameters);
    encodeGridValues(linearContextModel, encoder, [grid], 0, fitted.parameters);
    const coded = encoder.finish().length * 8;
    const estimated = linearContextModel.gridParameterBits() + bits;
    // The coder's overhead: up to two bytes to end the stream, and its integer ranges (3320 bits
    // coded here, 3317.9 estimated).
    expect(Math.abs(coded - estimated), `${coded} bits coded, ${estimated.toFixed(1)} estimated`).toBeLessThanOrEqual(0.001 * estimated + 16);
  });

  it('fits better parameters than the start, and refining never costs more', () => {
    const plain = linearContextModel.fitGrid(grid, [6, 8, -1, 2], false);
    expect(plain.parameters.coefficients).toEqual([6, 8, -1, 2]);
    expect(fitted.bits).toBeLessThanOrEqual(plain.bits);
    const unpredicted = linearContextModel.fitGrid(grid, [0, 0, 0, 0], false);
    expect(plain.bits).toBeLessThan(unpredicted.bits); // neighbours predict this grid
    expect(fitted.parameters.scaleIndices).toHaveLength(CONTEXT_COUNT);
  });

  it('codes grids exactly as the payload does', () => {
    const coarse = latentGrid(31, 19, 2);
    const coarseFit = linearContextModel.fitGrid(coarse, [5, 7, 0, 1], true);
    const sizes = [grid, coarse].map(({ width, height }) => ({ width, height }));
    const model: QuantizedModel = {
      latentStepIndex: 17,
      layers: [],
      grids: [
        { ...fitted.parameters, values: grid.values },
        { ...coarseFit.parameters, values: coarse.values },
      ],
    };
    const payload = encodePayload(model, sizes);
    // The payload syntax: the latent step, then per grid, coarsest first, the used flag, the
    // model's parameters and its values.
    const encoder = new RangeEncoder();
    encoder.encodeBits(17, 6);
    for (const [level, parameters] of [[1, coarseFit.parameters], [0, fitted.parameters]] as const) {
      encoder.encodeBits(1, 1);
      linearContextModel.writeGridParameters(encoder, parameters);
      encodeGridValues(linearContextModel, encoder, [grid, coarse], level, parameters);
    }
    expect(encoder.finish()).toEqual(payload);
    expect(decodePayload(payload, [], sizes)).toEqual(model);
    expect(gridSideBits(model.grids[0])).toBe(1 + linearContextModel.gridParameterBits());
    expect(payloadGridValueBits(model.grids[0], sizes[0])).toBe(gridValueBits(linearContextModel, [grid], 0, fitted.parameters));
  });

  it('in format version 1 codes no coefficients and takes them as zero', () => {
    const version1 = new LinearContextCoding(false);
    const parameters = linearContextModel.fitGrid(grid, [0, 0, 0, 0], false).parameters;
    const encoder = new RangeEncoder();
    version1.writeGridParameters(encoder, parameters);
    encodeGridValues(version1, encoder, [grid], 0, parameters);
    const bytes = encoder.finish();
    const decoder = new RangeDecoder(bytes);
    expect(version1.readGridParameters(decoder)).toEqual(parameters);
    const decoded = { width: grid.width, height: grid.height, values: new Int32Array(grid.values.length) };
    decodeGridValues(version1, decoder, [decoded], 0, parameters);
    expect(decoded.values).toEqual(grid.values);
    expect(version1.gridParameterBits()).toBe(linearContextModel.gridParameterBits() - 24);
    expect(() => version1.writeGridParameters(new RangeEncoder(), fitted.parameters)).toThrow(RangeError);
  });

  it('decodes in one loop (its decodeGridValues) and in WebAssembly exactly as cell by cell through its distributions', () => {
    // Each stream decoded three ways from the same bytes: the same values and what follows them
    // (a trailing run of bits), for both versions' coding, grids of every shape and any bytes,
    // which may decode values out of range or escapes too long: the same error then.
    const random = new Random(17);
    const errors = new Set<string>();
    for (const [model, coefficients] of [
      [linearContextModel, [6, 8, -1, 2]],
      [new LinearContextCoding(false), [0, 0, 0, 0]],
    ] as const) {
      for (const [width, height, seed] of [[61, 37, 2], [1, 9, 3], [9, 1, 4], [2, 2, 5], [40, 30, 6]]) {
        const grid = latentGrid(width, height, seed);
        const parameters = linearContextModel.fitGrid(grid, [...coefficients], false).parameters;
        const encoder = new RangeEncoder();
        encodeGridValues(model, encoder, [grid], 0, parameters);
        encoder.encodeBits(0xbeef, 16);
        const coded = encoder.finish();
        const garbage = Uint8Array.from({ length: coded.length }, () => Math.floor(256 * random.next()));
        // High bytes decode escapes, zeros after them escape codes too long; predictions with the
        // largest coefficients run the values out of range.
        const crafted = [1, 2, 3, 5, 8].map((k) => Uint8Array.from({ length: 64 }, (_, i) => (i < k ? 0xff : 0)));
        // The first cell's escape symbol, then an escape code of 24 magnitude bits (the most
        // allowed) or 25 (too long): zeros, a one, as many bits again (ones), the sign.
        const escapes = [24, 25].map((magnitudeBits) => {
          const encoder = new RangeEncoder();
          const first = laplaceTable(parameters.scaleIndices[0], 0).cumulative;
          const escape = first.length - 2;
          encoder.encode(first[escape], first[escape + 1] - first[escape], FREQ_BITS);
          for (let i = 0; i < magnitudeBits; i++) encoder.encodeBits(0, 1);
          for (let i = 0; i <= magnitudeBits + 1; i++) encoder.encodeBits(1, 1);
          return encoder.finish();
        });
        const cases: [Uint8Array, LinearGridParameters][] = [
          [coded, parameters],
          ...escapes.map((bytes): [Uint8Array, LinearGridParameters] => [bytes, parameters]),
          [garbage, parameters],
          ...crafted.map((bytes): [Uint8Array, LinearGridParameters] => [bytes, parameters]),
          [new Uint8Array(64).fill(0xff), { coefficients: model === linearContextModel ? [31, 31, 31, 31] : [0, 0, 0, 0], scaleIndices: [0, 0, 0, 0, 0, 0] }],
        ];
        for (const [bytes, parameters] of cases) {
          const outcome = (decode: typeof decodeCellByCell) => {
            const decoder = new RangeDecoder(bytes);
            const decoded = { width, height, values: new Int32Array(width * height) };
            try {
              decode(model, decoder, [decoded], 0, parameters);
            } catch (error) {
              expect(error).toBeInstanceOf(EntropyError);
              return { error: (error as Error).message, values: decoded.values, next: undefined as number | undefined };
            }
            return { error: undefined as string | undefined, values: decoded.values, next: decoder.decodeBits(16) };
          };
          const reference = outcome(decodeCellByCell);
          expect(outcome(decodeGridValues)).toEqual(reference);
          const wasm: typeof decodeCellByCell = (_, decoder, [grid], __, p) => new WasmLatentDecoder(decoder.state.data, grid.values.length).decode(decoder, grid, p as never);
          expect(outcome(wasm)).toEqual(reference);
          if (reference.error !== undefined) errors.add(reference.error.replace(/-?\d+/, 'N'));
          if (bytes === coded) expect(reference).toEqual({ values: grid.values, next: 0xbeef });
        }
      }
    }
    expect([...errors].sort()).toEqual(['escape code longer than allowed', 'latent value N out of range']);
  });

  it('gives the WebAssembly kernel the context rule as a table', () => {
    // Cell (1, 1) of a 3 x 2 grid whose only non-zero neighbour is its top-left: activity = that value.
    const table = contextOfActivityTable();
    for (let activity = 0; activity < 100; activity++) {
      const values = Int32Array.from([activity, 0, 0, 0, 0, 0]);
      expect(table[Math.min(activity, table.length - 1)]).toBe(latentContext(values, 3, 1, 1));
    }
  });
});

describe("the linear context model's training-time rate", () => {
  // No escapes: the training's rate is the Laplace's own, which costs large values far above an escape.
  const grid = latentGrid(45, 30, 3, false);
  const { parameters } = linearContextModel.fitGrid(grid, [6, 8, -1, 2], true);
  const count = grid.values.length;
  /** The trained twins of the coded parameters: ln(scale) of each scale index, coefficients in units. */
  const trainable = () => [
    { value: Float32Array.from(parameters.scaleIndices, (s) => Math.log(laplaceScale(s))), grad: new Float64Array(CONTEXT_COUNT) },
    { value: Float32Array.from(parameters.coefficients, (c) => c / COEFFICIENT_DENOMINATOR), grad: new Float64Array(PREDICTION_TAPS) },
  ];
  const training = (proxy: Float32Array) => ({
    grids: [{ width: grid.width, height: grid.height }],
    latents: proxy,
    rounded: Int32Array.from(proxy, Math.round),
    proxy,
    grad: new Float64Array(count),
  });

  it('estimates the coded cost of the rounded latents', () => {
    const latents = Float32Array.from(grid.values);
    const { roundedBits, proxyBits } = linearContextModel.accumulateRate(training(latents), trainable(), 1, false);
    expect(proxyBits).toBe(roundedBits);
    const coded = gridValueBits(linearContextModel, [grid], 0, parameters);
    // A Laplace integrated over each bin against the same Laplace in 16-bit frequencies.
    expect(Math.abs(roundedBits - coded) / coded).toBeLessThan(0.03); // 1.7% here
  });

  it('has the gradients of its bits (finite differences)', () => {
    const random = new Random(4);
    const proxy = Float32Array.from(grid.values, (v) => v + random.next() - 0.5);
    const weight = 1;
    const base = trainable();
    const latents = training(proxy);
    linearContextModel.accumulateRate(latents, base, weight, false);
    const bitsWith = (change: (parameters: ReturnType<typeof trainable>) => void) => {
      const changed = trainable();
      change(changed);
      return linearContextModel.accumulateRate(training(proxy), changed, weight, false).proxyBits;
    };
    const h = 1e-3;
    const close = (actual: number, numeric: number) => expect(Math.abs(actual - numeric)).toBeLessThanOrEqual(1e-3 * Math.abs(numeric) + 1e-6);
    for (let k = 0; k < CONTEXT_COUNT; k++) {
      close(base[0].grad[k], (bitsWith((p) => (p[0].value[k] += h)) - bitsWith((p) => (p[0].value[k] -= h))) / (2 * h));
    }
    for (let t = 0; t < PREDICTION_TAPS; t++) {
      close(base[1].grad[t], (bitsWith((p) => (p[1].value[t] += h)) - bitsWith((p) => (p[1].value[t] -= h))) / (2 * h));
    }
    for (const i of [50, 333, 700, 1201]) {
      const up = Float32Array.from(proxy);
      const down = Float32Array.from(proxy);
      up[i] += h;
      down[i] -= h;
      const rate = (p: Float32Array) => linearContextModel.accumulateRate({ ...training(proxy), proxy: p }, trainable(), weight, false).proxyBits;
      close(latents.grad[i], (rate(up) - rate(down)) / (up[i] - down[i])); // the step as float32 holds it
    }
  });

  it('keeps trained parameters within what the format codes', () => {
    const [logScales, predictors] = linearContextModel.initialTrainingParameters(3);
    expect(logScales).toHaveLength(3 * CONTEXT_COUNT);
    expect(predictors).toHaveLength(3 * PREDICTION_TAPS);
    logScales.fill(100);
    predictors.fill(-100);
    linearContextModel.clampTrainingParameters([logScales, predictors]);
    expect(Math.exp(logScales[0]) / laplaceScale(63)).toBeCloseTo(1, 6); // in float32
    expect(linearContextModel.trainedCoefficients(predictors, 2)).toEqual([-32, -32, -32, -32]);
  });
});
