/** End to end: small crops of the corpus through encode() and decode(). */
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodePayload, unusedGrid } from '../src/format/payload.js';
import { decode, parseNnimg } from '../src/decoder/decode.js';
import { minimumFileBytes } from '../src/encoder/budget.js';
import { encode } from '../src/encoder/encode.js';
import { BudgetError, EncodeCancelledError, EncodeOptions, EncodeResult } from '../src/encoder/types.js';
import { NnimgHeader, writeContainer } from '../src/format/container.js';
import { RasterImage, readImage } from '../src/image/io.js';
import { gridSizes } from '../src/format/geometry.js';
import { synthesisShapes } from '../src/synthesis/network.js';

const ITERATIONS = 30;

async function crop(name: string, left: number, top: number, width: number, height: number): Promise<RasterImage> {
  const png = await sharp(fileURLToPath(new URL(`../corpus/${name}`, import.meta.url))).extract({ left, top, width, height }).png().toBuffer();
  return readImage(new Uint8Array(png));
}

/** PSNR of 8-bit samples, written here independently of src/image/metrics.ts. */
function referencePsnr(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let squared = 0;
  for (let i = 0; i < a.length; i++) squared += (a[i] - b[i]) ** 2;
  return squared === 0 ? Infinity : 10 * Math.log10((255 * 255) / (squared / a.length));
}

let coffee: RasterImage; // 64x48 RGB
let camera: RasterImage; // 40x40 grey

beforeAll(async () => {
  coffee = await crop('coffee.png', 260, 150, 64, 48);
  camera = await crop('camera.png', 200, 90, 40, 40);
});

const results = new Map<string, Promise<EncodeResult>>();

/** encode(), memoised so that several tests can look at one encode. */
function encoded(name: 'coffee' | 'camera', options: EncodeOptions): Promise<EncodeResult> {
  const key = `${name} ${JSON.stringify(options)}`;
  let result = results.get(key);
  if (!result) {
    result = encode(name === 'coffee' ? coffee : camera, { iterations: ITERATIONS, ...options });
    results.set(key, result);
  }
  return result;
}

function headerOf(image: RasterImage, hidden: number[]): NnimgHeader {
  return { model: 'latent-grid', width: image.width, height: image.height, channels: image.channels, levels: 6, hidden };
}

/** The file of the all-zero model, built by hand: every parameter 0, no latent grid used. */
function allZeroFile(header: NnimgHeader): Uint8Array {
  const shapes = synthesisShapes(header.levels, header.hidden, header.channels);
  const zero = (n: number) => ({ stepExponent: 0, scaleIndex: 0, values: new Int32Array(n) });
  const grids = gridSizes(header.width, header.height, header.levels);
  return writeContainer(
    header,
    encodePayload(
      {
        latentStepIndex: 0,
        layers: shapes.map((s) => ({ weights: zero(s.inputs * s.outputs), biases: zero(s.outputs) })),
        grids: grids.map((g) => unusedGrid(g.width * g.height)),
      },
      grids,
    ),
  );
}

describe('test images', () => {
  it('crops are RGB and grey as read by readImage', () => {
    expect(coffee).toMatchObject({ width: 64, height: 48, channels: 3 });
    expect(coffee.data.length).toBe(64 * 48 * 3);
    expect(camera).toMatchObject({ width: 40, height: 40, channels: 1 });
    expect(camera.data.length).toBe(40 * 40);
  });
});

