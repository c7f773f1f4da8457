/**
 * Encoder input: what readImage makes of unusual, damaged and hostile images. Each refusal is an
 * ImageInputError with a one-line message and a code; each accepted image comes out as 8-bit
 * sRGB with its real orientation.
 */
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encode } from '../src/encoder/encode.js';
import { decode } from '../src/decoder/decode.js';
import { DEFAULT_MAX_INPUT_PIXELS, ImageInputError, RasterImage, readImage } from '../src/image/io.js';
import { pngChunk } from '../src/image/png-writer.js';

const solid = (width: number, height: number, colour: { r: number; g: number; b: number; alpha?: number }, channels: 3 | 4 = 3) =>
  sharp({ create: { width, height, channels, background: colour } });

async function refusal(input: Uint8Array, options = {}): Promise<ImageInputError> {
  try {
    await readImage(input, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ImageInputError);
    const e = error as ImageInputError;
    expect(e.message.split('\n')).toHaveLength(1);
    expect(e.message).not.toMatch(/:\s*$/);
    return e;
  }
  throw new Error('the image was accepted');
}

const bytes = (buffer: Buffer) => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);

function pixel(image: RasterImage, x: number, y: number): number[] {
  const at = (y * image.width + x) * image.channels;
  return Array.from(image.data.subarray(at, at + image.channels));
}

function png(width: number, height: number, bitDepth: number, rows: Uint8Array): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = 2; // truecolour
  const signature = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return bytes(Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(rows)), pngChunk('IEND', new Uint8Array(0))]));
}

/** A 16-bit RGB PNG from samples, row by row (filter type 0, big-endian samples). */
function png16(width: number, height: number, samples: number[]): Uint8Array {
  const stride = 1 + width * 6;
  const rows = Buffer.alloc(stride * height);
  samples.forEach((v, i) => rows.writeUInt16BE(v, Math.floor(i / (width * 3)) * stride + 1 + (i % (width * 3)) * 2));
  return png(width, height, 16, rows);
}

/** A PNG whose header claims width x height but whose data is 1 kB of zeros: a decompression bomb. */
function bombPng(width: number, height: number): Uint8Array {
  return png(width, height, 8, new Uint8Array(1024));
}

