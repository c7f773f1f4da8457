/**
 * `nnimg/decode`: reading .nnimg files in Node without the encoder and without sharp. Parse a
 * file, render it at any size (whole, in strips, over worker threads), write the strips as a
 * streaming PNG, see where a file's bits go; with every limit and error of `nnimg/limits`.
 * Loading it stays cheap, which is why the command line's `decode` and `info` take it alone.
 *
 *   import { decode, writePngFile, parseNnimg } from 'nnimg/decode';
 *
 * (`nnimg/decoder` is the other decoder, for browsers: one bundled module, no Node modules.)
 */
export * from './limits.js';
export {
  decode,
  parseNnimg,
  resolveOutputSize,
  renderStrips,
  type ParsedFile,
  type LatentGridFile,
  type CoordinateMlpFile,
  type DecodedModel,
  type OutputSize,
} from '../decoder/decode.js';
export { decodeInThreads, renderStripsInThreads } from '../decoder/decode-threads.js';
export { payloadBits, modelSummary, type PayloadBits, type LayerBits, type LevelBits } from '../decoder/payload-bits.js';
export type { ModelKind, NnimgHeader } from '../format/container.js';
export type { RasterImage } from '../image/raster.js';
export { outputFormatFor, type OutputFormat } from '../image/formats.js';
export { pngBytes, writePngFile, type PngStreamOptions } from '../image/png-writer.js';
export type { Model } from '../kinds/latent-grid/model.js';
export type { CoordinateMlpModel, QuantizedCoordinateMlp } from '../kinds/coordinate-mlp/model.js';
export type { QuantizedModel, QuantizedTensor, QuantizedGrid } from '../format/payload.js';