describe('encode with a byte budget', () => {
  const cases = [
    ['coffee', 300],
    ['coffee', 800],
    ['coffee', 2000],
    ['camera', 300],
    ['camera', 800],
    ['camera', 2000],
  ] as const;

  it.each(cases)('%s at %i bytes: file within budget, result consistent with decode()', async (name, budget) => {
    const image = name === 'coffee' ? coffee : camera;
    const result = await encoded(name, { bytes: budget });
    console.log(`${name} ${image.width}x${image.height}x${image.channels}, budget ${budget}: ${result.bytes} bytes (${((100 * result.bytes) / budget).toFixed(1)}%), ${result.psnr.toFixed(2)} dB, ${result.seconds.toFixed(2)} s`);
    expect(result.file.length).toBeLessThanOrEqual(budget);
    expect(result.bytes).toBe(result.file.length);
    expect(result.bitsPerPixel).toBeCloseTo((result.file.length * 8) / (image.width * image.height), 12);
    expect(result).toMatchObject({ width: image.width, height: image.height, channels: image.channels });
    // Training runs the iterations asked for, plus at most max(10, 10%) settling ones; twice when
    // the first training collapsed (30 iterations are few for the 40x40 camera at 300 B), as the
    // warning says.
    const trainings = result.warnings.some((w) => /trained again with seed 2/.test(w)) ? 2 : 1;
    expect(result.iterations).toBeGreaterThanOrEqual(trainings * ITERATIONS);
    expect(result.iterations).toBeLessThanOrEqual(trainings * (ITERATIONS + Math.max(10, Math.round(ITERATIONS * 0.1))));
    // The file is what it says it is.
    const parsed = parseNnimg(result.file);
    expect(parsed.header).toEqual({ model: 'latent-grid', width: image.width, height: image.height, channels: image.channels, levels: 6, hidden: result.model.hidden });
    expect(result.model.levels).toBe(6);
    expect(result.breakdown.containerBytes).toBe(parsed.overheadBytes);
    expect(parsed.payloadBytes + parsed.overheadBytes).toBe(result.file.length);
    // Reported PSNR = PSNR of decode() computed here.
    const decoded = decode(result.file);
    expect(decoded).toMatchObject({ width: image.width, height: image.height, channels: image.channels });
    expect(result.psnr).toBeCloseTo(referencePsnr(image.data, decoded.data), 10);
    // Better than a flat mid-grey picture: the model learnt something in 30 iterations.
    expect(result.psnr).toBeGreaterThan(referencePsnr(image.data, new Uint8Array(image.data.length).fill(128)));
  });

  it('a larger budget never gives a smaller file (same seed)', async () => {
    for (const name of ['coffee', 'camera'] as const) {
      const [a, b, c] = await Promise.all([300, 800, 2000].map((bytes) => encoded(name, { bytes })));
      expect(b.bytes).toBeGreaterThan(a.bytes);
      expect(c.bytes).toBeGreaterThanOrEqual(b.bytes);
    }
  });

  it('uses at least 90% of the budget once the model is trained enough (200 iterations)', async () => {
    // With only 30 iterations this does not always hold, and encode.ts does not promise it (its
    // fitToBudget: "the trained step when it fits in [90%, 100%] of the budget, else the nearest step
    // that does"): the latents are still small, so even the finest latent step (index 0) can fall
    // short of 90% (camera 40x40 at 2000 bytes: 1330 bytes), and one latent step (x 2^(1/8)) can jump
    // right over the window (coffee 64x48 at 300 bytes: step 32 gives 377 bytes, step 33 gives 243).
    for (const budget of [300, 800]) {
      const result = await encoded('coffee', { bytes: budget, iterations: 200 });
      console.log(`coffee, 200 iterations, budget ${budget}: ${result.bytes} bytes (${((100 * result.bytes) / budget).toFixed(1)}%), ${result.psnr.toFixed(2)} dB`);
      expect(result.bytes).toBeLessThanOrEqual(budget);
      expect(result.bytes).toBeGreaterThanOrEqual(0.9 * budget);
      expect(result.psnr).toBeCloseTo(referencePsnr(coffee.data, decode(result.file).data), 10);
    }
  });

  it('the grey image is coded with one channel', async () => {
    const result = await encoded('camera', { bytes: 800 });
    expect(result.channels).toBe(1);
    expect(parseNnimg(result.file).header.channels).toBe(1);
    const decoded = decode(result.file, { scale: 2 });
    expect(decoded).toMatchObject({ width: 80, height: 80, channels: 1 });
    expect(decoded.data.length).toBe(80 * 80);
  });

  it('decodes at other sizes too', async () => {
    const result = await encoded('coffee', { bytes: 800 });
    expect(decode(result.file, { scale: 0.37 })).toMatchObject({ width: 24, height: 18, channels: 3 });
    expect(decode(result.file, { width: 200 })).toMatchObject({ width: 200, height: 150 });
  });
});

describe('seeds', () => {
  it('same seed gives a byte-identical file', async () => {
    const first = await encoded('coffee', { bytes: 800 }); // seed defaults to 1
    const again = await encode(coffee, { bytes: 800, iterations: ITERATIONS, seed: 1 });
    expect(Buffer.from(again.file).equals(Buffer.from(first.file))).toBe(true);
    const grey = await encoded('camera', { bytes: 300, seed: 5 });
    const greyAgain = await encode(camera, { bytes: 300, iterations: ITERATIONS, seed: 5 });
    expect(Buffer.from(greyAgain.file).equals(Buffer.from(grey.file))).toBe(true);
  });

  it('a different seed gives a different file', async () => {
    const one = await encoded('coffee', { bytes: 800 });
    const two = await encoded('coffee', { bytes: 800, seed: 2 });
    expect(Buffer.from(two.file).equals(Buffer.from(one.file))).toBe(false);
    expect(two.file.length).toBeLessThanOrEqual(800);
  });
});

