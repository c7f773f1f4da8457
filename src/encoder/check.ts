/** The encoder's own check of the file it wrote, against a flat image and the training's PSNR. */
import { RasterImage } from '../image/io.js';
import { psnr } from '../image/metrics.js';

/** The encoder's check of its file: within this many dB of a flat image is a collapse, */
const COLLAPSE_MARGIN = 1;
const NEARLY_FLAT = 30;
/** and this many dB below the training's own PSNR, a loss in quantization. */
const QUANTIZATION_LOSS_LIMIT = 3;

/**
 * The encoder's own check of the decoded file: no better than a flat image of the mean colour (a
 * collapse), or far below what the training reached (lost in quantization). It warns; the file is
 * still the best one found within the budget.
 */
export function checkDecoded(image: RasterImage, decodedPsnr: number, trainingPsnr: number): string[] {
  if (isCollapse(image, decodedPsnr)) {
    const flat = flatPsnr(image);
    return [`the file decodes to ${decodedPsnr.toFixed(2)} dB, hardly better than a flat image of the mean colour (${flat.toFixed(2)} dB)`];
  }
  if (decodedPsnr < trainingPsnr - QUANTIZATION_LOSS_LIMIT) {
    return [`the file decodes to ${decodedPsnr.toFixed(2)} dB, far below the ${trainingPsnr.toFixed(2)} dB the training reached`];
  }
  return [];
}

/** Whether a file decoding to `decodedPsnr` is a collapse: hardly better than a flat image of the mean colour. */
export function isCollapse(image: RasterImage, decodedPsnr: number): boolean {
  const flat = flatPsnr(image);
  // A nearly flat image (a flat colour within 30 dB) is rightly rendered nearly flat.
  return flat < NEARLY_FLAT && decodedPsnr < flat + COLLAPSE_MARGIN;
}

/** PSNR of the image every pixel of which is the image's mean colour. */
export function flatPsnr(image: RasterImage): number {
  const { channels, data } = image;
  const sums = new Float64Array(channels);
  for (let i = 0; i < data.length; i++) sums[i % channels] += data[i];
  const pixels = data.length / channels;
  const flat = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) flat[i] = Math.round(sums[i % channels] / pixels);
  return psnr(data, flat);
}
