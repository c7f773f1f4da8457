/**
 * The streaming PNG writer (src/image/png-writer.ts): its WebAssembly SIMD row filter writes the
 * bytes of the plain filterRow, and its files decode, in sharp, to the pixels they were given,
 * whatever the strips, channels and zlib settings.
 */
import { constants } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../src/format/crc32.js';
import { filterRow, jsStripFilter, pngBytes, pngChunk, wasmStripFilter } from '../src/image/png-writer.js';
import { prng } from '../bench/support/prng.js';

/** Rows of several kinds: noise, smooth ramps, flat runs, and the extremes 0 and 255. */
function picture(width: number, height: number, bpp: number, seed: number): Uint8Array {
  const random = prng(seed);
  const data = new Uint8Array(width * height * bpp);
  for (let y = 0; y < height; y++) {
    const kind = y % 4;
    for (let i = 0; i < width * bpp; i++) {
      const at = y * width * bpp + i;
      if (kind === 0) data[at] = Math.floor(random() * 256);
      else if (kind === 1) data[at] = (i * 3 + y * 5 + Math.floor(random() * 4)) & 255;
      else if (kind === 2) data[at] = random() < 0.5 ? 0 : 255;
      else data[at] = Math.floor(i / 7) * 40;
    }
  }
  return data;
}

function filterAll(width: number, height: number, bpp: number, data: Uint8Array, filter: typeof filterRow): Uint8Array {
  const stride = width * bpp;
  const out = new Uint8Array(height * (stride + 1));
  const zero = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const previous = y === 0 ? zero : data.subarray((y - 1) * stride, y * stride);
    filter(data.subarray(y * stride, (y + 1) * stride), previous, bpp, out, y * (stride + 1));
  }
  return out;
}

async function* stripsOf(data: Uint8Array, stride: number, rowsEach: number[]): AsyncGenerator<Uint8Array> {
  let y = 0;
  for (let s = 0; y * stride < data.length; s++) {
    const rows = rowsEach[s % rowsEach.length];
    yield data.slice(y * stride, (y + rows) * stride);
    y += rows;
  }
}

async function pngFile(...args: Parameters<typeof pngBytes>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of pngBytes(...args)) parts.push(part);
  return Buffer.concat(parts);
}

describe('PNG row filters', () => {
  it('the WebAssembly filter writes the bytes of filterRow, every filter type chosen', () => {
    const chosen = new Set<number>();
    for (const bpp of [1, 3]) {
      for (const width of [1, 2, 5, 6, 17, 33, 100]) {
        const height = 12;
        const data = picture(width, height, bpp, width * 10 + bpp);
        const reference = filterAll(width, height, bpp, data, filterRow);
        for (let y = 0; y < height; y++) chosen.add(reference[y * (width * bpp + 1)]);
        // The strip filters keep the last row of a strip for the next: strips of 1, 5 and 6 rows.
        for (const make of [jsStripFilter, wasmStripFilter]) {
          const stride = width * bpp;
          const filter = make(stride, bpp);
          const out = new Uint8Array(reference.length);
          for (const [y, rows] of [[0, 1], [1, 5], [6, 6]]) {
            filter(data.subarray(y * stride, (y + rows) * stride), out.subarray(y * (stride + 1), (y + rows) * (stride + 1)));
          }
          expect(out).toEqual(reference);
        }
      }
    }
    expect([...chosen].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('the WebAssembly filter takes strips larger than its megabyte of memory', () => {
    const width = 1500;
    const height = 300; // 1.35 MB of RGB rows in one strip
    const data = picture(width, height, 3, 7);
    const out = new Uint8Array(height * (width * 3 + 1));
    wasmStripFilter(width * 3, 3)(data, out);
    expect(Buffer.compare(out, filterAll(width, height, 3, data, filterRow))).toBe(0); // toEqual is slow on megabytes
  });
});

describe('pngBytes', () => {
  it('pngChunk: length, type, data and the CRC-32 of type and data', () => {
    const data = picture(100, 3, 3, 5);
    const chunk = pngChunk('IDAT', data);
    expect(chunk.readUInt32BE(0)).toBe(data.length);
    expect(chunk.subarray(4, 8).toString('latin1')).toBe('IDAT');
    expect(Buffer.compare(chunk.subarray(8, 8 + data.length), data)).toBe(0);
    expect(chunk.readUInt32BE(8 + data.length)).toBe(crc32(Buffer.concat([Buffer.from('IDAT'), data])));
    expect(pngChunk('IEND', new Uint8Array(0)).toString('hex')).toBe('0000000049454e44ae426082');
  });

  it('writes PNGs that sharp decodes to the same pixels: RGB and grey, any strips, odd sizes', async () => {
    for (const [width, height, channels, rowsEach] of [
      [1, 1, 3, [1]],
      [37, 29, 3, [4, 1, 9]],
      [64, 50, 1, [50]],
      [301, 211, 3, [85]],
    ] as [number, number, 1 | 3, number[]][]) {
      const data = picture(width, height, channels, width + height);
      const png = await pngFile(width, height, channels, stripsOf(data, width * channels, rowsEach));
      const metadata = await sharp(png).metadata();
      expect({ width: metadata.width, height: metadata.height, channels: metadata.channels }).toEqual({ width, height, channels });
      // sharp hands grey out as RGB unless asked for the one channel.
      const decoded = channels === 1 ? sharp(png).extractChannel(0) : sharp(png);
      const { data: pixels } = await decoded.raw().toBuffer({ resolveWithObject: true });
      expect(Buffer.compare(pixels, Buffer.from(data))).toBe(0);
    }
  });

  it('other zlib settings give other bytes and the same pixels', async () => {
    const [width, height] = [120, 90];
    const data = picture(width, height, 3, 3);
    const files = await Promise.all(
      [{}, { level: 9, strategy: constants.Z_DEFAULT_STRATEGY }, { level: 1, strategy: constants.Z_DEFAULT_STRATEGY }, { level: 0 }].map((options) =>
        pngFile(width, height, 3, stripsOf(data, width * 3, [7]), options),
      ),
    );
    expect(new Set(files.map((f) => f.toString('hex'))).size).toBe(files.length);
    for (const file of files) {
      const { data: pixels } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
      expect(Buffer.compare(pixels, Buffer.from(data))).toBe(0);
    }
  });

  it('refuses strips that do not add up to the height', async () => {
    const data = picture(10, 10, 3, 1);
    await expect(pngFile(10, 11, 3, stripsOf(data, 30, [5]))).rejects.toThrow(/got 10 rows/);
    await expect(pngFile(10, 9, 3, stripsOf(data, 30, [5]))).rejects.toThrow(/more rows/);
  });
});
