/** What an encode takes and gives back, and the errors it ends with: the encoder's public types. */
import { ModelKind } from '../format/container.js';
import { RasterImage } from '../image/io.js';
import type { CoordinateMlpOptimizer } from './coordinate-mlp-trainer.js';

export interface EncodeOptions {
  /** Byte budget for the whole file. Exclusive with quality. */
  bytes?: number;
  /** Constant quality 1..100 (default 75 when no byte budget is given). */
  quality?: number;
  /** Random seed: same seed, input and options give the same file. */
  seed?: number;
  /** Training iterations (default: chosen from the image size and model, about a minute or two). */
  iterations?: number;
  /**
   * Latent-grid model, images of 2 MP or more: iterations of the half-size model trained before
   * the full one (default: chosen from the image size); `iterations` then counts the full model's.
   */
  coarseIterations?: number;
  /**
   * Latent-grid model: each training iteration measures the distortion on one random row in
   * every `rowStride` (default: chosen from the image size; 1 visits every row).
   */
  rowStride?: number;
  /** Hidden layer widths of the synthesis network (default: chosen from the budget; [15, 15, 15] for a coordinate MLP). */
  hidden?: number[];
  /** The model kind (default 'latent-grid'). */
  model?: ModelKind;
  /** Coordinate MLP only: how it is trained (default 'rprop'). */
  optimizer?: CoordinateMlpOptimizer;
  /** Coordinate MLP with the genetic optimizer only: Rprop steps each child takes (default 0). */
  childSteps?: number;
  /** Coordinate MLP only: stop training after this many seconds (the file then depends on the machine). */
  seconds?: number;
  /** Every `every` iterations (default: about 100 over the training), the image the current unquantized model paints. */
  snapshots?: { every?: number; take: (image: RasterImage, iteration: number) => Promise<void> };
  /** Called after every training iteration. */
  onProgress?: (progress: TrainingProgress) => void;
  /**
   * Threads of the training (default: min(os.availableParallelism(), 8)); 1 starts no worker.
   * The file does not depend on it. Latent-grid model only.
   */
  threads?: number;
  /** Checked between iterations; when it returns true the encode stops with EncodeCancelledError. */
  shouldStop?: () => boolean;
}

export interface TrainingProgress {
  iteration: number;
  iterations: number;
  /** PSNR under the training proxy (noisy or rounded latents), dB. */
  psnr: number;
  /** Estimated file size at this point, bytes. */
  estimatedBytes: number;
  elapsedSeconds: number;
}

export interface EncodeResult {
  file: Uint8Array;
  width: number;
  height: number;
  channels: number;
  bytes: number;
  bitsPerPixel: number;
  /** PSNR of the decoded file against the input, dB (Infinity when identical). */
  psnr: number;
  seconds: number;
  iterations: number;
  /** Where the bytes go. */
  breakdown: { containerBytes: number; weightBits: number; latentBits: number; parameterBits: number };
  model: { kind: ModelKind; levels: number; hidden: number[]; multiplyAddsPerPixel: number; parameterCount: number };
  /** What the encoder's check of the decoded file found (a collapse, a loss in quantization); empty when all is well. */
  warnings: string[];
}

export class BudgetError extends Error {
  constructor(
    readonly requestedBytes: number,
    readonly minimumBytes: number,
    message = `--bytes ${requestedBytes} is below the smallest file nnimg can make for this image (${minimumBytes} bytes)`,
  ) {
    super(message);
    this.name = 'BudgetError';
  }
}

export class EncodeCancelledError extends Error {
  constructor() {
    super('encoding cancelled');
    this.name = 'EncodeCancelledError';
  }
}
