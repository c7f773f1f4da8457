/**
 * nnimg's public API: read an image, encode it into a .nnimg file, parse and render .nnimg files
 * at any size. The command line (src/cli/) uses nothing else (and src/report/ for `compare`).
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
export { COORDINATE_MLP_OPTIMIZERS, type CoordinateMlpOptimizer } from './encoder/coordinate-mlp-trainer.js';
export { Timelapse, animationFormatFor, type AnimationFormat } from './encoder/timelapse.js';
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
} from './decoder/decode.js';
export { decodeInThreads, renderStripsInThreads } from './decoder/decode-threads.js';
export { payloadBits, modelSummary, type PayloadBits, type LayerBits, type LevelBits } from './decoder/payload-bits.js';
export {
  NnimgFormatError,
  FORMAT_VERSION,
  MAX_DIMENSION,
  MAX_PIXELS,
  MAX_HIDDEN_LAYERS,
  MAX_HIDDEN_WIDTH,
  type ModelKind,
  type NnimgHeader,
  type FormatErrorCode,
} from './format/container.js';
export { MAX_THREADS } from './threads.js';
export type { Model } from './kinds/latent-grid/model.js';
export type { CoordinateMlpModel, QuantizedCoordinateMlp } from './kinds/coordinate-mlp/model.js';
export type { QuantizedModel, QuantizedTensor, QuantizedGrid } from './format/payload.js';
export { pngBytes, writePngFile, type PngStreamOptions } from './image/png-writer.js';
