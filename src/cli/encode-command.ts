/** `nnimg encode IN [-o OUT] [--bytes N | --quality Q] [--seed S] [--iterations N] [--quiet] [--json]` */
import { basename } from 'node:path';
import { EncodeResult, encode } from '../codec/encode.js';
import { MAX_DIMENSION, MAX_PIXELS } from '../container/format.js';
import { DEFAULT_MAX_INPUT_PIXELS, ImageInputError, RasterImage, outputFormatFor, readImage } from '../image/io.js';
import { CliError, InterruptedError, UsageError } from './errors.js';
import { parseInteger, optional } from './options.js';
import {
  Streams,
  channelName,
  checkOutputPath,
  formatPsnr,
  formatSeconds,
  readInputFile,
  replaceExtension,
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
  quiet: boolean;
  json: boolean;
}

const COMMAND = 'encode';
export const DEFAULT_QUALITY = 75;
export const DEFAULT_SEED = 1;
const MAX_ITERATIONS = 10_000_000;
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
    quiet: flags.quiet === true,
    json: flags.json === true,
  };
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
  const result = await runInterruptible(progress, async (interrupts) => {
    const encoded = await encode(image, {
      bytes: settings.bytes,
      quality: settings.bytes === undefined ? (settings.quality ?? DEFAULT_QUALITY) : undefined,
      seed: settings.seed,
      iterations: settings.iterations,
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
    return encoded;
  });

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
    '',
  ].join('\n');
}
