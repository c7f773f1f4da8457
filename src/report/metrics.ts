/**
 * Quality of decoded pixels against the original, as the comparison reports it: PSNR over the
 * RGB samples (src/image/metrics.ts) and SSIM from ssim.js.
 *
 * Everything is compared as 8-bit RGB; a grey image is spread to three equal channels, which
 * leaves its PSNR unchanged.
 */
import { ssim as ssimJs } from 'ssim.js';
import { psnr } from '../image/metrics.js';
import type { RasterImage } from '../image/io.js';

/** 8-bit interleaved RGB pixels. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** The image as RGB (a grey image repeats its channel). */
export function toRgb(image: RasterImage): RgbImage {
  if (image.channels === 3) return { width: image.width, height: image.height, data: image.data };
  const data = new Uint8Array(image.width * image.height * 3);
  for (let i = 0; i < image.width * image.height; i++) data[i * 3] = data[i * 3 + 1] = data[i * 3 + 2] = image.data[i];
  return { width: image.width, height: image.height, data };
}

function checkSizes(reference: RgbImage, test: RgbImage): void {
  if (reference.width !== test.width || reference.height !== test.height) {
    throw new RangeError(`images differ in size: ${reference.width}x${reference.height} and ${test.width}x${test.height}`);
  }
}

/**
 * The PSNR reported for an exact reconstruction (whose true PSNR is infinite), so that means,
 * plots and JSON stay finite. Real results at the budgets compared stay far below it.
 */
export const LOSSLESS_PSNR = 100;

/** PSNR over all RGB samples, dB (LOSSLESS_PSNR when identical). */
export function psnrRgb(reference: RgbImage, test: RgbImage): number {
  checkSizes(reference, test);
  return Math.min(LOSSLESS_PSNR, psnr(reference.data, test.data));
}

function rgba(image: RgbImage): { data: Uint8ClampedArray; width: number; height: number } {
  const pixels = image.width * image.height;
  const data = new Uint8ClampedArray(pixels * 4);
  for (let i = 0; i < pixels; i++) {
    data[i * 4] = image.data[i * 3];
    data[i * 4 + 1] = image.data[i * 3 + 1];
    data[i * 4 + 2] = image.data[i * 3 + 2];
    data[i * 4 + 3] = 255;
  }
  return { data, width: image.width, height: image.height };
}

/**
 * Mean SSIM as Wang et al.'s reference ssim.m computes it (ssim.js 'original': luma by the
 * MATLAB rgb2gray weights, 11x11 Gaussian window with sigma 1.5, K1 0.01, K2 0.03, and the
 * reference's automatic downsampling of images whose shorter side exceeds 256 pixels).
 * Images smaller than the 11-pixel window have no SSIM: null.
 */
export function ssimRgb(reference: RgbImage, test: RgbImage): number | null {
  checkSizes(reference, test);
  if (reference.width < 11 || reference.height < 11) return null;
  const result = ssimJs(rgba(reference), rgba(test), {
    ssim: 'original',
    rgb2grayVersion: 'original',
    downsample: 'original',
    maxSize: 256,
  });
  return result.mssim;
}
