/**
 * `nnimg encode IN [-o OUT] [--bytes N | --quality Q] [--seed S] [--iterations N] [--model KIND]
 * [--layers LIST] [--optimizer NAME] [--child-steps N] [--frames DIR] [--every K] [--timelapse FILE]
 * [--threads N] [--quiet] [--json]`
 */
import { basename } from 'node:path';
import {
  animationFormatFor,
  COORDINATE_MLP_OPTIMIZERS,
  CoordinateMlpOptimizer,
  DEFAULT_MAX_INPUT_PIXELS,
  encode,
  EncodeResult,
  ImageInputError,
  MAX_DIMENSION,
  MAX_HIDDEN_LAYERS,
  MAX_HIDDEN_WIDTH,
  MAX_PIXELS,
  ModelKind,
  outputFormatFor,
  RasterImage,
  readImage,
  Timelapse,
} from '../api/encode.js';
import { CliError, InterruptedError, UsageError } from './errors.js';
import { parseInteger, optional, threadsSetting } from './options.js';
import {
  Streams,
  channelName,
  checkOutputPath,
  formatPsnr,
  formatSeconds,
  readInputFile,
  replaceExtension,
  writeAtomically,
  writeFileAtomically,
} from './output.js';
import { createProgress } from './progress.js';
import { runInterruptible } from './signals.js';

/** Raw flag values as commander gives them (strings), validated here. */
export interface EncodeFlags {
  output?: string;
  bytes?: string;
  quality?: string;
  seed?: string;
  iterations?: string;
  maxPixels?: string;
  model?: string;
  layers?: string;
  optimizer?: string;
  childSteps?: string;
  frames?: string;
  every?: string;
  timelapse?: string;
  threads?: string;
  quiet?: boolean;
  json?: boolean;
}

export interface EncodeSettings {
  input: string;
  output: string;
  bytes?: number;
  quality?: number;
  seed: number;
  iterations?: number;
  /** Input images with more pixels are refused before they are decoded. */
  maxPixels: number;
  model: ModelKind;
  /** Hidden layer widths (default: the model's own). */
  layers?: number[];
  optimizer?: CoordinateMlpOptimizer;
  childSteps?: number;
  /** Training snapshots: a folder of numbered PNGs and/or an animated WebP or GIF. */
  frames?: string;
  every?: number;
  timelapse?: string;
  /** Training threads (default: one per core, at most 8); the file does not depend on them. */
  threads?: number;
  quiet: boolean;
  json: boolean;
}

/** --model values of each kind: keyed by the kind, so that a kind without one is a compile error. */
const MODEL_NAMES: Record<ModelKind, readonly string[]> = { 'latent-grid': ['latent-grid'], 'coordinate-mlp': ['mlp', 'coordinate-mlp'] };

function modelNamed(name: string): ModelKind | undefined {
  return (Object.keys(MODEL_NAMES) as ModelKind[]).find((kind) => MODEL_NAMES[kind].includes(name));
}

const COMMAND = 'encode';
export const DEFAULT_QUALITY = 75;
export const DEFAULT_SEED = 1;
const MAX_ITERATIONS = 10_000_000;
const MAX_CHILD_STEPS = 1000;
/** The most --max-pixels allows: the largest image the format describes. */
export const MAX_ENCODE_PIXELS = MAX_PIXELS;

export function encodeSettings(input: string, flags: EncodeFlags): EncodeSettings {
  if (flags.bytes !== undefined && flags.quality !== undefined) {
    throw new UsageError('give either --bytes or --quality, not both', COMMAND);
  }
  const output = flags.output ?? replaceExtension(input, '.nnimg');
  if (outputFormatFor(output) !== null) {
    throw new UsageError(`${output} would hold a .nnimg file under an image extension; name the output .nnimg`, COMMAND);
  }
  return {
    input,
    output,
    bytes: optional(flags.bytes, (raw) => parseInteger('--bytes', raw, 1, Number.MAX_SAFE_INTEGER, COMMAND)),
    quality: optional(flags.quality, (raw) => parseInteger('--quality', raw, 1, 100, COMMAND)),
    seed: optional(flags.seed, (raw) => parseInteger('--seed', raw, 0, 0xffffffff, COMMAND)) ?? DEFAULT_SEED,
    iterations: optional(flags.iterations, (raw) => parseInteger('--iterations', raw, 1, MAX_ITERATIONS, COMMAND)),
    maxPixels: optional(flags.maxPixels, (raw) => parseInteger('--max-pixels', raw, 1, MAX_ENCODE_PIXELS, COMMAND)) ?? DEFAULT_MAX_INPUT_PIXELS,
    ...modelSettings(flags),
    ...timelapseSettings(flags, output),
    threads: threadsSetting(flags.threads, COMMAND),
    quiet: flags.quiet === true,
    json: flags.json === true,
  };
}

