/** Reading a .nnimg file back into a model, and rendering it at any size. */
import { NnimgHeader, readContainer } from '../format/container.js';
import { EntropyError } from '../entropy/laplace.js';
import type { RasterImage } from '../image/raster.js';
import { CoordinateMlpModel, QuantizedCoordinateMlp } from '../kinds/coordinate-mlp/model.js';
import { DecodedModel, decodeModel, modelRenderer } from '../kinds/index.js';
import { Model } from '../kinds/latent-grid/model.js';
import { QuantizedModel } from '../format/payload.js';

/** The largest output side the decoder renders. */
export const MAX_OUTPUT_SIDE = 65536;

/**
 * Default limit on the pixels (width x height) of the model a file describes, and of an output
 * decoded into memory. The format allows up to 2^27 pixels (spec section 10), which takes about
 * 1.4 GB of latent grids; a 25-byte file can claim that much. 2^26 is also the encoder's default
 * input limit, so every file nnimg encodes with default settings decodes with default settings.
 */
export const DEFAULT_MAX_DECODE_PIXELS = 2 ** 26;

/**
 * 'payload': the range-coded data is invalid (for example an escape code that is too long).
 * 'limit': the file (or the requested output) is larger than the decoder was allowed to allocate;
 * `pixels` and `limit` say by how much, and a larger `maxPixels` option accepts it.
 */
export type DecodeErrorCode = 'payload' | 'limit';

export class NnimgDecodeError extends Error {
  constructor(
    message: string,
    readonly code: DecodeErrorCode = 'payload',
    /** For 'limit': the pixels asked for, and the limit in force. */
    readonly pixels?: number,
    readonly limit?: number,
  ) {
    super(message);
    this.name = 'NnimgDecodeError';
  }
}

export interface DecodeLimits {
  /**
   * Refuse files whose image (width x height in the header) has more pixels than this, before
   * allocating the model; decode() also refuses outputs larger than this. A positive whole number
   * or Infinity; default DEFAULT_MAX_DECODE_PIXELS.
   */
  maxPixels?: number;
}

function maxPixelsOf(limits: DecodeLimits): number {
  const limit = limits.maxPixels ?? DEFAULT_MAX_DECODE_PIXELS;
  if (!(limit === Infinity || (Number.isSafeInteger(limit) && limit >= 1))) {
    throw new RangeError(`maxPixels must be a positive whole number or Infinity, not ${limit}`);
  }
  return limit;
}

function checkPixels(what: string, width: number, height: number, limit: number): void {
  const pixels = width * height;
  if (pixels > limit) {
    throw new NnimgDecodeError(
      `${what} is ${width}x${height} (${pixels} pixels), over the decoder's limit of ${limit} pixels`,
      'limit',
      pixels,
      limit,
    );
  }
}

export interface LatentGridFile {
  kind: 'latent-grid';
  /** The file's format version. */
  version: number;
  header: NnimgHeader;
  quantized: QuantizedModel;
  model: Model;
  payloadBytes: number;
  overheadBytes: number;
}

export interface CoordinateMlpFile {
  kind: 'coordinate-mlp';
  version: number;
  header: NnimgHeader;
  quantized: QuantizedCoordinateMlp;
  model: CoordinateMlpModel;
  payloadBytes: number;
  overheadBytes: number;
}

export type ParsedFile = LatentGridFile | CoordinateMlpFile;

export type { DecodedModel };

/**
 * Parses and entropy-decodes a file. Throws NnimgFormatError or NnimgDecodeError on bad input,
 * NnimgDecodeError with code 'limit' when the image has more than `maxPixels` pixels (checked
 * before the model is allocated). Work and memory are proportional to the model size, which the
 * header fixes: about 4/3 x width x height latents, 8 bytes each (a coordinate MLP: its weights only).
 */
export function parseNnimg(bytes: Uint8Array, limits: DecodeLimits = {}): ParsedFile {
  const maxPixels = maxPixelsOf(limits);
  const { version, header, payload, overheadBytes } = readContainer(bytes);
  checkPixels('the image', header.width, header.height, maxPixels);
  const decoded = payloadDecoded(() => decodeModel(header, payload, version));
  return { ...decoded, version, header, payloadBytes: payload.length, overheadBytes };
}

