/**
 * nnimg's public API: read an image, encode it into a .nnimg file, parse and render .nnimg files
 * at any size.
 *
 *   import { readImage, encode, decode } from 'nnimg';
 *   const result = await encode(await readImage('photo.png'), { bytes: 2000 });
 *   const image = decode(result.file, { width: 4096 });
 */
export {
  readImage,
  encodeRaster,
  outputFormatFor,
  ImageInputError,
  DEFAULT_MAX_INPUT_PIXELS,
  type ImageInputErrorCode,
  type RasterImage,
  type ReadOptions,
  type OutputFormat,
} from './image/io.js';
export { encode } from './encoder/encode.js';
export {
  BudgetError,
  EncodeCancelledError,
  type EncodeOptions,
  type EncodeResult,
  type TrainingProgress,
} from './encoder/types.js';
export {
  decode,
  decodeInThreads,
  parseNnimg,
  resolveOutputSize,
  renderStrips,
  renderStripsInThreads,
  NnimgDecodeError,
  MAX_OUTPUT_SIDE,
  DEFAULT_MAX_DECODE_PIXELS,
  type DecodeErrorCode,
  type DecodeLimits,
  type ParsedFile,
  type LatentGridFile,
  type CoordinateMlpFile,
  type DecodedModel,
  type OutputSize,
} from './decoder/decode.js';
export { NnimgFormatError, FORMAT_VERSION, type NnimgHeader, type FormatErrorCode } from './format/container.js';
export type { Model } from './kinds/latent-grid/model.js';
export type { CoordinateMlpModel, QuantizedCoordinateMlp } from './kinds/coordinate-mlp/model.js';
export type { QuantizedModel, QuantizedTensor, QuantizedGrid } from './format/payload.js';
export { pngBytes, writePngFile, type PngStreamOptions } from './image/png-writer.js';