function modelSettings(flags: EncodeFlags): Pick<EncodeSettings, 'model' | 'layers' | 'optimizer' | 'childSteps'> {
  const model = flags.model === undefined ? 'latent-grid' : modelNamed(flags.model);
  if (model === undefined) throw new UsageError(`--model must be ${Object.values(MODEL_NAMES).flat().join(', ')}, not '${flags.model}'`, COMMAND);
  const layers = optional(flags.layers, parseLayers);
  const optimizer = optional(flags.optimizer, (raw) => {
    const name = COORDINATE_MLP_OPTIMIZERS.find((o) => o === raw);
    if (name === undefined) throw new UsageError(`--optimizer must be ${COORDINATE_MLP_OPTIMIZERS.join(', ')}, not '${raw}'`, COMMAND);
    return name;
  });
  // The latent-grid trainer is Adam only: its rate term and latents need it.
  if (model === 'latent-grid' && optimizer !== undefined && optimizer !== 'adam') {
    throw new UsageError(`--optimizer ${optimizer} needs --model mlp; the latent-grid model trains with adam`, COMMAND);
  }
  const childSteps = optional(flags.childSteps, (raw) => parseInteger('--child-steps', raw, 0, MAX_CHILD_STEPS, COMMAND));
  if (childSteps !== undefined && optimizer !== 'genetic') throw new UsageError('--child-steps needs --optimizer genetic', COMMAND);
  return { model, layers, optimizer, childSteps };
}

/** "15,15,15": 1 to MAX_HIDDEN_LAYERS widths of 1 to MAX_HIDDEN_WIDTH, what the header can hold. */
function parseLayers(raw: string): number[] {
  const widths = raw.split(',').map((w) => (/^\s*\d+\s*$/.test(w) ? Number(w) : NaN));
  if (widths.length > MAX_HIDDEN_LAYERS || !widths.every((w) => Number.isInteger(w) && w >= 1 && w <= MAX_HIDDEN_WIDTH)) {
    throw new UsageError(
      `--layers must be 1 to ${MAX_HIDDEN_LAYERS} hidden layer widths from 1 to ${MAX_HIDDEN_WIDTH}, comma-separated (like 15,15,15), not '${raw}'`,
      COMMAND,
    );
  }
  return widths;
}

function timelapseSettings(flags: EncodeFlags, output: string): Pick<EncodeSettings, 'frames' | 'every' | 'timelapse'> {
  const every = optional(flags.every, (raw) => parseInteger('--every', raw, 1, MAX_ITERATIONS, COMMAND));
  if (every !== undefined && flags.frames === undefined && flags.timelapse === undefined) {
    throw new UsageError('--every needs --frames or --timelapse', COMMAND);
  }
  if (flags.timelapse !== undefined) {
    if (animationFormatFor(flags.timelapse) === null) throw new UsageError(`--timelapse ${flags.timelapse}: name it .webp or .gif`, COMMAND);
    if (flags.timelapse === output) throw new UsageError('--timelapse must differ from the output file', COMMAND);
  }
  return { frames: flags.frames, every, timelapse: flags.timelapse };
}

/**
 * readImage with the file name in front of its errors and notes; refuses, before any training,
 * images larger than a .nnimg file can describe.
 */
async function readImageFile(path: string, bytes: Uint8Array, settings: EncodeSettings, streams: Streams): Promise<RasterImage> {
  let image: RasterImage;
  try {
    image = await readImage(bytes, {
      maxPixels: settings.maxPixels,
      onNote: (note) => {
        if (!settings.quiet) streams.stderr.write(`nnimg: note: ${path}: ${note}\n`);
      },
    });
  } catch (error) {
    if (!(error instanceof ImageInputError)) throw error;
    if (error.code === 'too-large' && error.pixels !== undefined) {
      const hint =
        error.pixels <= MAX_ENCODE_PIXELS
          ? `raise the limit with --max-pixels ${error.pixels} if you trust the file`
          : `nnimg encodes at most ${MAX_ENCODE_PIXELS} pixels`;
      throw new CliError(`${path}: ${error.message}; ${hint}`);
    }
    throw new CliError(`${path}: ${error.message}`);
  }
  if (image.width > MAX_DIMENSION || image.height > MAX_DIMENSION) {
    throw new CliError(`${path}: the image is ${image.width}x${image.height}; .nnimg files hold at most ${MAX_DIMENSION} pixels a side`);
  }
  return image;
}

