/**
 * Tiny placeholders as codecs of `nnimg compare` (--codecs ...,thumbhash,blurhash): ThumbHash
 * (npm `thumbhash`, about 25 bytes, from a thumbnail at most 100x100) and BlurHash (npm `blurhash`,
 * a string of base-83 characters: 4 + 2 x components x components... about 30 for 4x3). Both are
 * decoded at the image's full size, as a page would show them before the image loads: BlurHash
 * evaluates its cosines at every output pixel; ThumbHash's reference decoder gives at most 32
 * pixels a side, enlarged with centre-aligned Lanczos like the downscaled baselines.
 *
 * The "quality" (1..100) of BlurHash picks its components (1x1 to 9x9, the wider side taking
 * more), so the budget search finds the most detailed hash that fits; ThumbHash has no setting.
 */
import sharp from 'sharp';
import { rgbaToThumbHash, thumbHashToRGBA } from 'thumbhash';
import { decode as decodeBlurHash, encode as encodeBlurHash } from 'blurhash';
import type { RasterImage } from '../image/io.js';
import { LANCZOS3, upscaleCentred } from '../image/resample.js';
import type { RgbImage } from './metrics.js';

export type PlaceholderCodec = 'thumbhash' | 'blurhash';
export const PLACEHOLDER_CODECS: readonly PlaceholderCodec[] = ['thumbhash', 'blurhash'];

export function isPlaceholder(codec: string): codec is PlaceholderCodec {
  return (PLACEHOLDER_CODECS as readonly string[]).includes(codec);
}

/** The image as RGBA, shrunk (Lanczos) to fit within `side` x `side` when larger. */
async function thumbnailRgba(image: RasterImage, side: number): Promise<{ width: number; height: number; data: Uint8ClampedArray }> {
  let input = sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } });
  if (image.width > side || image.height > side) input = input.resize(side, side, { kernel: 'lanczos3', fit: 'inside' });
  const { data, info } = await input.toColourspace('srgb').ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength) };
}

/** BlurHash components for a quality: n x round(n x short/long side), n from 1 to 9. */
export function blurHashComponents(quality: number, width: number, height: number): { x: number; y: number } {
  const n = Math.min(9, Math.max(1, Math.ceil((quality / 100) * 9)));
  const other = Math.min(9, Math.max(1, Math.round((n * Math.min(width, height)) / Math.max(width, height))));
  return width >= height ? { x: n, y: other } : { x: other, y: n };
}

export async function encodePlaceholder(image: RasterImage, codec: PlaceholderCodec, quality: number): Promise<Uint8Array> {
  if (codec === 'thumbhash') {
    const thumbnail = await thumbnailRgba(image, 100);
    return rgbaToThumbHash(thumbnail.width, thumbnail.height, thumbnail.data);
  }
  // BlurHash only keeps the lowest frequencies: a 64-pixel thumbnail gives the same hash as the
  // full image, a hundred times faster.
  const thumbnail = await thumbnailRgba(image, 64);
  const { x, y } = blurHashComponents(quality, image.width, image.height);
  return new TextEncoder().encode(encodeBlurHash(thumbnail.data, thumbnail.width, thumbnail.height, x, y));
}

/** Decodes a placeholder at width x height, 8-bit RGB. */
export function decodePlaceholder(file: Uint8Array, codec: PlaceholderCodec, width: number, height: number): RgbImage {
  if (codec === 'thumbhash') {
    const { w, h, rgba } = thumbHashToRGBA(file);
    return upscaleCentred({ width: w, height: h, channels: 3, data: dropAlpha(rgba) }, width, height, LANCZOS3);
  }
  const rgba = decodeBlurHash(new TextDecoder().decode(file), width, height);
  return { width, height, data: dropAlpha(rgba) };
}

function dropAlpha(rgba: ArrayLike<number>): Uint8Array {
  const rgb = new Uint8Array((rgba.length / 4) * 3);
  for (let i = 0, o = 0; i < rgba.length; i += 4) {
    rgb[o++] = rgba[i];
    rgb[o++] = rgba[i + 1];
    rgb[o++] = rgba[i + 2];
  }
  return rgb;
}
