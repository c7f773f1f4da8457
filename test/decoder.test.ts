/**
 * Decoder tests (src/decoder/, src/kinds/): the API, and nnimg's decoder held against the
 * independent decoder written from spec/nnimg.md alone (spec/reference-decoder.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { QuantizedModel, decodePayload, encodePayload, unusedGrid } from '../src/format/payload.js';
import {
  LatentGridFile,
  MAX_OUTPUT_SIDE,
  NnimgDecodeError,
  ParsedFile,
  decode,
  parseNnimg,
  renderStrips,
  resolveOutputSize,
  stripRows,
} from '../src/decoder/decode.js';
import { NnimgHeader, writeContainer } from '../src/format/container.js';
import { gridSizes } from '../src/format/geometry.js';
import { synthesisShapes } from '../src/synthesis/network.js';
import { encodeCoordinateMlpPayload } from '../src/kinds/coordinate-mlp/encode.js';
import { QuantizedCoordinateMlp } from '../src/kinds/coordinate-mlp/model.js';
import { createRenderer } from '../src/synthesis/render.js';
import { KernelName, selectedKernel } from '../src/kernels/select.js';

const KERNEL_NAMES: KernelName[] = ['reference', 'generated', 'wasm'];
import { prng } from '../bench/support/prng.js';
import { specParse, specRender, specRenderMlp } from '../spec/reference-decoder.js';

/** A parsed file that must be of the latent-grid kind. */
function latentGrid(parsed: ParsedFile): LatentGridFile {
  if (parsed.kind !== 'latent-grid') throw new Error(`a ${parsed.kind} file`);
  return parsed;
}


// ---------------------------------------------------------------------------------------------
// Test models

function laplaceSample(random: () => number, b: number): number {
  const u = random() - 0.5;
  return Math.round(-b * Math.sign(u) * Math.log(1 - 2 * Math.abs(u)));
}

interface ModelOptions {
  /** Latent values are drawn with this Laplace scale (in steps). */
  latentSpread?: number;
  /** Chance that a grid is left unused. */
  unusedChance?: number;
  latentStepIndex?: number;
  weightStepExponent?: number;
}

/** A random but plausible quantized model for the header: what a trained encoder might write. */
function randomModel(random: () => number, header: NnimgHeader, options: ModelOptions = {}): QuantizedModel {
  const grids = gridSizes(header.width, header.height, header.levels);
  const shapes = synthesisShapes(header.levels, header.hidden, header.channels);
  const spread = options.latentSpread ?? 2;
  const tensor = (count: number) => {
    const stepExponent = options.weightStepExponent ?? 3 + Math.floor(random() * 6);
    const b = 2 ** stepExponent * 0.3;
    return {
      stepExponent,
      scaleIndex: Math.min(63, Math.max(0, Math.round(4 * Math.log2(b)) + 24)),
      values: Int32Array.from({ length: count }, () => laplaceSample(random, b)),
    };
  };
  return {
    latentStepIndex: options.latentStepIndex ?? Math.floor(random() * 64),
    layers: shapes.map((s) => ({ weights: tensor(s.inputs * s.outputs), biases: tensor(s.outputs) })),
    grids: grids.map((g) => {
      const values = new Int32Array(g.width * g.height);
      if (random() < (options.unusedChance ?? 0.15)) return unusedGrid(values.length);
      for (let i = 0; i < values.length; i++) values[i] = laplaceSample(random, spread * (0.2 + random()));
      const scaleIndices = Array.from({ length: 6 }, () => Math.floor(random() * 64));
      // Mostly the small coefficients an encoder finds; now and then any representable one.
      const coefficients = Array.from({ length: 4 }, () => (random() < 0.2 ? -32 + Math.floor(random() * 64) : Math.floor(random() * 13) - 4));
      return { scaleIndices, coefficients, values };
    }),
  };
}

function fileOf(header: NnimgHeader, model: QuantizedModel): Uint8Array {
  return writeContainer(header, encodePayload(model, gridSizes(header.width, header.height, header.levels)));
}

const header = (width: number, height: number, channels: number, levels: number, hidden: number[]): NnimgHeader => ({
  model: 'latent-grid',
  width,
  height,
  channels,
  levels,
  hidden,
});