describe('refused inputs', () => {
  it('an empty file', async () => {
    const e = await refusal(new Uint8Array(0));
    expect(e.code).toBe('empty');
    expect(e.message).toBe('the file is empty');
  });

  it('not an image', async () => {
    const e = await refusal(new TextEncoder().encode('just some text, not an image at all'));
    expect(e.code).toBe('unsupported');
    expect(e.message).toMatch(/not a supported image/);
  });

  it('a truncated PNG, cut in the header or in the pixel data', async () => {
    const png = bytes(await solid(64, 48, { r: 10, g: 200, b: 30 }).png({ compressionLevel: 0 }).toBuffer());
    for (const length of [8, 30, 100, png.length >> 1, png.length - 20]) {
      const e = await refusal(png.slice(0, length));
      expect(e.code, `cut at ${length}`).toBe('corrupt');
      expect(e.message).toMatch(/damaged or truncated/);
    }
  });

  it('a truncated JPEG: never decoded silently with grey filling the missing part', async () => {
    const jpeg = bytes(await sharp({ create: { width: 64, height: 64, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).jpeg().toBuffer());
    for (const length of [jpeg.length >> 2, jpeg.length >> 1, jpeg.length - 40]) {
      const e = await refusal(jpeg.slice(0, length));
      expect(e.message, `cut at ${length}`).toMatch(/damaged or truncated \(.*premature end/i);
    }
  });

  it('a decompression bomb: a tiny PNG claiming 30000x30000 pixels, refused from its header', async () => {
    const bomb = bombPng(30000, 30000);
    expect(bomb.length).toBeLessThan(200);
    // From the header: the refusal names the claimed size (npm run bench times it).
    const e = await refusal(bomb);
    expect(e).toMatchObject({ code: 'too-large', pixels: 9e8, limit: DEFAULT_MAX_INPUT_PIXELS });
    expect(e.message).toBe(`the image is 30000x30000 (900000000 pixels), over the limit of ${DEFAULT_MAX_INPUT_PIXELS} pixels`);
  });

  it('the pixel limit can be lowered and raised', async () => {
    const png = bytes(await solid(40, 30, { r: 1, g: 2, b: 3 }).png().toBuffer());
    expect((await refusal(png, { maxPixels: 1199 })).code).toBe('too-large');
    expect((await readImage(png, { maxPixels: 1200 })).width).toBe(40);
    // Raised above the default, the bomb gets past the size check and fails on its missing data.
    const bomb = bombPng(9000, 8000);
    expect((await refusal(bomb)).code).toBe('too-large');
    expect((await refusal(bomb, { maxPixels: 72_000_000 })).code).toBe('corrupt');
    await expect(readImage(png, { maxPixels: 0 })).rejects.toThrow(RangeError);
  });

  it('transparent pixels', async () => {
    const png = bytes(await solid(4, 4, { r: 9, g: 9, b: 9, alpha: 0.5 }, 4).png().toBuffer());
    const e = await refusal(png);
    expect(e.code).toBe('alpha');
    expect(e.message).toMatch(/transparent pixels.*flatten/);
  });
});

describe('accepted inputs', () => {
  it('a fully opaque alpha channel is dropped', async () => {
    const image = await readImage(bytes(await solid(3, 2, { r: 200, g: 100, b: 50, alpha: 1 }, 4).png().toBuffer()));
    expect(image).toMatchObject({ width: 3, height: 2, channels: 3 });
    expect(pixel(image, 2, 1)).toEqual([200, 100, 50]);
  });

  it('grey with an opaque alpha channel is one channel', async () => {
    const image = await readImage(bytes(await solid(3, 2, { r: 77, g: 77, b: 77, alpha: 1 }, 4).toColourspace('b-w').png().toBuffer()));
    expect(image.channels).toBe(1);
    expect(pixel(image, 0, 0)).toEqual([77]);
  });

  it('a 16-bit PNG is scaled to 8 bits', async () => {
    // Samples 0x1234 0xc8c8 0xffff | 0x0000 0x8080 0x4040 become 0x12 0xc8 0xff | 0x00 0x80 0x40.
    const png = png16(2, 1, [0x1234, 0xc8c8, 0xffff, 0x0000, 0x8080, 0x4040]);
    expect((await sharp(png).metadata()).depth).toBe('ushort');
    const image = await readImage(png);
    expect(image).toMatchObject({ width: 2, height: 1, channels: 3 });
    expect(pixel(image, 0, 0)).toEqual([0x12, 0xc8, 0xff]);
    expect(pixel(image, 1, 0)).toEqual([0x00, 0x80, 0x40]);
  });

  it('a CMYK JPEG is converted to RGB (three channels, not taken for alpha)', async () => {
    const jpeg = await solid(8, 8, { r: 200, g: 60, b: 40 }).toColourspace('cmyk').jpeg({ quality: 100 }).toBuffer();
    const meta = await sharp(jpeg).metadata();
    expect(meta.space).toBe('cmyk');
    expect(meta.channels).toBe(4);
    const image = await readImage(bytes(jpeg));
    expect(image.channels).toBe(3);
    const [r, g, b] = pixel(image, 4, 4);
    expect(r).toBeGreaterThan(170);
    expect(g).toBeLessThan(100);
    expect(b).toBeLessThan(80);
  });

  it('an ICC-tagged image is converted to sRGB through its profile', async () => {
    // Display P3 stores sRGB (200, 100, 50) as different numbers; reading must undo that.
    const p3 = await solid(4, 4, { r: 200, g: 100, b: 50 }).withIccProfile('p3').png().toBuffer();
    const stored = await sharp(p3).keepIccProfile().raw().toBuffer();
    expect(Array.from(stored.subarray(0, 3))).not.toEqual([200, 100, 50]);
    const image = await readImage(bytes(p3));
    const [r, g, b] = pixel(image, 1, 1);
    expect(Math.abs(r - 200)).toBeLessThanOrEqual(1);
    expect(Math.abs(g - 100)).toBeLessThanOrEqual(1);
    expect(Math.abs(b - 50)).toBeLessThanOrEqual(1);
  });

  it('an EXIF-rotated JPEG is turned upright', async () => {
    // Stored 4 wide, 2 high, red left half and blue right half; orientation 6 = rotate 90° clockwise.
    const raw = new Uint8Array(4 * 2 * 3);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) raw.set(x < 2 ? [255, 0, 0] : [0, 0, 255], (y * 4 + x) * 3);
    const jpeg = await sharp(raw, { raw: { width: 4, height: 2, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);
    const image = await readImage(bytes(jpeg));
    expect(image).toMatchObject({ width: 2, height: 4 });
    // After a quarter turn clockwise the left (red) half is on top.
    expect(pixel(image, 0, 0)[0]).toBeGreaterThan(200);
    expect(pixel(image, 1, 3)[2]).toBeGreaterThan(200);
  });

  it.each([
    ['GIF', 'gif'],
    ['WebP', 'webp'],
  ] as const)('an animated %s: the first frame is read, and a note says so', async (_name, format) => {
    const red = await solid(8, 6, { r: 255, g: 0, b: 0 }).png().toBuffer();
    const blue = await solid(8, 6, { r: 0, g: 0, b: 255 }).png().toBuffer();
    const animated = await sharp([red, blue], { join: { animated: true } })[format]().toBuffer();
    expect((await sharp(animated).metadata()).pages).toBe(2);
    const notes: string[] = [];
    const image = await readImage(bytes(animated), { onNote: (note) => notes.push(note) });
    expect(image).toMatchObject({ width: 8, height: 6, channels: 3 });
    expect(pixel(image, 3, 3)[0]).toBeGreaterThan(240);
    expect(pixel(image, 3, 3)[2]).toBeLessThan(15);
    expect(notes).toEqual([`the ${format.toUpperCase()} has 2 frames; only the first is encoded`]);
  });

  it('a still image gives no note', async () => {
    const notes: string[] = [];
    await readImage(bytes(await solid(2, 2, { r: 1, g: 2, b: 3 }).png().toBuffer()), { onNote: (n) => notes.push(n) });
    expect(notes).toEqual([]);
  });

  it.each([
    [1, 1],
    [1, 9],
    [9, 1],
  ])('a %ix%i image encodes and decodes at its size', async (width, height) => {
    const raw = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 53) % 256);
    const image = await readImage(bytes(await sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer()));
    expect(image).toMatchObject({ width, height, channels: 3 });
    const result = await encode(image, { iterations: 10, bytes: 60 });
    expect(result.bytes).toBeLessThanOrEqual(60);
    const decoded = decode(result.file);
    expect(decoded).toMatchObject({ width, height, channels: 3 });
    expect(decode(result.file, { width: 5, height: 4 })).toMatchObject({ width: 5, height: 4 });
  });
});
