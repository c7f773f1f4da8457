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
export {
  encode,
  BudgetError,
  EncodeCancelledError,
  type EncodeOptions,
  type EncodeResult,
  type TrainingProgress,
} from './codec/encode.js';
export {
  decode,
  parseNnimg,
  resolveOutputSize,
  renderStrips,
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
} from './codec/decode.js';
export { decodeInThreads, renderStripsInThreads } from './codec/decode-threads.js';
export { NnimgFormatError, FORMAT_VERSION, type NnimgHeader, type FormatErrorCode } from './container/format.js';
export type { Model } from './model/model.js';
export type { CoordinateMlpModel, QuantizedCoordinateMlp } from './model/coordinate-mlp.js';
export type { QuantizedModel, QuantizedTensor, QuantizedGrid } from './codec/bitstream.js';
export { pngBytes, writePngFile, type PngStreamOptions } from './image/png-writer.js';
