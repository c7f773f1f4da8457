/**
 * nnimg's browser decoder (`import { decode } from 'nnimg/decoder'`): the same parser and
 * renderers as the Node decoder (src/decoder/decode.ts, src/kinds/, src/synthesis/), so the same
 * pixels, with the WebAssembly SIMD kernels embedded and a plain-JavaScript renderer where
 * WebAssembly SIMD is missing. No Node module: bundled by tools/build-web.mjs into dist/web/decoder.js.
 *
 *   const image = await decode(new Uint8Array(await (await fetch('photo.nnimg')).arrayBuffer()), { width: 800 });
 *   context.putImageData(new ImageData(image.data, image.width, image.height), 0, 0);
 */
import {
  DEFAULT_MAX_DECODE_PIXELS,
  DecodeLimits,
  NnimgDecodeError,
  OutputSize,
  ParsedFile,
  parseNnimg,
  resolveOutputSize,
  stripSpans,
} from '../decoder/decode.js';
import { NnimgFormatError, NnimgHeader, readContainer } from '../format/container.js';
import type { KernelName } from '../kernels/select.js';
import { modelRenderer, rendererKernel } from '../kinds/index.js';
import { compileKernels } from './kernels-source.js';

export { NnimgDecodeError, NnimgFormatError };
export type { DecodeLimits, NnimgHeader, OutputSize, ParsedFile, KernelName };

export interface RenderOptions extends OutputSize, DecodeLimits {
  /**
   * The renderer of latent-grid files: 'wasm' (WebAssembly SIMD, the default where available),
   * 'generated' or 'reference' (plain JavaScript). All give the same pixels.
   */
  kernel?: KernelName;
}

export interface DecodedImage {
  width: number;
  height: number;
  /** RGBA, 4 bytes a pixel, rows top to bottom, alpha 255: ready for `new ImageData(data, width, height)`. */
  data: Uint8ClampedArray<ArrayBuffer>;
  /** The file's channels: 1 (grey, so R = G = B) or 3. */
  channels: 1 | 3;
  /** The renderer that ran ('reference' for coordinate-MLP files, which have one renderer). */
  kernel: KernelName;
}

let kernelsReady: Promise<void> | undefined;

/**
 * Compiles the WebAssembly kernels once; decode() and render() wait for it. Never rejects: without
 * WebAssembly SIMD the plain-JavaScript renderer is used.
 */
export function ready(): Promise<void> {
  if (!kernelsReady) kernelsReady = compileKernels().catch(() => undefined);
  return kernelsReady;
}

/** The header (size, channels, model) of a .nnimg file, without decoding its payload. */
export function readHeader(bytes: Uint8Array | ArrayBuffer): NnimgHeader {
  return readContainer(asBytes(bytes)).header;
}

/** Parses and entropy-decodes a file once, to render it at several sizes with render(). */
export function parse(bytes: Uint8Array | ArrayBuffer, limits: DecodeLimits = {}): ParsedFile {
  return parseNnimg(asBytes(bytes), limits);
}

/** Renders a parsed file at the requested size (default: its native size) as RGBA. */
export async function render(file: ParsedFile, options: RenderOptions = {}): Promise<DecodedImage> {
  await ready();
  return renderNow(file, options);
}

/** Decodes a .nnimg file at the requested size (default: its native size) as RGBA. */
export async function decode(bytes: Uint8Array | ArrayBuffer, options: RenderOptions = {}): Promise<DecodedImage> {
  await ready();
  return renderNow(parse(bytes, options), options);
}

function renderNow(file: ParsedFile, options: RenderOptions): DecodedImage {
  const { model } = file;
  const { width, height } = resolveOutputSize(model, options);
  const limit = options.maxPixels ?? DEFAULT_MAX_DECODE_PIXELS;
  if (width * height > limit) {
    throw new NnimgDecodeError(`the requested output is ${width}x${height}, over the decoder's limit of ${limit} pixels`, 'limit', width * height, limit);
  }
  const kernel = rendererKernel(model, options.kernel);
  const renderer = modelRenderer(model, width, height, kernel);
  const channels = model.channels as 1 | 3;
  const data = new Uint8ClampedArray(width * height * 4);
  let strip = new Uint8Array(0);
  for (const [y, count] of stripSpans(width, height, channels)) {
    const samples = count * width * channels;
    if (strip.length < samples) strip = new Uint8Array(samples);
    renderer.renderRows(y, count, strip);
    let o = y * width * 4;
    if (channels === 3) {
      for (let i = 0; i < samples; i += 3, o += 4) {
        data[o] = strip[i];
        data[o + 1] = strip[i + 1];
        data[o + 2] = strip[i + 2];
        data[o + 3] = 255;
      }
    } else {
      for (let i = 0; i < samples; i++, o += 4) {
        data[o] = data[o + 1] = data[o + 2] = strip[i];
        data[o + 3] = 255;
      }
    }
  }
  return { width, height, data, channels, kernel };
}

function asBytes(bytes: Uint8Array | ArrayBuffer): Uint8Array {
  return bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
}
