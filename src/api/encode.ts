/**
 * `nnimg/encode`: reading source images (through sharp) and encoding them into .nnimg files,
 * with every limit and error of `nnimg/limits`. Loading it loads sharp and the encoder.
 *
 *   import { readImage, encode } from 'nnimg/encode';
 */
export * from './limits.js';
export { readImage, encodeRaster, type ReadOptions } from '../image/io.js';
export type { RasterImage } from '../image/raster.js';
export { outputFormatFor, type OutputFormat } from '../image/formats.js';
export type { ModelKind } from '../format/container.js';
export { encode } from '../encoder/encode.js';
export type { EncodeOptions, EncodeResult, TrainingProgress } from '../encoder/types.js';
export { COORDINATE_MLP_OPTIMIZERS, type CoordinateMlpOptimizer } from '../encoder/coordinate-mlp-trainer.js';
export { Timelapse, animationFormatFor, type AnimationFormat } from '../encoder/timelapse.js';
