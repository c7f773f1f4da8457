/**
 * Tight byte budgets (issue 11): the file fills the budget and is a picture, never a flat colour.
 * Crops of the corpus photos at about 0.04 to 0.2 bits per pixel, where the encoder used to
 * collapse, checked against a flat image of the mean colour and the JPEG baseline of
 * `nnimg compare` (best of full size and 1/2, 1/4, 1/8 downscaled, Lanczos up) at the same bytes.
 */
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkDecoded, flatPsnr } from '../src/encoder/check.js';
import { EncodeResult, decode, encode, readImage } from '../src/index.js';
import type { RasterImage } from '../src/image/io.js';
import { DEFAULT_BASELINE_SETTINGS, EncodeMemo, baselineCandidates, bestCandidate } from '../src/report/baselines.js';
import { psnrRgb, toRgb } from '../src/report/metrics.js';

const ITERATIONS = 400;
const BUDGETS = [150, 300, 600];
const CROPS = [
  { name: 'coffee.png', left: 200, top: 40, width: 200, height: 136 },
  { name: 'chelsea.png', left: 120, top: 60, width: 200, height: 136 },
  { name: 'astronaut.png', left: 150, top: 30, width: 200, height: 136 },
];

async function crop(name: string, left: number, top: number, width: number, height: number): Promise<RasterImage> {
  const png = await sharp(fileURLToPath(new URL(`../corpus/${name}`, import.meta.url))).extract({ left, top, width, height }).png().toBuffer();
  return readImage(new Uint8Array(png));
}

/** The image every pixel of which is the mean colour: what a collapsed file looks like at best. */
function flatImage(image: RasterImage): RasterImage {
  const { width, height, channels, data } = image;
  const sums = new Float64Array(channels);
  for (let i = 0; i < data.length; i++) sums[i % channels] += data[i];
  const flat = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) flat[i] = Math.round(sums[i % channels] / (width * height));
  return { width, height, channels, data: flat };
}

interface Case {
  image: RasterImage;
  name: string;
  budget: number;
  result: EncodeResult;
  psnr: number;
  flatPsnr: number;
  jpegPsnr: number | null;
}

const cases: Case[] = [];

beforeAll(async () => {
  for (const c of CROPS) {
    const image = await crop(c.name, c.left, c.top, c.width, c.height);
    const reference = toRgb(image);
    const memo = new EncodeMemo(image, DEFAULT_BASELINE_SETTINGS);
    const flatPsnr = psnrRgb(reference, toRgb(flatImage(image)));
    for (const budget of BUDGETS) {
      const result = await encode(image, { bytes: budget, iterations: ITERATIONS, threads: 1 });
      const psnr = psnrRgb(reference, toRgb(decode(result.file)));
      const jpeg = bestCandidate(await baselineCandidates(memo, reference, 'jpeg', result.bytes));
      cases.push({ image, name: c.name, budget, result, psnr, flatPsnr, jpegPsnr: jpeg?.psnr ?? null });
    }
  }
}, 240_000);

describe('encoding at tight budgets', () => {
  it('fills at least 90% of the budget and never exceeds it', () => {
    for (const c of cases) {
      expect(c.result.bytes, `${c.name} at ${c.budget} B`).toBeLessThanOrEqual(c.budget);
      expect(c.result.bytes, `${c.name} at ${c.budget} B`).toBeGreaterThanOrEqual(0.9 * c.budget);
    }
  });

  it('reports the PSNR of the decoded file', () => {
    for (const c of cases) expect(c.result.psnr).toBeCloseTo(c.psnr, 6);
  });

  it('gives a picture: well above a flat image of the mean colour', () => {
    for (const c of cases) expect(c.psnr - c.flatPsnr, `${c.name} at ${c.budget} B`).toBeGreaterThan(3);
  });

  it('beats the JPEG baseline at the same bytes', () => {
    let compared = 0;
    for (const c of cases) {
      if (c.jpegPsnr === null) continue; // JPEG cannot make a file this small at any scale
      compared++;
      expect(c.psnr, `${c.name} at ${c.budget} B: JPEG ${c.jpegPsnr.toFixed(2)} dB`).toBeGreaterThan(c.jpegPsnr);
    }
    expect(compared).toBeGreaterThanOrEqual(CROPS.length);
  });

  it('does not lose quality as the budget grows', () => {
    for (const c of CROPS) {
      const psnrs = cases.filter((x) => x.name === c.name).map((x) => x.psnr);
      for (let i = 1; i < psnrs.length; i++) expect(psnrs[i], `${c.name} at ${BUDGETS[i]} B`).toBeGreaterThan(psnrs[i - 1]);
    }
  });
});

describe("the encoder's check of its own file", () => {
  it('flags a file no better than a flat colour, or far below the training, and passes a good one', () => {
    const { image } = cases[0];
    const flat = flatPsnr(image);
    expect(flat).toBeCloseTo(psnrRgb(toRgb(image), toRgb(flatImage(image))), 9);
    expect(checkDecoded(image, flat + 0.5, flat + 10)).toEqual([expect.stringMatching(/hardly better than a flat image/)]);
    expect(checkDecoded(image, flat + 5, flat + 10)).toEqual([expect.stringMatching(/far below the .* the training reached/)]);
    expect(checkDecoded(image, flat + 8, flat + 10)).toEqual([]);
    for (const c of cases) expect(c.result.warnings, `${c.name} at ${c.budget} B`).toEqual([]);
  });

  it('does not call a nearly flat image collapsed', () => {
    const data = Uint8Array.from({ length: 16 * 16 * 3 }, (_, i) => 120 + (i % 2));
    const image: RasterImage = { width: 16, height: 16, channels: 3, data };
    expect(checkDecoded(image, flatPsnr(image) - 1, flatPsnr(image))).toEqual([]);
  });
});

describe('a collapsed training', () => {
  it('is trained again from the next seed, the better file kept, the same for the same seed', async () => {
    const { image } = cases[0];
    // At the smallest file only the mean colour fits: every training collapses, so the retry runs.
    const minimum = await encode(image, { bytes: 1, iterations: 20, threads: 1 }).then(
      () => Infinity,
      (error: { minimumBytes: number }) => error.minimumBytes,
    );
    expect(Number.isFinite(minimum)).toBe(true);
    const first = await encode(image, { bytes: minimum, iterations: 20, threads: 1 });
    expect(first.iterations).toBeGreaterThanOrEqual(40);
    expect(first.warnings[0]).toMatch(/the first training \(seed 1\) collapsed to .* dB; trained again with seed 2/);
    const again = await encode(image, { bytes: minimum, iterations: 20, threads: 1 });
    expect(Buffer.from(again.file).equals(Buffer.from(first.file))).toBe(true);
    // A good training is not repeated.
    for (const c of cases) expect(c.result.iterations).toBeLessThan(2 * ITERATIONS);
  });
});
