/**
 * The model kinds (src/kinds/): the table of kinds and the dispatch through it, from a payload to
 * its kind's model and from a model to its renderer, and what a parsed file's model and bits add
 * up to (src/decoder/payload-bits.ts).
 */
import { describe, expect, it } from 'vitest';
import { decode, parseNnimg } from '../src/decoder/decode.js';
import { modelSummary, payloadBits } from '../src/decoder/payload-bits.js';
import { encode } from '../src/encoder/encode.js';
import { MODEL_KINDS, ModelKind, NnimgHeader, readContainer } from '../src/format/container.js';
import { RasterImage } from '../src/image/io.js';
import { encodeCoordinateMlpPayload } from '../src/kinds/coordinate-mlp/encode.js';
import { createCoordinateMlpRenderer } from '../src/kinds/coordinate-mlp/render.js';
import { KINDS, QuantizedOf, decodeModel, modelRenderer, rendererKernel } from '../src/kinds/index.js';
import { UNIT_LATENT_STEP_INDEX, dequantize, latentStep } from '../src/kinds/latent-grid/model.js';
import { encodeLatentGridPayload } from '../src/kinds/latent-grid/encode.js';
import { createRenderer } from '../src/synthesis/render.js';
import { syntheticModel } from '../src/encoder/workload.js';

const image: RasterImage = {
  width: 20,
  height: 14,
  channels: 3,
  data: Uint8Array.from({ length: 20 * 14 * 3 }, (_, i) => (i * 37 + (i % 3) * 50) % 256),
};

function rendered(renderer: { renderRows(y: number, n: number, out: Uint8Array): void }, width: number, height: number, channels: number): Uint8Array {
  const out = new Uint8Array(width * height * channels);
  renderer.renderRows(0, height, out);
  return out;
}

/** Each kind's payload writer (kinds/<kind>/encode.ts), apart from the decoding side's table. */
const writers: { [K in ModelKind]: (header: NnimgHeader, quantized: QuantizedOf<K>) => Uint8Array } = {
  'latent-grid': encodeLatentGridPayload,
  'coordinate-mlp': (_header, quantized) => encodeCoordinateMlpPayload(quantized),
};

function reencoded<K extends ModelKind>(kind: K, header: NnimgHeader, quantized: QuantizedOf<K>): Uint8Array {
  return writers[kind](header, quantized);
}

describe('the table of kinds', () => {
  it('holds every kind of the format, each under its own name', () => {
    expect(Object.keys(KINDS).sort()).toEqual([...MODEL_KINDS].sort());
    for (const kind of MODEL_KINDS) expect(KINDS[kind].name).toBe(kind);
  });

  it.each(MODEL_KINDS)('%s: the encoder writes the kind asked for, and its file round-trips through the table', async (kind) => {
    const result = await encode(image, { model: kind, iterations: 20, seed: 2, threads: 1 });
    const { version, header, payload } = readContainer(result.file);
    expect(header.model).toBe(kind);
    const decoded = decodeModel(header, payload, version);
    expect(decoded.kind).toBe(kind);
    expect(decoded.model.kind).toBe(kind);
    // Decoding then encoding with the kind's syntax gives back the payload, byte for byte.
    expect(reencoded(decoded.kind, header, decoded.quantized)).toEqual(payload);
    // The kind's renderer paints what decode() does.
    expect(rendered(modelRenderer(decoded.model, image.width, image.height), image.width, image.height, 3)).toEqual(decode(result.file).data);
  });

  it('a latent-grid model renders with the kernels asked for; a coordinate MLP has one renderer', async () => {
    const grid = syntheticModel({ width: 9, height: 7, channels: 3, levels: 2, hidden: [4], seed: 1 }, 0.5);
    expect(rendererKernel(grid, 'generated')).toBe('generated');
    expect(rendererKernel(grid, 'reference')).toBe('reference');
    const parsed = parseNnimg((await encode(image, { model: 'coordinate-mlp', iterations: 5 })).file);
    expect(rendererKernel(parsed.model, 'wasm')).toBe('reference');
    expect(rendererKernel(parsed.model)).toBe('reference');
  });
});

