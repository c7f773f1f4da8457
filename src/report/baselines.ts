/**
 * The baseline codecs through sharp, at a byte budget: the highest quality setting whose file
 * (container included) fits, at full size and after a Lanczos downscale by 2, 4 or 8 that the
 * viewer undoes with a Lanczos upscale.
 */
import sharp from 'sharp';
import { LANCZOS3, upscaleCentred } from '../image/resample.js';
import type { RasterImage } from '../image/io.js';
import { RgbImage, psnrRgb } from './metrics.js';
import type { BaselineCodec, CandidateSummary } from './types.js';
import { decodePlaceholder, encodePlaceholder, isPlaceholder } from './placeholders.js';

export type { BaselineCodec };

export const BASELINE_CODECS: readonly BaselineCodec[] = ['jpeg', 'webp', 'avif'];
/** Downscale factors tried at every budget; 1 is full size. */
export const SCALES = [1, 2, 4, 8] as const;

export interface BaselineSettings {
  /** AVIF encoder effort, 6 to 9 (default 6). */
  avifEffort: number;
}

export const DEFAULT_BASELINE_SETTINGS: BaselineSettings = { avifEffort: 6 };

export const FILE_EXTENSIONS: Record<BaselineCodec | 'nnimg', string> = { nnimg: 'nnimg', jpeg: 'jpg', webp: 'webp', avif: 'avif', thumbhash: 'thumbhash', blurhash: 'blurhash' };

/** The fixed encoder settings of each codec, as recorded in the report (the quality varies). */
export function encoderSettings(codec: BaselineCodec, settings: BaselineSettings): Record<string, string | number | boolean> {
  switch (codec) {
    case 'jpeg':
      return { encoder: 'mozjpeg (sharp)', mozjpeg: true, chromaSubsampling: '4:2:0' };
    case 'webp':
      return { encoder: 'libwebp (sharp)', effort: 6 };
    case 'avif':
      return { encoder: 'libaom via libheif (sharp)', effort: settings.avifEffort, chromaSubsampling: '4:2:0' };
    case 'thumbhash':
      return { encoder: 'thumbhash (npm), from a thumbnail within 100x100', decodedAt: 'full size' };
    case 'blurhash':
      return { encoder: 'blurhash (npm), from a thumbnail within 64x64', components: 'from the quality, 1 to 9 a side', decodedAt: 'full size' };
  }
}

/** Size after downscaling by `scale` (at least 1 pixel a side). */
export function scaledSize(width: number, height: number, scale: number): { width: number; height: number } {
  return { width: Math.max(1, Math.round(width / scale)), height: Math.max(1, Math.round(height / scale)) };
}

/** The pixels as a sharp pipeline; a grey image stays grey (sharp would otherwise write sRGB). */
function rawInput(image: RasterImage) {
  const input = sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } });
  return image.channels === 1 ? input.toColourspace('b-w') : input;
}