function expectClosePixels(actual: Uint8Array, expected: Uint8Array, what: string): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let differing = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (d > 0) differing++;
    worst = Math.max(worst, d);
  }
  expect(worst, `${what}: largest difference`).toBeLessThanOrEqual(1);
  expect(differing, `${what}: samples differing by 1`).toBeLessThanOrEqual(Math.max(2, actual.length * 0.01));
}

// ---------------------------------------------------------------------------------------------

describe('coordinate-MLP files (kind 1)', () => {
  const mlpHeader = (width: number, height: number, channels: number, hidden: number[]): NnimgHeader => ({ model: 'coordinate-mlp', width, height, channels, levels: 0, hidden });
  const randomMlp = (random: () => number, h: NnimgHeader): QuantizedCoordinateMlp => {
    const model = randomModel(random, { ...h, model: 'latent-grid', levels: 2 });
    return { layers: model.layers };
  };

  it('the independent decoder reads the same tensors and renders bit-identical samples at every size', () => {
    const random = prng(31);
    for (let n = 0; n < 20; n++) {
      const hidden = Array.from({ length: Math.floor(random() * 4) }, () => 1 + Math.floor(random() * 12));
      const h = mlpHeader(1 + Math.floor(random() * 20), 1 + Math.floor(random() * 20), n % 2 ? 1 : 3, hidden);
      const model = randomMlp(random, h);
      const file = writeContainer(h, encodeCoordinateMlpPayload(model));
      const spec = specParse(file);
      expect(spec.kind).toBe(1);
      spec.layers.forEach((l, k) => {
        expect(l.w).toEqual({ e: model.layers[k].weights.stepExponent, s: model.layers[k].weights.scaleIndex, v: Array.from(model.layers[k].weights.values) });
        expect(l.b).toEqual({ e: model.layers[k].biases.stepExponent, s: model.layers[k].biases.scaleIndex, v: Array.from(model.layers[k].biases.values) });
      });
      const parsed = parseNnimg(file);
      expect(parsed.kind).toBe('coordinate-mlp');
      expect(parsed.quantized).toEqual(model);
      for (const [w, hh] of [[h.width, h.height], [1, 1], [2 * h.width + 3, h.height + 5]]) {
        expect(decode(file, { width: w, height: hh }).data).toEqual(specRenderMlp(spec, w, hh));
      }
    }
  });

  it('the all-zero network paints 128; the header example of section 14.1 is what the reference writes', () => {
    const h = mlpHeader(64, 48, 3, [15, 15, 15]);
    const zero = { stepExponent: 0, scaleIndex: 0 };
    const model = { layers: [[15, 2], [15, 15], [15, 15], [3, 15]].map(([o, i]) => ({ weights: { ...zero, values: new Int32Array(o * i) }, biases: { ...zero, values: new Int32Array(o) } })) };
    const file = writeContainer(h, encodeCoordinateMlpPayload(model));
    expect(Buffer.from(file.subarray(6, 16)).toString('hex')).toBe('960140300300930f0f0f');
    expect(new Set(decode(file).data)).toEqual(new Set([128]));
  });

  it('rejects a kind-1 header with latent levels', () => {
    expect(() => writeContainer({ ...mlpHeader(4, 4, 3, [2]), levels: 1 }, new Uint8Array())).toThrow(/latent levels/);
  });
});

