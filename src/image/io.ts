/** Reading source images and writing decoded ones, through sharp. */
import sharp, { type Sharp } from 'sharp';

/** 8-bit pixels, channels interleaved: 1 (grey) or 3 (RGB, sRGB). */
export interface RasterImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly data: Uint8Array;
}

export class ImageInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageInputError';
  }
}

export interface ReadOptions {
  /** Refuse images with more pixels than this (decompression bombs). */
  maxPixels?: number;
}

export const DEFAULT_MAX_INPUT_PIXELS = 2 ** 26;

/**
 * Decodes PNG, JPEG, WebP, TIFF, AVIF, GIF (first frame) and anything else sharp reads; applies
 * EXIF orientation, converts to 8-bit sRGB, and keeps one channel when the image is grey.
 * Alpha is refused unless fully opaque: nnimg v1 does not code transparency.
 */
export async function readImage(input: string | Uint8Array, options: ReadOptions = {}): Promise<RasterImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  let pipeline: Sharp;
  try {
    pipeline = sharp(input, { limitInputPixels: maxPixels, failOn: 'error' });
    await pipeline.metadata(); // fails fast on non-images and over-limit sizes
  } catch (error) {
    throw new ImageInputError(describeSharpError(error));
  }
  try {
    const oriented = pipeline.rotate().toColourspace('srgb');
    const { data, info } = await oriented.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    const pixelCount = info.width * info.height;
    const hasAlpha = info.channels === 4 || info.channels === 2;
    if (hasAlpha) {
      const alphaIndex = info.channels - 1;
      for (let i = 0; i < pixelCount; i++) {
        if (data[i * info.channels + alphaIndex] !== 255) {
          throw new ImageInputError(
            'the image has transparent pixels; nnimg v1 does not code alpha (flatten it first, e.g. onto white)',
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
    if (grey) return { width: info.width, height: info.height, channels: 1, data: rgb.filter((_, i) => i % 3 === 0) };
    return { width: info.width, height: info.height, channels: 3, data: rgb };
  } catch (error) {
    if (error instanceof ImageInputError) throw error;
    throw new ImageInputError(describeSharpError(error));
  }
}

function describeSharpError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/unsupported image format/i.test(message)) return 'not a supported image (PNG, JPEG, WebP, TIFF, AVIF, GIF)';
  if (/pixel limit/i.test(message)) return `image is larger than the pixel limit (${message})`;
  return `cannot read image: ${message}`;
}

export type OutputFormat = 'png' | 'jpeg' | 'webp';

export function outputFormatFor(path: string): OutputFormat | null {
  const ext = path.toLowerCase().split('.').pop();
  if (ext === 'png') return 'png';
  if (ext === 'jpg' || ext === 'jpeg') return 'jpeg';
  if (ext === 'webp') return 'webp';
  return null;
}

export function encodeRaster(image: RasterImage, format: OutputFormat): Promise<Buffer> {
  const s = sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } });
  if (format === 'jpeg') return s.jpeg({ quality: 95 }).toBuffer();
  if (format === 'webp') return s.webp({ quality: 95 }).toBuffer();
  return s.png().toBuffer();
}