/** Runs a payload decoder, reporting invalid range-coded data as NnimgDecodeError. */
function payloadDecoded<T>(decodePayloadData: () => T): T {
  try {
    return decodePayloadData();
  } catch (error) {
    if (error instanceof EntropyError) throw new NnimgDecodeError(error.message);
    throw error;
  }
}

export interface OutputSize {
  /** Output width; with only this given, the height follows the aspect ratio. */
  width?: number;
  height?: number;
  /** Scale factor against the native size (any positive real). */
  scale?: number;
}

export function resolveOutputSize(native: { width: number; height: number }, request: OutputSize = {}): { width: number; height: number } {
  const { width, height, scale } = request;
  const given = [width, height].filter((v) => v !== undefined).length;
  if (scale !== undefined && given > 0) throw new RangeError('give either a scale or a width/height, not both');
  let size: { width: number; height: number };
  if (scale !== undefined) {
    if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`scale must be a positive number, not ${scale}`);
    size = { width: Math.max(1, Math.round(native.width * scale)), height: Math.max(1, Math.round(native.height * scale)) };
  } else if (width !== undefined && height !== undefined) {
    size = { width, height };
  } else if (width !== undefined) {
    size = { width, height: Math.max(1, Math.round((width * native.height) / native.width)) };
  } else if (height !== undefined) {
    size = { width: Math.max(1, Math.round((height * native.width) / native.height)), height };
  } else {
    size = { width: native.width, height: native.height };
  }
  for (const [name, v] of Object.entries(size)) {
    if (!Number.isInteger(v) || v < 1 || v > MAX_OUTPUT_SIDE) {
      throw new RangeError(`output ${name} must be a whole number from 1 to ${MAX_OUTPUT_SIDE}, not ${v}`);
    }
  }
  return size;
}

/** Rows per strip: about a megabyte of output at a time. */
export function stripRows(width: number, channels: number): number {
  return Math.max(1, Math.floor(2 ** 20 / (width * channels)));
}

/** The strips renderStrips yields: [first row, row count], top to bottom. */
export function stripSpans(width: number, height: number, channels: number): [number, number][] {
  const rows = stripRows(width, channels);
  return Array.from({ length: Math.ceil(height / rows) }, (_, s) => [s * rows, Math.min(rows, height - s * rows)]);
}

/** Yields the output as strips of whole rows, top to bottom; memory stays bounded. */
export function* renderStrips(model: DecodedModel, width: number, height: number): Generator<Uint8Array> {
  const renderer = modelRenderer(model, width, height);
  for (const [y, count] of stripSpans(width, height, model.channels)) {
    const strip = new Uint8Array(count * width * model.channels);
    renderer.renderRows(y, count, strip);
    yield strip;
  }
}

/**
 * Decodes a whole file into memory at the requested size. For moderate sizes: the output may have
 * at most `maxPixels` pixels too (see renderStrips for large outputs in bounded memory). Worker threads: decode-threads.ts.
 */
export function decode(bytes: Uint8Array, request: OutputSize & DecodeLimits = {}): RasterImage {
  const { model, width, height } = decodeRequest(bytes, request);
  const data = new Uint8Array(width * height * model.channels);
  let at = 0;
  for (const strip of renderStrips(model, width, height)) {
    data.set(strip, at);
    at += strip.length;
  }
  return { width, height, channels: model.channels as 1 | 3, data };
}

/** The model and output size of a decode request, within the limits. */
export function decodeRequest(bytes: Uint8Array, request: OutputSize & DecodeLimits): { model: DecodedModel; width: number; height: number } {
  const maxPixels = maxPixelsOf(request);
  const { model } = parseNnimg(bytes, { maxPixels });
  const { width, height } = resolveOutputSize(model, request);
  checkPixels('the requested output', width, height, maxPixels);
  return { model, width, height };
}