describe('the latent-grid model', () => {
  it('latent step index i means multiples of 2^((i - 32) / 8)', () => {
    expect(latentStep(UNIT_LATENT_STEP_INDEX)).toBe(1);
    expect(latentStep(UNIT_LATENT_STEP_INDEX + 8)).toBe(2);
    expect(latentStep(UNIT_LATENT_STEP_INDEX - 16)).toBe(0.25);
    expect(latentStep(UNIT_LATENT_STEP_INDEX + 4)).toBeCloseTo(Math.SQRT2, 14);
  });

  it('dequantizes latents by the latent step and weights by 2^-stepExponent', () => {
    const header = { model: 'latent-grid' as const, width: 2, height: 1, channels: 1, levels: 1, hidden: [] };
    const tensor = (stepExponent: number, values: number[]) => ({ stepExponent, scaleIndex: 0, values: Int32Array.from(values) });
    const model = dequantize(header, {
      latentStepIndex: UNIT_LATENT_STEP_INDEX - 8,
      layers: [{ weights: tensor(2, [3]), biases: tensor(0, [-1]) }],
      grids: [{ scaleIndices: [0, 0, 0, 0, 0, 0], coefficients: [0, 0, 0, 0], values: Int32Array.from([-8, 5]) }],
    });
    expect(Array.from(model.latents[0])).toEqual([-4, 2.5]);
    expect(Array.from(model.layers[0].weights)).toEqual([0.75]);
    expect(Array.from(model.layers[0].biases)).toEqual([-1]);
    expect(model.grids).toEqual([{ width: 2, height: 1 }]);
  });
});

describe('modelRenderer', () => {
  it('renders a latent-grid model as the latent-grid renderer does', () => {
    const model = syntheticModel({ width: 30, height: 21, channels: 3, levels: 4, hidden: [8], seed: 5 }, 0.5);
    const out = rendered(modelRenderer(model, 47, 33), 47, 33, 3);
    expect(new Set(out).size).toBeGreaterThan(2);
    expect(out).toEqual(rendered(createRenderer(model, 47, 33, 'reference'), 47, 33, 3));
  });

  it('renders a coordinate-MLP model with the exact sigmoid of its kind', async () => {
    const result = await encode(image, { model: 'coordinate-mlp', iterations: 20, seed: 2 });
    const parsed = parseNnimg(result.file);
    if (parsed.kind !== 'coordinate-mlp') throw new Error(`a ${parsed.kind} file`);
    const out = rendered(modelRenderer(parsed.model, 25, 9), 25, 9, 3);
    expect(out).toEqual(rendered(createCoordinateMlpRenderer(parsed.model, 25, 9), 25, 9, 3));
  });
});

describe('payloadBits and modelSummary', () => {
  it('account for a latent-grid file: the parts add up to what the range coder stored, within a few bytes', async () => {
    const result = await encode(image, { bytes: 600, iterations: 30, threads: 1 });
    const parsed = parseNnimg(result.file);
    expect(parsed.kind).toBe('latent-grid');
    const bits = payloadBits(parsed);
    expect(bits.stored).toBe(parsed.payloadBytes * 8);
    expect(bits.estimated).toBeCloseTo(bits.latentStep + bits.weights + bits.latents, 6);
    expect(bits.layers).toHaveLength(parsed.header.hidden.length + 1);
    expect(bits.levels).toHaveLength(parsed.header.levels);
    expect(Math.abs(bits.estimated - bits.stored)).toBeLessThan(64);
    const { latentStep, ...model } = modelSummary(parsed);
    expect(model).toEqual(result.model);
    expect(latentStep).toBeGreaterThan(0);
  });

  it('account for a coordinate-MLP file: no latent step, no grids', async () => {
    const result = await encode(image, { model: 'coordinate-mlp', iterations: 20, seed: 2 });
    const parsed = parseNnimg(result.file);
    const bits = payloadBits(parsed);
    expect(bits.latentStep).toBe(0);
    expect(bits.latents).toBe(0);
    expect(bits.levels).toEqual([]);
    expect(Math.abs(bits.estimated - bits.stored)).toBeLessThan(64);
    const { latentStep, ...model } = modelSummary(parsed);
    expect(model).toEqual(result.model);
    expect(latentStep).toBeNull();
  });
});