describe('resolveOutputSize', () => {
  const native = { width: 64, height: 48 };

  it('keeps the native size when nothing is asked', () => {
    expect(resolveOutputSize(native)).toEqual({ width: 64, height: 48 });
    expect(resolveOutputSize(native, {})).toEqual({ width: 64, height: 48 });
    expect(resolveOutputSize(native, { width: undefined, height: undefined, scale: undefined })).toEqual({ width: 64, height: 48 });
  });

  it('width only keeps the aspect ratio (rounded half up, at least 1)', () => {
    expect(resolveOutputSize(native, { width: 32 })).toEqual({ width: 32, height: 24 });
    expect(resolveOutputSize(native, { width: 33 })).toEqual({ width: 33, height: 25 }); // 24.75
    expect(resolveOutputSize(native, { width: 2 })).toEqual({ width: 2, height: 2 }); // 1.5 -> 2
    expect(resolveOutputSize(native, { width: 1 })).toEqual({ width: 1, height: 1 }); // 0.75
    expect(resolveOutputSize({ width: 1000, height: 1 }, { width: 10 })).toEqual({ width: 10, height: 1 }); // 0.01 -> 1
    expect(resolveOutputSize(native, { width: 4096 })).toEqual({ width: 4096, height: 3072 });
  });

  it('height only keeps the aspect ratio', () => {
    expect(resolveOutputSize(native, { height: 24 })).toEqual({ width: 32, height: 24 });
    expect(resolveOutputSize(native, { height: 10 })).toEqual({ width: 13, height: 10 }); // 13.33
    expect(resolveOutputSize(native, { height: 3 })).toEqual({ width: 4, height: 3 });
    expect(resolveOutputSize({ width: 1, height: 1000 }, { height: 10 })).toEqual({ width: 1, height: 10 });
  });

  it('width and height together are taken exactly, aspect ignored', () => {
    expect(resolveOutputSize(native, { width: 10, height: 100 })).toEqual({ width: 10, height: 100 });
    expect(resolveOutputSize(native, { width: 1, height: 1 })).toEqual({ width: 1, height: 1 });
    expect(resolveOutputSize(native, { width: MAX_OUTPUT_SIDE, height: 1 })).toEqual({ width: 65536, height: 1 });
  });

  it('a scale multiplies both sides, rounding half up, at least 1', () => {
    expect(resolveOutputSize(native, { scale: 0.37 })).toEqual({ width: 24, height: 18 }); // 23.68, 17.76
    expect(resolveOutputSize(native, { scale: 2.5 })).toEqual({ width: 160, height: 120 });
    expect(resolveOutputSize(native, { scale: 1 })).toEqual({ width: 64, height: 48 });
    expect(resolveOutputSize(native, { scale: 1 / 3 })).toEqual({ width: 21, height: 16 });
    expect(resolveOutputSize({ width: 3, height: 5 }, { scale: 0.5 })).toEqual({ width: 2, height: 3 }); // 1.5 and 2.5 round up
    expect(resolveOutputSize(native, { scale: 1e-9 })).toEqual({ width: 1, height: 1 });
  });

  it('rejects invalid requests with RangeError', () => {
    const bad = [
      { scale: 0 },
      { scale: -1 },
      { scale: Number.NaN },
      { scale: Infinity },
      { scale: 2, width: 10 },
      { scale: 2, height: 10 },
      { width: 0 },
      { width: -5 },
      { width: 1.5 },
      { width: Number.NaN },
      { width: MAX_OUTPUT_SIDE + 1 },
      { height: 0 },
      { height: 2.25 },
      { width: 10, height: 0 },
      { scale: 2000 }, // 128000 wide
    ];
    for (const request of bad) expect(() => resolveOutputSize(native, request), JSON.stringify(request)).toThrow(RangeError);
    // The side that follows the aspect ratio is checked too.
    expect(() => resolveOutputSize({ width: 1, height: 100 }, { width: 1000 })).toThrow(RangeError);
  });
});