export async function runEncode(input: string, flags: EncodeFlags, streams: Streams): Promise<void> {
  const settings = encodeSettings(input, flags);
  const bytes = await readInputFile(settings.input);
  await checkOutputPath(settings.input, settings.output, COMMAND);
  const image = await readImageFile(settings.input, bytes, settings, streams);

  const progress = createProgress(
    streams,
    !settings.quiet && !settings.json,
    1,
    'encoding |{bar}| {value}/{total} it | PSNR {psnr} dB | ~{estimate} bytes | ETA {eta_formatted}',
    { psnr: '-', estimate: '-' },
  );
  const timelapse =
    settings.frames !== undefined || settings.timelapse !== undefined
      ? new Timelapse({ framesDir: settings.frames, animationPath: settings.timelapse })
      : undefined;
  const result = await runInterruptible(progress, async (interrupts) => {
    const encoded = await encode(image, {
      bytes: settings.bytes,
      quality: settings.bytes === undefined ? (settings.quality ?? DEFAULT_QUALITY) : undefined,
      seed: settings.seed,
      iterations: settings.iterations,
      model: settings.model,
      hidden: settings.layers,
      optimizer: settings.optimizer,
      childSteps: settings.childSteps,
      threads: settings.threads,
      snapshots: timelapse && { every: settings.every, take: (snapshot) => timelapse.take(snapshot) },
      shouldStop: () => interrupts.requested,
      onProgress: (p) => {
        // The total grows when the settling iterations after training start.
        progress.setTotal(p.iterations);
        progress.update(p.iteration, { psnr: p.psnr.toFixed(2), estimate: p.estimatedBytes });
      },
    });
    progress.stop();
    // A stop requested after training (during the final fitting) still means: write nothing.
    if (interrupts.requested) throw new InterruptedError(interrupts.exitCode);
    await writeFileAtomically(settings.output, encoded.file);
    const animation = settings.timelapse;
    if (timelapse && animation !== undefined) await writeAtomically(animation, (temp) => timelapse.writeAnimation(temp));
    return encoded;
  });

  if (timelapse && timelapse.animationFrameCount === 0 && settings.timelapse !== undefined && !settings.quiet) {
    streams.stderr.write(`nnimg: note: training ended before the first snapshot; ${settings.timelapse} was not written (lower --every)\n`);
  }
  // The encoder's own check of the file it wrote: shown even with --json (on stderr), not with --quiet.
  if (!settings.quiet) for (const warning of result.warnings) streams.stderr.write(`nnimg: warning: ${warning}\n`);
  if (settings.json) {
    streams.stdout.write(`${JSON.stringify(encodeSummary(settings, result))}\n`);
  } else if (!settings.quiet) {
    streams.stdout.write(formatEncodeSummary(settings, result));
  }
}

export function encodeSummary(settings: EncodeSettings, result: EncodeResult) {
  return {
    input: settings.input,
    output: settings.output,
    width: result.width,
    height: result.height,
    channels: result.channels,
    bytes: result.bytes,
    budgetBytes: settings.bytes ?? null,
    quality: settings.bytes === undefined ? (settings.quality ?? DEFAULT_QUALITY) : null,
    bitsPerPixel: result.bitsPerPixel,
    // JSON has no Infinity: a lossless result reports null.
    psnr: Number.isFinite(result.psnr) ? result.psnr : null,
    seconds: result.seconds,
    iterations: result.iterations,
    seed: settings.seed,
    model: result.model,
    breakdown: result.breakdown,
    warnings: result.warnings,
  };
}

function formatEncodeSummary(settings: EncodeSettings, result: EncodeResult): string {
  const budget = settings.bytes !== undefined ? `budget ${settings.bytes} bytes` : `quality ${settings.quality ?? DEFAULT_QUALITY}`;
  return [
    `wrote ${settings.output} (${result.width}x${result.height} ${channelName(result.channels)} from ${basename(settings.input)}, ${budget})`,
    `  bytes       ${result.bytes}`,
    `  bits/pixel  ${result.bitsPerPixel.toFixed(4)}`,
    `  PSNR        ${formatPsnr(result.psnr)}`,
    `  time        ${formatSeconds(result.seconds)} (${result.iterations} iterations)`,
    ...(result.model.kind === 'coordinate-mlp'
      ? [`  model       coordinate MLP ${[2, ...result.model.hidden, result.channels].join('-')}, ${settings.optimizer ?? 'rprop'}`]
      : []),
    '',
  ].join('\n');
}
