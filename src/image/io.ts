/** Reading source images and writing decoded ones, through sharp. */
import sharp, { type Metadata } from 'sharp';
import type { RasterImage } from './raster.js';
import { DEFAULT_MAX_INPUT_PIXELS, ImageInputError, type OutputFormat } from './formats.js';

export { DEFAULT_MAX_INPUT_PIXELS, ImageInputError, outputFormatFor, type ImageInputErrorCode, type OutputFormat } from './formats.js';

export type { RasterImage };

export interface ReadOptions {
  /**
   * Refuse images with more pixels (width x height) than this, before decoding them: a guard
   * against decompression bombs. A positive whole number or Infinity; default
   * DEFAULT_MAX_INPUT_PIXELS.
   */
  maxPixels?: number;
  /**
   * Told, in one line each, how the input was interpreted when that is not obvious: only the
   * first frame of an animation (or first page of a multi-page file) is read.
   */
  onNote?: (note: string) => void;
}

const ANIMATED_FORMATS = new Set(['gif', 'webp', 'png', 'avif', 'heif', 'jxl']);

/**
 * Decodes PNG, JPEG, WebP, TIFF, AVIF, GIF and anything else sharp reads; applies EXIF
 * orientation, converts to 8-bit sRGB (16-bit samples are scaled down, CMYK and ICC-tagged images
 * are converted through their profile), and keeps one channel when the image is grey. Of an
 * animation or a multi-page file only the first frame or page is read (onNote says so).
 * Alpha is refused unless fully opaque: nnimg v1 does not code transparency.
 * Every failure is an ImageInputError with a one-line message.
 */
export async function readImage(input: string | Uint8Array, options: ReadOptions = {}): Promise<RasterImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  if (!(maxPixels === Infinity || (Number.isSafeInteger(maxPixels) && maxPixels >= 1))) {
    throw new RangeError(`maxPixels must be a positive whole number or Infinity, not ${maxPixels}`);
  }
  if (typeof input !== 'string' && input.length === 0) throw new ImageInputError('the file is empty', 'empty');

  // The header alone first: size and frame count, before any pixel is decoded.
  let metadata: Metadata;
  try {
    metadata = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw sharpInputError(error);
  }
  const width = metadata.width ?? 0;
  const height = metadata.pageHeight ?? metadata.height ?? 0;
  const pixels = width * height;
  if (pixels > maxPixels) {
    throw new ImageInputError(
      `the image is ${width}x${height} (${pixels} pixels), over the limit of ${maxPixels} pixels`,
      'too-large',
      pixels,
      maxPixels,
    );
  }
  const pages = metadata.pages ?? 1;
  if (pages > 1) {
    const format = (metadata.format ?? 'image').toUpperCase();
    const unit = ANIMATED_FORMATS.has(metadata.format ?? '') ? 'frames' : 'pages';
    options.onNote?.(`the ${format} has ${pages} ${unit}; only the first is encoded`);
  }

  let raw: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    const pipeline = sharp(input, { limitInputPixels: maxPixels === Infinity ? false : maxPixels, failOn: 'error' });
    raw = await pipeline.rotate().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw sharpInputError(error);
  }
  const { data, info } = raw;
  const pixelCount = info.width * info.height;
  const hasAlpha = info.channels === 4 || info.channels === 2;
  if (hasAlpha) {
    const alphaIndex = info.channels - 1;
    for (let i = 0; i < pixelCount; i++) {
      if (data[i * info.channels + alphaIndex] !== 255) {
        throw new ImageInputError(
          'the image has transparent pixels; nnimg v1 does not code alpha (flatten it first, e.g. onto white)',
          'alpha',
        );
      }
    }
  }
  const colourChannels = info.channels - (hasAlpha ? 1 : 0);
  const rgb = new Uint8Array(pixelCount * 3);
  let grey = true;
  for (let i = 0; i < pixelCount; i++) {
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = data[i * info.channels + (colourChannels === 1 ? 0 : c)];
    if (rgb[i * 3] !== rgb[i * 3 + 1] || rgb[i * 3] !== rgb[i * 3 + 2]) grey = false;
  }
  if (grey) {
    const single = new Uint8Array(pixelCount);
    for (let i = 0; i < pixelCount; i++) single[i] = rgb[i * 3];
    return { width: info.width, height: info.height, channels: 1, data: single };
  }
  return { width: info.width, height: info.height, channels: 3, data: rgb };
}

/** One line from a libvips/sharp error, which can run to several repeated lines. */
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return (lines[0] ?? 'unknown error').replace(/:$/, '');
}

function sharpInputError(error: unknown): ImageInputError {
  if (error instanceof ImageInputError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/unsupported image format|bad seek|is empty/i.test(message)) {
    return new ImageInputError('not a supported image (PNG, JPEG, WebP, TIFF, AVIF, GIF)', 'unsupported');
  }
  if (/pixel limit/i.test(message)) return new ImageInputError('the image is over the pixel limit', 'too-large');
  if (/corrupt header/i.test(message)) {
    // "Input buffer has corrupt header: <decoder's reason>": the reason is on the same or next line.
    const reason = message
      .replace(/^.*corrupt header:?/i, '')
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line !== '');
    return new ImageInputError(`the image is damaged or truncated${reason ? ` (${reason})` : ''}`, 'corrupt');
  }
  if (/premature end|truncat|read error|unexpected end|short read|not enough data/i.test(message)) {
    return new ImageInputError(`the image is damaged or truncated (${firstLine(error)})`, 'corrupt');
  }
  if (/^Input file is missing/i.test(message)) return new ImageInputError(firstLine(error), 'corrupt');
  return new ImageInputError(`cannot read the image: ${firstLine(error)}`, 'corrupt');
}

export function encodeRaster(image: RasterImage, format: OutputFormat): Promise<Buffer> {
  const s = sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } });
  if (format === 'jpeg') return s.jpeg({ quality: 95 }).toBuffer();
  if (format === 'webp') return s.webp({ quality: 95 }).toBuffer();
  return s.png().toBuffer();
}
