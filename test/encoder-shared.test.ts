/** What both kinds' encoders share (src/encoder/shared.ts), and the PSNR they report (src/image/metrics.ts). */
import { describe, expect, it } from 'vitest';
import { decode } from '../src/decoder/decode.js';
import { encode } from '../src/encoder/encode.js';
import { measuredFile, yieldToEventLoop } from '../src/encoder/shared.js';
import { EncodeCancelledError } from '../src/encoder/types.js';
import { RasterImage } from '../src/image/io.js';
import { psnr } from '../src/image/metrics.js';

describe('psnr', () => {
  it('is Infinity for identical samples', () => {
    expect(psnr(Uint8Array.from([0, 7, 255]), Uint8Array.from([0, 7, 255]))).toBe(Infinity);
  });

  it('is 10 log10(255^2 / mean squared error)', () => {
    // One sample of 100 off by 255: MSE 255^2 / 100, so 20 dB.
    const a = new Uint8Array(100);
    const b = new Uint8Array(100);
    b[37] = 255;
    expect(psnr(a, b)).toBeCloseTo(20, 10);
    // Every sample off by 1: 10 log10(255^2) = 48.13 dB.
    expect(psnr(new Uint8Array(10).fill(3), new Uint8Array(10).fill(4))).toBeCloseTo(20 * Math.log10(255), 10);
  });
});

describe('yieldToEventLoop', () => {
  it('lets the event loop run, then goes on unless asked to stop', async () => {
    let ran = false;
    setImmediate(() => (ran = true));
    await yieldToEventLoop({});
    expect(ran).toBe(true);
    await expect(yieldToEventLoop({ shouldStop: () => false })).resolves.toBeUndefined();
    await expect(yieldToEventLoop({ shouldStop: () => true })).rejects.toBeInstanceOf(EncodeCancelledError);
  });
});

describe('measuredFile', () => {
  it('measures the file as it decodes', async () => {
    const image: RasterImage = { width: 12, height: 10, channels: 1, data: Uint8Array.from({ length: 120 }, (_, i) => (i * 29) % 256) };
    const { file } = await encode(image, { bytes: 300, iterations: 10, threads: 1 });
    const measured = measuredFile(image, file, performance.now());
    expect(measured).toMatchObject({ file, width: 12, height: 10, channels: 1, bytes: file.length, bitsPerPixel: (file.length * 8) / 120 });
    expect(measured.psnr).toBe(psnr(image.data, decode(file).data));
    expect(measured.seconds).toBeGreaterThanOrEqual(0);
  });
});
