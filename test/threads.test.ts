/** Worker threads: the same file and pixels whatever the thread count, and no worker left behind. */
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { EncodeCancelledError, encode } from '../src/codec/encode.js';
import { RasterImage, readImage } from '../src/image/io.js';
import { runningWorkerCount } from '../src/parallel/threads.js';

let coffee: RasterImage; // 64x48 RGB

beforeAll(async () => {
  const png = await sharp(fileURLToPath(new URL('../corpus/coffee.png', import.meta.url))).extract({ left: 260, top: 150, width: 64, height: 48 }).png().toBuffer();
  coffee = await readImage(new Uint8Array(png));
});

describe('encode', () => {
  it('writes the same file with 1, 2 and 3 threads, and leaves no worker running', async () => {
    const files = [];
    for (const threads of [1, 2, 3]) files.push((await encode(coffee, { iterations: 12, bytes: 600, seed: 5, threads })).file);
    expect(files[1]).toEqual(files[0]);
    expect(files[2]).toEqual(files[0]);
    expect(runningWorkerCount()).toBe(0);
  });

  it('ends its workers when cancelled', async () => {
    let checks = 0;
    await expect(encode(coffee, { iterations: 50, threads: 3, shouldStop: () => ++checks > 3 })).rejects.toThrow(EncodeCancelledError);
    expect(runningWorkerCount()).toBe(0);
  });

  it('refuses a thread count outside 1..8', async () => {
    await expect(encode(coffee, { iterations: 1, threads: 0 })).rejects.toThrow(RangeError);
  });
});