describe('payload parsing', () => {
  it('decodePayload returns exactly the model that was encoded', () => {
    const random = prng(21);
    for (let n = 0; n < 150; n++) {
      const h = header(1 + Math.floor(random() * 30), 1 + Math.floor(random() * 30), random() < 0.5 ? 1 : 3, 1 + Math.floor(random() * 6), random() < 0.2 ? [] : [1 + Math.floor(random() * 8)]);
      const model = randomModel(random, h, { latentSpread: random() * 6 });
      const parsed = parseNnimg(fileOf(h, model));
      expect(parsed.header).toEqual(h);
      expect(parsed.quantized).toEqual(model);
    }
  });

  it('agrees with an independent decoder written from spec/nnimg.md', () => {
    const random = prng(22);
    for (let n = 0; n < 120; n++) {
      const h = header(1 + Math.floor(random() * 24), 1 + Math.floor(random() * 24), random() < 0.5 ? 1 : 3, 1 + Math.floor(random() * 5), random() < 0.2 ? [] : [1 + Math.floor(random() * 6), 2]);
      // Spreads up to 4000 steps exercise escapes and the widest tables.
      const model = randomModel(random, h, { latentSpread: n % 10 === 0 ? 4000 : random() * 8 });
      const file = fileOf(h, model);
      const spec = specParse(file);
      expect(spec.latentStepIndex).toBe(model.latentStepIndex);
      spec.layers.forEach((l, k) => {
        expect(l.w).toEqual({ e: model.layers[k].weights.stepExponent, s: model.layers[k].weights.scaleIndex, v: Array.from(model.layers[k].weights.values) });
        expect(l.b).toEqual({ e: model.layers[k].biases.stepExponent, s: model.layers[k].biases.scaleIndex, v: Array.from(model.layers[k].biases.values) });
      });
      spec.grids.forEach((g, l) => {
        expect(g.scales).toEqual(model.grids[l].scaleIndices);
        expect(g.coefficients).toEqual(model.grids[l].coefficients);
        expect(g.v).toEqual(Array.from(model.grids[l].values));
      });
    }
  });

  it('renders exactly the pixels of the spec\'s synthesis (section 8), with every kernel', () => {
    const random = prng(23);
    for (let n = 0; n < 12; n++) {
      const h = header(5 + Math.floor(random() * 30), 5 + Math.floor(random() * 30), n % 2 ? 1 : 3, 1 + Math.floor(random() * 6), n % 4 === 3 ? [] : n % 4 === 2 ? [5, 7] : [4 + Math.floor(random() * 8)]);
      const model = randomModel(random, h, { latentSpread: 3 + (n % 3) * 40, latentStepIndex: 20 + n, weightStepExponent: 3 + (n % 4) });
      const file = fileOf(h, model);
      const spec = specParse(file);
      const decoded = latentGrid(parseNnimg(file)).model;
      for (const [w, hh] of [[h.width, h.height], [1, 1], [3 * h.width + 1, 2 * h.height - 1], [7, 40]]) {
        const expected = specRender(spec, w, hh);
        expect(decode(file, { width: w, height: hh }).data, `${h.width}x${h.height} at ${w}x${hh}`).toEqual(expected);
        for (const kernel of KERNEL_NAMES) {
          const strip = new Uint8Array(w * hh * h.channels);
          createRenderer(decoded, w, hh, kernel).renderRows(0, hh, strip);
          expect(strip, `${kernel} kernel, ${h.width}x${h.height} at ${w}x${hh}`).toEqual(expected);
        }
      }
    }
  });

  it('clamps hidden activations, so a crafted file with huge weights gives finite, identical pixels on every kernel', () => {
    // Four hidden layers of weights +-2^24 on latents of 2^24 steps of 2^3.875 would overflow
    // binary32 by the fourth layer without the clamp of section 8, where infinities of both signs
    // would meet in NaN.
    const h = header(6, 4, 3, 2, [4, 4, 4, 4]);
    const model = randomModel(prng(5), h, { latentSpread: 3 });
    model.latentStepIndex = 63;
    for (const grid of model.grids) {
      if (!grid.scaleIndices) continue;
      grid.coefficients = [0, 0, 0, 0];
      grid.values = grid.values.map((v, i) => (i % 3 === 0 ? 2 ** 24 : -v));
    }
    model.layers.forEach((layer, k) => {
      layer.weights = { stepExponent: 0, scaleIndex: 63, values: layer.weights.values.map((_, i) => ((i + k) % 3 === 0 ? -(2 ** 24) : 2 ** 24)) };
    });
    const file = fileOf(h, model);
    const expected = specRender(specParse(file), 9, 5);
    const decoded = latentGrid(parseNnimg(file)).model;
    for (const kernel of KERNEL_NAMES) {
      const strip = new Uint8Array(9 * 5 * 3);
      createRenderer(decoded, 9, 5, kernel).renderRows(0, 5, strip);
      expect(strip, kernel).toEqual(expected);
    }
    // Not all black: the clamp keeps the values finite, and some outputs saturate at 255.
    expect(expected.some((v) => v === 255)).toBe(true);
  });

  // Past its end the payload reads as zero bytes (the encoder trims them), so a payload cut short
  // under a recomputed CRC is still a well-formed stream: without prediction it decodes to a
  // model of the header's shape; with prediction the implicit zeros may also drive the latents
  // out of range, a payload error. Never anything else. (Accidental truncation is caught by the
  // CRC; see container tests.)
  it('decodes a payload cut short under a valid CRC into a model of the right shape, or reports a payload error', () => {
    const random = prng(24);
    const h = header(20, 20, 3, 4, [6]);
    const shapeOfGrids = gridSizes(20, 20, 4).map((g) => g.width * g.height);
    for (const predicted of [false, true]) {
      const model = randomModel(random, h, { unusedChance: 0 });
      if (!predicted) for (const grid of model.grids) grid.coefficients = [0, 0, 0, 0];
      const payload = encodePayload(model, gridSizes(20, 20, 4));
      expect(payload.length).toBeGreaterThan(40);
      for (const keep of [0, 1, 5, 20, Math.floor(payload.length / 2)]) {
        const cut = writeContainer(h, payload.subarray(0, keep));
        try {
          expect(latentGrid(parseNnimg(cut)).model.latents.map((l) => l.length), `payload cut to ${keep}`).toEqual(shapeOfGrids);
        } catch (error) {
          expect(predicted, `payload cut to ${keep}: ${String(error)}`).toBe(true);
          expect(error).toBeInstanceOf(NnimgDecodeError);
          expect((error as NnimgDecodeError).code).toBe('payload');
        }
      }
    }
  });

  // A valid model whose coded stream ends in a long run of zero bytes: every latent is -M of a
  // scale-0 table (cumulative frequency 0, probability 2^-16).
  const zeroTail = (() => {
    const h = header(8, 8, 1, 1, []);
    const model: QuantizedModel = {
      latentStepIndex: 32,
      layers: [{ weights: { stepExponent: 0, scaleIndex: 24, values: Int32Array.from([1]) }, biases: { stepExponent: 1, scaleIndex: 24, values: Int32Array.from([0]) } }],
      grids: [{ scaleIndices: [0, 0, 0, 0, 0, 0], coefficients: [0, 0, 0, 0], values: new Int32Array(64).fill(-2) }],
    };
    return { h, model, file: fileOf(h, model) };
  })();

  it('a stream ending in many zero bytes is valid: the spec decoder reads it back', () => {
    const spec = specParse(zeroTail.file);
    expect(spec.grids[0].v).toEqual(new Array(64).fill(-2));
    // The encoder trimmed the zeros; the decoder needs far more than 4 of them past the end.
    expect(spec.consumed).toBeGreaterThan(spec.payloadLength + 4 + 100);
  });

  // RangeEncoder.finish() drops every trailing zero byte, however many: the decoder must read
  // such a stream back (it once refused reads more than 4 bytes past the end).
  it('decodes a payload whose coded stream ends in a run of zero bytes', () => {
    expect(parseNnimg(zeroTail.file).quantized).toEqual(zeroTail.model);
  });

  it('decodes every payload of thousands of random plausible models', () => {
    const random = prng(25);
    const h = header(9, 7, 3, 3, [4]);
    const grids = gridSizes(9, 7, 3);
    const shapes = synthesisShapes(3, [4], 3);
    const failures: number[] = [];
    for (let n = 0; n < 8000; n++) {
      const model = randomModel(random, h, { latentSpread: random() * 3 });
      try {
        decodePayload(encodePayload(model, grids), shapes, grids);
      } catch {
        failures.push(n);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('rendering', () => {
  const random = prng(31);
  const colour = header(16, 12, 3, 4, [6]);
  const colourFile = fileOf(colour, randomModel(random, colour, { latentSpread: 3, latentStepIndex: 24, weightStepExponent: 4, unusedChance: 0 }));
  const grey = header(10, 7, 1, 3, [5, 3]);
  const greyFile = fileOf(grey, randomModel(random, grey, { latentSpread: 3, latentStepIndex: 24, weightStepExponent: 4, unusedChance: 0 }));

  it('renders at the requested sizes with the right number of channels', () => {
    const requests = [{}, { width: 1, height: 1 }, { scale: 0.37 }, { scale: 2.5 }, { width: 100 }, { height: 5 }, { width: 3, height: 50 }];
    for (const [file, h] of [[colourFile, colour], [greyFile, grey]] as const) {
      for (const request of requests) {
        const image = decode(file, request);
        const size = resolveOutputSize(h, request);
        expect({ width: image.width, height: image.height }).toEqual(size);
        expect(image.channels).toBe(h.channels);
        expect(image.data.length).toBe(size.width * size.height * h.channels);
      }
    }
    expect(decode(colourFile, { scale: 0.37 })).toMatchObject({ width: 6, height: 4 });
    expect(decode(colourFile, { scale: 2.5 })).toMatchObject({ width: 40, height: 30 });
  });

  it('is deterministic: decoding twice gives identical bytes, at every size', () => {
    for (const request of [{}, { width: 1, height: 1 }, { scale: 0.37 }, { scale: 2.5 }, { width: 333, height: 17 }]) {
      expect(decode(colourFile, request).data).toEqual(decode(colourFile, request).data);
      expect(decode(greyFile, request).data).toEqual(decode(greyFile, request).data);
    }
  });

  it('renders a large width (4096) from a small model, deterministically and in strips', () => {
    const wide = header(32, 4, 3, 3, [6]);
    const file = fileOf(wide, randomModel(prng(32), wide, { latentSpread: 3, latentStepIndex: 24, weightStepExponent: 4, unusedChance: 0 }));
    const first = decode(file, { width: 4096 });
    expect(first).toMatchObject({ width: 4096, height: 512, channels: 3 });
    const second = decode(file, { width: 4096 });
    expect(Buffer.compare(Buffer.from(first.data), Buffer.from(second.data))).toBe(0);
    // decode() renders in ~1 MiB strips (7 here); their rows line up with a one-off render of a band.
    const { model } = latentGrid(parseNnimg(file));
    expect(stripRows(4096, 3)).toBe(85);
    const band = new Uint8Array(4096 * 3 * 7);
    createRenderer(model, 4096, 512, selectedKernel()).renderRows(250, 7, band);
    expect(Buffer.compare(Buffer.from(band), Buffer.from(first.data.subarray(250 * 4096 * 3, 257 * 4096 * 3)))).toBe(0);
    // And the picture is not trivially flat.
    expect(new Set(first.data).size).toBeGreaterThan(20);
  });

  it('renders rows independently of how they are split into strips', () => {
    const { model } = latentGrid(parseNnimg(colourFile));
    const whole = decode(colourFile, { width: 37, height: 29 }).data;
    const renderer = createRenderer(model, 37, 29, selectedKernel());
    const pieces = new Uint8Array(whole.length);
    for (let y = 0; y < 29; ) {
      const rows = Math.min(1 + (y % 4), 29 - y);
      const strip = new Uint8Array(rows * 37 * 3);
      renderer.renderRows(y, rows, strip);
      pieces.set(strip, y * 37 * 3);
      y += rows;
    }
    expect(pieces).toEqual(whole);
    const strips = [...renderStrips(model, 37, 29)];
    expect(Buffer.concat(strips.map((s) => Buffer.from(s)))).toEqual(Buffer.from(whole));
  });

  it('an all-zero model paints mid-grey (0.5 * 255 = 127.5 rounds to 128)', () => {
    const h = header(12, 9, 3, 4, [6]);
    const shapes = synthesisShapes(4, [6], 3);
    const zero = (n: number) => ({ stepExponent: 0, scaleIndex: 0, values: new Int32Array(n) });
    const model: QuantizedModel = {
      latentStepIndex: 32,
      layers: shapes.map((s) => ({ weights: zero(s.inputs * s.outputs), biases: zero(s.outputs) })),
      grids: gridSizes(12, 9, 4).map((g) => unusedGrid(g.width * g.height)),
    };
    for (const request of [{}, { width: 1, height: 1 }, { scale: 3.3 }]) {
      expect(new Set(decode(fileOf(h, model), request).data)).toEqual(new Set([128]));
    }
  });

  it('output = round((bias + 0.5) * 255), clamped to 0..255', () => {
    const h = header(4, 4, 3, 2, []);
    const model: QuantizedModel = {
      latentStepIndex: 32,
      layers: [{ weights: { stepExponent: 0, scaleIndex: 0, values: new Int32Array(6) }, biases: { stepExponent: 8, scaleIndex: 40, values: Int32Array.from([-100, 10, 500]) } }],
      grids: gridSizes(4, 4, 2).map((g) => unusedGrid(g.width * g.height)),
    };
    // (-100/256 + 0.5) * 255 = 27.89; (10/256 + 0.5) * 255 = 137.46; 500/256 + 0.5 > 1.
    expect(Array.from(decode(fileOf(h, model), { width: 1, height: 1 }).data)).toEqual([28, 137, 255]);
    model.layers[0].biases.values = Int32Array.from([-128, 0, 128]); // exactly 0, 127.5 and 255 before rounding
    expect(Array.from(decode(fileOf(h, model), { width: 1, height: 1 }).data)).toEqual([0, 128, 255]);
  });

  it('a single latent cell feeds every pixel the same value; the grids are sampled at pixel centres', () => {
    // One level, 2x1 grid, values 0 and 8 (step 1); identity-ish network: out = latent / 16 - 0.5 + 0.5.
    const h = header(2, 1, 1, 1, []);
    const model: QuantizedModel = {
      latentStepIndex: 32,
      layers: [{ weights: { stepExponent: 4, scaleIndex: 30, values: Int32Array.from([1]) }, biases: { stepExponent: 0, scaleIndex: 0, values: Int32Array.from([0]) } }],
      grids: [{ scaleIndices: [30, 30, 30, 30, 30, 30], coefficients: [0, 0, 0, 0], values: Int32Array.from([-8, 8]) }],
    };
    const file = fileOf(h, model);
    // Native: pixel centres are cell centres: -0.5 + 0.5 = 0 and 0.5 + 0.5 = 1.
    expect(Array.from(decode(file).data)).toEqual([0, 255]);
    // 4 wide: centres at 1/8, 3/8, 5/8, 7/8 -> grid positions clamp(-0.25)=0, 0.25, 0.75, clamp(1.25)=1.
    expect(Array.from(decode(file, { width: 4, height: 1 }).data)).toEqual([0, 64, 191, 255]);
    // 1 wide: the centre, halfway: 0.5 * 255 = 127.5 -> 128.
    expect(Array.from(decode(file, { width: 1, height: 1 }).data)).toEqual([128]);
  });
});

describe('spec/nnimg.md', () => {
  it('the worked example of section 12 is what the reference writes and decodes', () => {
    const text = readFileSync(new URL('../spec/nnimg.md', import.meta.url), 'utf8');
    const line = text.split('\n').find((l) => l.startsWith('6e 6e 69 6d  02'));
    expect(line).toBeDefined();
    const bytes = Uint8Array.from(Buffer.from(line!.replace(/\s+/g, ''), 'hex'));
    expect(text).toContain(`The file (${bytes.length} bytes)`);
    const h = header(2, 1, 1, 1, []);
    const model: QuantizedModel = {
      latentStepIndex: 32,
      layers: [{ weights: { stepExponent: 4, scaleIndex: 30, values: Int32Array.from([1]) }, biases: { stepExponent: 0, scaleIndex: 0, values: Int32Array.from([0]) } }],
      grids: [{ scaleIndices: [30, 30, 30, 30, 30, 30], coefficients: [0, 0, 0, 0], values: Int32Array.from([-8, 8]) }],
    };
    expect(Buffer.from(fileOf(h, model)).toString('hex')).toBe(Buffer.from(bytes).toString('hex'));
    expect(parseNnimg(bytes).quantized).toEqual(model);
    expect(specParse(bytes).grids[0].v).toEqual([-8, 8]);
    expect(Array.from(decode(bytes).data)).toEqual([0, 255]);
    expect(Array.from(decode(bytes, { width: 4, height: 1 }).data)).toEqual([0, 64, 191, 255]);
    expect(Array.from(decode(bytes, { width: 1, height: 1 }).data)).toEqual([128]);
  });

  it('the version 1 example of section 14 still decodes, to the same model and samples', () => {
    const text = readFileSync(new URL('../spec/nnimg.md', import.meta.url), 'utf8');
    const hex = /`(6e 6e 69 6d 01 [0-9a-f ]+)`/.exec(text)?.[1];
    expect(hex).toBeDefined();
    const bytes = Uint8Array.from(Buffer.from(hex!.replace(/\s+/g, ''), 'hex'));
    expect(bytes.length).toBe(27);
    expect(latentGrid(parseNnimg(bytes)).quantized.grids[0]).toEqual({ scaleIndices: [30, 30, 30, 30, 30, 30], coefficients: [0, 0, 0, 0], values: Int32Array.from([-8, 8]) });
    expect(specParse(bytes).grids[0].v).toEqual([-8, 8]);
    expect(Array.from(decode(bytes, { width: 4, height: 1 }).data)).toEqual([0, 64, 191, 255]);
  });

  it('the header example of section 2 is what the reference writes', () => {
    const text = readFileSync(new URL('../spec/nnimg.md', import.meta.url), 'utf8');
    expect(text).toContain('`96 00 cd 02 58 cd 01 90 03 07 92 10 10`');
    const file = writeContainer(header(600, 400, 3, 7, [16, 16]), new Uint8Array());
    expect(Buffer.from(file.subarray(6, 19)).toString('hex')).toBe('9600cd0258cd0190030792' + '1010');
    expect(file[5]).toBe(13);
    expect(file.length).toBe(23);
  });
});