/** Downscales the image by `scale` with Lanczos (3 lobes) to 8-bit pixels; scale 1 returns it as it is. */
export async function downscale(image: RasterImage, scale: number): Promise<RasterImage> {
  if (scale === 1) return image;
  const size = scaledSize(image.width, image.height, scale);
  const { data, info } = await rawInput(image)
    .resize(size.width, size.height, { kernel: 'lanczos3', fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== image.channels) throw new Error(`downscale gave ${info.channels} channels for ${image.channels}`);
  return { width: info.width, height: info.height, channels: image.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Encodes 8-bit pixels with one codec at one quality (1..100); grey images as greyscale JPEG. */
export async function encodeBaseline(image: RasterImage, codec: BaselineCodec, quality: number, settings: BaselineSettings): Promise<Uint8Array> {
  if (isPlaceholder(codec)) return encodePlaceholder(image, codec, quality);
  const input = rawInput(image);
  let buffer: Buffer;
  if (codec === 'jpeg') buffer = await input.jpeg({ quality, mozjpeg: true, chromaSubsampling: '4:2:0' }).toBuffer();
  else if (codec === 'webp') buffer = await input.webp({ quality, effort: 6 }).toBuffer();
  else buffer = await input.avif({ quality, effort: settings.avifEffort, chromaSubsampling: '4:2:0' }).toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * Decodes a baseline file and, when it was made at a reduced size, upscales it back to
 * width x height with centre-aligned Lanczos (3 lobes; sharp's own enlargement is misaligned,
 * see image/resample.ts). Always 8-bit RGB.
 */
export async function decodeBaseline(file: Uint8Array, width: number, height: number, codec?: BaselineCodec): Promise<RgbImage> {
  if (codec && isPlaceholder(codec)) return decodePlaceholder(file, codec, width, height);
  const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels, expected 3`);
  const decoded = { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  return info.width === width && info.height === height ? decoded : upscaleCentred(decoded, width, height, LANCZOS3);
}

/** Memoised encodes of one image: probes at one quality are shared by every budget. */
export class EncodeMemo {
  private readonly scaled = new Map<number, Promise<RasterImage>>();
  private readonly files = new Map<string, Promise<Uint8Array>>();

  constructor(
    readonly image: RasterImage,
    readonly settings: BaselineSettings,
  ) {}

  scaledImage(scale: number): Promise<RasterImage> {
    let image = this.scaled.get(scale);
    if (!image) this.scaled.set(scale, (image = downscale(this.image, scale)));
    return image;
  }

  encode(codec: BaselineCodec, scale: number, quality: number): Promise<Uint8Array> {
    const key = `${codec}/${scale}/${quality}`;
    let file = this.files.get(key);
    if (!file) {
      file = this.scaledImage(scale).then((image) => encodeBaseline(image, codec, quality, this.settings));
      this.files.set(key, file);
    }
    return file;
  }
}

/**
 * A scale's best fitting file: width x height is the encoded (scaled) size, quality null when
 * even quality 1 is over the budget, psnr after upscaling back to full size.
 */
export interface BaselineCandidate extends CandidateSummary {
  file: Uint8Array | null;
  decoded: RgbImage | null;
}

/**
 * The highest quality in 1..100 whose file fits the budget, by binary search (it assumes that the
 * file size does not shrink as the quality rises, which holds for these encoders but for rare
 * one-byte exceptions).
 */
export async function highestQualityThatFits(
  memo: EncodeMemo,
  codec: BaselineCodec,
  scale: number,
  budget: number,
): Promise<{ quality: number; file: Uint8Array } | null> {
  let low = 1;
  let high = 100;
  let best: { quality: number; file: Uint8Array } | null = null;
  while (low <= high) {
    const quality = (low + high) >> 1;
    const file = await memo.encode(codec, scale, quality);
    if (file.length <= budget) {
      best = { quality, file };
      low = quality + 1;
    } else {
      high = quality - 1;
    }
  }
  return best;
}

/** Every scale's best fitting file for one codec and budget, decoded and measured. */
export async function baselineCandidates(
  memo: EncodeMemo,
  reference: RgbImage,
  codec: BaselineCodec,
  budget: number,
  scales: readonly number[] = SCALES,
): Promise<BaselineCandidate[]> {
  const candidates: BaselineCandidate[] = [];
  // A placeholder makes its own thumbnail: at full size only.
  for (const scale of isPlaceholder(codec) ? [1] : scales) {
    const size = scaledSize(reference.width, reference.height, scale);
    const found = await highestQualityThatFits(memo, codec, scale, budget);
    if (!found) {
      candidates.push({ scale, ...size, quality: null, bytes: null, psnr: null, file: null, decoded: null });
      continue;
    }
    const decoded = await decodeBaseline(found.file, reference.width, reference.height, codec);
    candidates.push({ scale, ...size, quality: found.quality, bytes: found.file.length, psnr: psnrRgb(reference, decoded), file: found.file, decoded });
  }
  return candidates;
}

/** The candidate with the highest PSNR (ties: the larger scale, i.e. full size first). */
export function bestCandidate(candidates: readonly BaselineCandidate[]): BaselineCandidate | null {
  let best: BaselineCandidate | null = null;
  for (const candidate of candidates) {
    if (candidate.psnr === null) continue;
    if (!best || candidate.psnr > (best.psnr ?? -Infinity)) best = candidate;
  }
  return best;
}
