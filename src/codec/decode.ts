/** Reading a .nnimg file back into a model, and rendering it at any size. */
import { NnimgHeader, readContainer } from '../container/format.js';
import { EntropyError } from '../entropy/laplace.js';
import { RasterImage } from '../image/io.js';
import { Model, dequantize, modelShapes } from '../model/model.js';
import { createRenderer } from '../model/render.js';
import { PayloadError, QuantizedModel, decodePayload } from './bitstream.js';

/** The largest output side the decoder renders. */
export const MAX_OUTPUT_SIDE = 65536;

export class NnimgDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NnimgDecodeError';
  }
}

export interface ParsedFile {
  header: NnimgHeader;
  quantized: QuantizedModel;
  model: Model;
  payloadBytes: number;
  overheadBytes: number;
}

/** Parses and entropy-decodes a file. Throws NnimgFormatError or NnimgDecodeError on bad input. */
export function parseNnimg(bytes: Uint8Array): ParsedFile {
  const { header, payload, overheadBytes } = readContainer(bytes);
  const { grids, shapes } = modelShapes(header);
  let quantized: QuantizedModel;
  try {
    quantized = decodePayload(payload, shapes, grids);
  } catch (error) {
    if (error instanceof PayloadError || error instanceof EntropyError) throw new NnimgDecodeError(error.message);
    throw error;
  }
  return { header, quantized, model: dequantize(header, quantized), payloadBytes: payload.length, overheadBytes };
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

/** Yields the output as strips of whole rows, top to bottom; memory stays bounded. */
export function* renderStrips(model: Model, width: number, height: number): Generator<Uint8Array> {
  const renderer = createRenderer(model, width, height);
  const rows = stripRows(width, model.channels);
  for (let y = 0; y < height; y += rows) {
    const count = Math.min(rows, height - y);
    const strip = new Uint8Array(count * width * model.channels);
    renderer.renderRows(y, count, strip);
    yield strip;
  }
}

/** Decodes a whole file into memory at the requested size (for moderate sizes; see renderStrips). */
export function decode(bytes: Uint8Array, request: OutputSize = {}): RasterImage {
  const { model } = parseNnimg(bytes);
  const { width, height } = resolveOutputSize(model, request);
  const data = new Uint8Array(width * height * model.channels);
  let at = 0;
  for (const strip of renderStrips(model, width, height)) {
    data.set(strip, at);
    at += strip.length;
  }
  return { width, height, channels: model.channels as 1 | 3, data };
}
