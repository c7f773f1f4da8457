/** ThumbHash and BlurHash as codecs of nnimg compare (src/report/placeholders.ts). */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { EncodeMemo, DEFAULT_BASELINE_SETTINGS, baselineCandidates, decodeBaseline, encodeBaseline } from '../src/report/baselines.js';
import { RgbImage, psnrRgb, toRgb } from '../src/report/metrics.js';
import { blurHashComponents } from '../src/report/placeholders.js';
import { RasterImage, readImage } from '../src/image/io.js';

const corpus = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'corpus');
let chelsea: RasterImage; // 451x300 RGB
let reference: RgbImage;

/** The image filled with its mean colour: what a placeholder must beat. */
function flat(image: RgbImage): RgbImage {
  const sums = [0, 0, 0];
  for (let i = 0; i < image.data.length; i++) sums[i % 3] += image.data[i];
  const pixels = image.width * image.height;
  const data = new Uint8Array(image.data.length).map((_, i) => Math.round(sums[i % 3] / pixels));
  return { width: image.width, height: image.height, data };
}

beforeAll(async () => {
  chelsea = await readImage(join(corpus, 'chelsea.png'));
  reference = toRgb(chelsea);
});

describe('placeholders', () => {
  it.each(['thumbhash', 'blurhash'] as const)('%s: a few dozen bytes, decoded at full size, closer than the mean colour', async (codec) => {
    const file = await encodeBaseline(chelsea, codec, 50, DEFAULT_BASELINE_SETTINGS);
    expect(file.length).toBeGreaterThan(4);
    expect(file.length).toBeLessThanOrEqual(codec === 'thumbhash' ? 25 : 40);
    const decoded = await decodeBaseline(file, chelsea.width, chelsea.height, codec);
    expect([decoded.width, decoded.height, decoded.data.length]).toEqual([451, 300, 451 * 300 * 3]);
    expect(psnrRgb(reference, decoded)).toBeGreaterThan(psnrRgb(reference, flat(reference)) + 0.5);
  });

  it('BlurHash: more components, and bytes, as the quality rises', async () => {
    expect(blurHashComponents(1, 451, 300)).toEqual({ x: 1, y: 1 });
    expect(blurHashComponents(100, 451, 300)).toEqual({ x: 9, y: 6 });
    expect(blurHashComponents(100, 300, 451)).toEqual({ x: 6, y: 9 });
    const sizes = [];
    for (const quality of [1, 30, 60, 100]) sizes.push((await encodeBaseline(chelsea, 'blurhash', quality, DEFAULT_BASELINE_SETTINGS)).length);
    expect(sizes[0]).toBe(6); // 1x1: the size flag, the maximum and the mean colour
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
    expect(sizes[3]).toBeGreaterThan(sizes[0] + 50);
  });

  it('the budget search: the most detailed BlurHash that fits, at full size only; a ThumbHash over a tiny budget does not fit', async () => {
    const memo = new EncodeMemo(chelsea, DEFAULT_BASELINE_SETTINGS);
    const [blur, ...others] = await baselineCandidates(memo, reference, 'blurhash', 64);
    expect(others).toEqual([]);
    expect(blur.scale).toBe(1);
    expect(blur.bytes).toBeLessThanOrEqual(64);
    expect(blur.bytes).toBeGreaterThan(40);
    expect(blur.psnr).toBeGreaterThan(15);
    const [thumb] = await baselineCandidates(memo, reference, 'thumbhash', 10);
    expect(thumb).toMatchObject({ scale: 1, quality: null, bytes: null, file: null });
  });
});
