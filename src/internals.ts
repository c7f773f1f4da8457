/**
 * Internals for the project's own tools (bench/: the kernel micro-benchmarks, the spec vector
 * maker, the fuzzer, the lab). Unstable and not part of the public API: package.json does not
 * export it, and any of these may change or go without notice. Everything else those tools use
 * comes from the public API (src/index.ts and its parts in src/api/) and src/report/.
 */

// Crafting files byte by byte (spec vectors, fuzz cases, over-limit headers), beside the encoder.
export { crc32 } from './format/crc32.js';
export { MAGIC, writeContainer } from './format/container.js';
export { encodePayload, unusedGrid } from './format/payload.js';
export { gridSizes } from './format/geometry.js';
export { layerShapes } from './format/layers.js';

// The hot paths timed one by one, on a fixed synthetic workload, with each kernel by name.
export { type KernelName } from './kernels/select.js';
export { distortionKernel } from './synthesis/distortion-kernel.js';
export { Trainer } from './encoder/trainer.js';
export { type WorkloadShape, syntheticModel, syntheticWorkload } from './encoder/workload.js';
export { createRenderer } from './synthesis/render.js';
export { stripRows } from './decoder/decode.js';

// The lab's upscalers, against which nnimg's rendering at larger sizes is measured.
export { type UpscaleKernel, BICUBIC, LANCZOS3, upscaleCentred } from './image/resample.js';
