/**
 * The coordinate-MLP model kind: its encoder and decoder, the optimizers on a tiny image, and
 * training timelapses (for both model kinds).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, parseNnimg } from '../src/decoder/decode.js';
import { encode } from '../src/encoder/encode.js';
import { BudgetError } from '../src/encoder/types.js';
import { exactExp } from '../src/entropy/exact-math.js';
import { RasterImage, readImage } from '../src/image/io.js';
import { encodeCoordinateMlpPayload } from '../src/kinds/coordinate-mlp/encode.js';
import { exactSigmoid } from '../src/kinds/coordinate-mlp/render.js';
import { CoordinateMlpObjective, trainCoordinateMlp } from '../src/encoder/coordinate-mlp-trainer.js';
import { MAX_ANIMATION_FRAMES, Timelapse, frameName } from '../src/encoder/timelapse.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let image: RasterImage;
let dir: string;

beforeAll(async () => {
  const png = await sharp(join(root, 'corpus', 'astronaut.png')).extract({ left: 180, top: 60, width: 16, height: 12 }).png().toBuffer();
  image = await readImage(new Uint8Array(png));
  dir = mkdtempSync(join(tmpdir(), 'nnimg-mlp-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const mlp = { model: 'coordinate-mlp' as const, iterations: 40 };
const targetOf = (raster: RasterImage) => ({ ...raster, pixels: Float32Array.from(raster.data, (v) => v / 255) });

describe('coordinate-MLP encode and decode', () => {
  it('round trip: the file names its kind, decodes to the PSNR the encoder reports, re-codes to the same payload', async () => {
    const result = await encode(image, { ...mlp, bytes: 400 });
    const parsed = parseNnimg(result.file);
    expect(parsed.kind).toBe('coordinate-mlp');
    expect(parsed.header).toMatchObject({ model: 'coordinate-mlp', width: 16, height: 12, channels: 3, levels: 0, hidden: [15, 15, 15] });
    expect(result.model).toMatchObject({ kind: 'coordinate-mlp', parameterCount: 15 * 3 + 15 * 16 * 2 + 3 * 16 });
    if (parsed.kind !== 'coordinate-mlp') throw new Error('unreachable');
    expect(encodeCoordinateMlpPayload(parsed.quantized)).toEqual(result.file.subarray(result.file.length - 4 - parsed.payloadBytes, result.file.length - 4));
    const decoded = decode(result.file);
    expect(decoded).toMatchObject({ width: 16, height: 12, channels: 3 });
    let squared = 0;
    for (let i = 0; i < decoded.data.length; i++) squared += (decoded.data[i] - image.data[i]) ** 2;
    expect(10 * Math.log10((255 * 255 * decoded.data.length) / squared)).toBeCloseTo(result.psnr, 10);
    expect(decode(result.file, { width: 45, height: 7 })).toMatchObject({ width: 45, height: 7 });
  });

  it('holds --bytes, and a larger budget never gives a smaller file', async () => {
    const sizes = [];
    for (const bytes of [350, 500, 800]) {
      const result = await encode(image, { ...mlp, bytes });
      expect(result.bytes).toBeLessThanOrEqual(bytes);
      sizes.push(result.bytes);
    }
    expect(sizes[1]).toBeGreaterThanOrEqual(sizes[0]);
    expect(sizes[2]).toBeGreaterThanOrEqual(sizes[1]);
  });

  it('same seed gives the same bytes; another seed another file', async () => {
    const a = await encode(image, { ...mlp, quality: 80, seed: 7 });
    const b = await encode(image, { ...mlp, quality: 80, seed: 7 });
    const c = await encode(image, { ...mlp, quality: 80, seed: 8 });
    expect(b.file).toEqual(a.file);
    expect(c.file).not.toEqual(a.file);
  });

  it('refuses a budget below the all-zero network, and layers that cannot fit, with BudgetError', async () => {
    await expect(encode(image, { ...mlp, bytes: 10 })).rejects.toThrow(/below the smallest file/);
    const tooBig = encode(image, { ...mlp, hidden: [64, 64, 64], bytes: 200, iterations: 5 });
    await expect(tooBig).rejects.toBeInstanceOf(BudgetError);
    await expect(tooBig).rejects.toThrow(/cannot hold a 2-64-64-64-3 MLP.*smaller --layers/);
  });

  it('greyscale is coded with one output unit', async () => {
    const grey = await readImage(join(root, 'corpus', 'camera.png'), {});
    const png = await sharp(Buffer.from(grey.data), { raw: { width: grey.width, height: grey.height, channels: 1 } }).extract({ left: 200, top: 100, width: 12, height: 10 }).png().toBuffer();
    const crop = await readImage(new Uint8Array(png));
    const result = await encode(crop, { ...mlp, hidden: [6] });
    expect(parseNnimg(result.file).header).toMatchObject({ channels: 1, hidden: [6] });
    expect(decode(result.file).channels).toBe(1);
  });
});

describe('exact sigmoid', () => {
  it('is 1 / (1 + exactExp(-z)) within +-40, and clamps beyond', () => {
    expect(exactSigmoid(0)).toBe(0.5);
    expect(exactSigmoid(2.5)).toBe(1 / (1 + exactExp(-2.5)));
    expect(exactSigmoid(40)).toBe(1 / (1 + exactExp(-40)));
    expect(exactSigmoid(40.0001)).toBe(1);
    expect(exactSigmoid(-40.0001)).toBe(0);
    expect(exactSigmoid(-1e300)).toBe(0);
    for (const z of [-39, -5, -0.1, 0.3, 7]) expect(Math.abs(exactSigmoid(z) - 1 / (1 + Math.exp(-z)))).toBeLessThan(1e-15);
  });
});

describe('optimizers on a tiny image', () => {
  for (const optimizer of ['rprop', 'adam', 'genetic'] as const) {
    it(`${optimizer} reduces the loss`, async () => {
      const objective = new CoordinateMlpObjective(targetOf(image), [6, 6]);
      const before = await trainCoordinateMlp(objective, { optimizer, seed: 3, iterations: 1 });
      const after = await trainCoordinateMlp(objective, { optimizer, seed: 3, iterations: 60 });
      expect(after.iterations).toBe(60);
      expect(after.loss).toBeLessThan(before.loss * 0.8);
    });
  }

  it('the gradient matches finite differences', () => {
    const objective = new CoordinateMlpObjective(targetOf(image), [3, 4]);
    const params = Float64Array.from({ length: objective.parameterCount }, (_, i) => Math.sin(i * 1.7));
    const grad = new Float64Array(params.length);
    objective.lossAndGradient(params, grad);
    for (const i of [0, 5, 11, params.length - 1]) {
      const h = 1e-6;
      const up = Float64Array.from(params);
      up[i] += h;
      const down = Float64Array.from(params);
      down[i] -= h;
      expect(grad[i]).toBeCloseTo((objective.loss(up) - objective.loss(down)) / (2 * h), 7);
    }
  });

  it('stops at the time limit', async () => {
    const objective = new CoordinateMlpObjective(targetOf(image), [4]);
    const result = await trainCoordinateMlp(objective, { optimizer: 'rprop', seed: 1, iterations: Infinity, seconds: 0.2 });
    expect(result.iterations).toBeGreaterThan(0);
    expect(Number.isFinite(result.loss)).toBe(true);
  });
});

describe('timelapse', () => {
  it.each(['coordinate-mlp', 'latent-grid'] as const)('%s: numbered PNG frames every K iterations and a valid animated WebP', async (model) => {
    const frames = join(dir, `frames-${model}`);
    const animation = join(dir, `${model}.webp`);
    const timelapse = new Timelapse({ framesDir: frames, animationPath: animation });
    await encode(image, { model, iterations: 20, quality: 75, snapshots: { every: 5, take: (snapshot) => timelapse.take(snapshot) } });
    expect(readdirSync(frames).sort()).toEqual([1, 2, 3, 4].map(frameName));
    expect(frameName(1)).toBe('frame-00001.png');
    const frame = await sharp(join(frames, frameName(4))).metadata();
    expect(frame).toMatchObject({ format: 'png', width: 16, height: 12 });
    await timelapse.writeAnimation(animation);
    expect(await sharp(animation).metadata()).toMatchObject({ format: 'webp', pages: 4, width: 16, height: 12 });
  });

  it('writes GIF too, and keeps at most MAX_ANIMATION_FRAMES frames however many snapshots come', async () => {
    const timelapse = new Timelapse({ animationPath: join(dir, 'many.gif') });
    const tiny: RasterImage = { width: 2, height: 2, channels: 1, data: new Uint8Array(4) };
    for (let i = 0; i < 3 * MAX_ANIMATION_FRAMES; i++) {
      tiny.data.fill(i % 256);
      await timelapse.take(tiny);
    }
    expect(timelapse.animationFrameCount).toBeLessThanOrEqual(MAX_ANIMATION_FRAMES);
    expect(timelapse.animationFrameCount).toBeGreaterThan(MAX_ANIMATION_FRAMES / 2);
    await timelapse.writeAnimation(join(dir, 'many.gif'));
    // The GIF encoder may merge frames its palette makes identical: only check it is animated.
    const gif = await sharp(join(dir, 'many.gif')).metadata();
    expect(gif.format).toBe('gif');
    expect(gif.pages).toBeGreaterThan(1);
  });
});