describe('budget below the minimum', () => {
  it('throws BudgetError carrying the real minimum, and an encode at exactly that minimum succeeds', async () => {
    const header = headerOf(coffee, [6]); // what encode() picks for budgets below 600 bytes
    const minimum = minimumFileBytes(header);
    console.log(`minimum file for 64x48 RGB, hidden [6]: ${minimum} bytes`);
    // The minimum is the all-zero model's file, whatever its latent step.
    expect(minimum).toBe(allZeroFile(header).length);
    for (const bytes of [minimum - 1, 10, 1, 0]) {
      const error = await encode(coffee, { bytes, iterations: ITERATIONS }).then(
        () => expect.fail(`encode at ${bytes} bytes should throw`),
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(BudgetError);
      expect((error as BudgetError).minimumBytes).toBe(minimum);
      expect((error as BudgetError).requestedBytes).toBe(bytes);
      expect((error as BudgetError).message).toContain(String(minimum));
    }
    const smallest = await encode(coffee, { bytes: minimum, iterations: ITERATIONS });
    expect(smallest.file.length).toBeLessThanOrEqual(minimum);
    expect(smallest.file.length).toBe(minimum); // nothing smaller exists
    const decoded = decode(smallest.file);
    expect(decoded.data.length).toBe(64 * 48 * 3);
    expect(smallest.psnr).toBeCloseTo(referencePsnr(coffee.data, decoded.data), 10);
  });

  it('the grey image has its own minimum', async () => {
    const minimum = minimumFileBytes(headerOf(camera, [6]));
    await expect(encode(camera, { bytes: minimum - 1, iterations: ITERATIONS })).rejects.toMatchObject({ name: 'BudgetError', minimumBytes: minimum });
    const smallest = await encode(camera, { bytes: minimum, iterations: ITERATIONS });
    expect(smallest.file.length).toBeLessThanOrEqual(minimum);
  });
});

describe('encode with a quality setting', () => {
  it('makes valid files; higher quality costs more bytes', async () => {
    const low = await encoded('coffee', { quality: 5 });
    const high = await encoded('coffee', { quality: 95 });
    console.log(`coffee quality 5: ${low.bytes} bytes ${low.psnr.toFixed(2)} dB; quality 95: ${high.bytes} bytes ${high.psnr.toFixed(2)} dB`);
    for (const result of [low, high]) {
      expect(result.bytes).toBe(result.file.length);
      expect(result.psnr).toBeCloseTo(referencePsnr(coffee.data, decode(result.file).data), 10);
    }
    expect(high.bytes).toBeGreaterThan(low.bytes);
  });

  it('defaults to quality 75 when neither bytes nor quality is given', async () => {
    const implicit = await encoded('camera', {});
    const explicit = await encoded('camera', { quality: 75 });
    expect(Buffer.from(implicit.file).equals(Buffer.from(explicit.file))).toBe(true);
    expect(implicit.channels).toBe(1);
  });

  it('refuses bytes and quality together', async () => {
    await expect(encode(coffee, { bytes: 800, quality: 50, iterations: ITERATIONS })).rejects.toThrow(RangeError);
  });
});

describe('progress and cancelling', () => {
  it('reports every iteration and stops when asked', async () => {
    const seen: number[] = [];
    const result = await encode(camera, { bytes: 300, iterations: 12, onProgress: (p) => seen.push(p.iteration) });
    // The 12 asked for, then at most 10 settling iterations while the estimate is over budget;
    // twice, counted on, when the first training collapsed.
    const trainings = result.warnings.some((w) => /trained again with seed 2/.test(w)) ? 2 : 1;
    expect(seen.length).toBeGreaterThanOrEqual(12 * trainings);
    expect(seen.length).toBeLessThanOrEqual(22 * trainings);
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));
    expect(result.iterations).toBe(seen.length);
    let calls = 0;
    await expect(encode(camera, { bytes: 300, iterations: 12, shouldStop: () => ++calls > 3 })).rejects.toBeInstanceOf(EncodeCancelledError);
    expect(calls).toBe(4);
  });
});
