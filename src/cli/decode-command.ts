/** `nnimg decode IN [-o OUT.png|.jpg|.webp] [--width W | --height H | --scale S] [--threads N] [--quiet]` */
import { stat } from 'node:fs/promises';
// nnimg/decode, not ../index.js, which loads sharp and the encoder: a decode to PNG needs neither
// (start-up time, docs/decisions.md); sharp is loaded for JPEG and WebP only.
import {
  DEFAULT_MAX_DECODE_PIXELS,
  MAX_OUTPUT_SIDE,
  MAX_PIXELS,
  NnimgDecodeError,
  NnimgFormatError,
  OutputFormat,
  ParsedFile,
  outputFormatFor,
  parseNnimg,
  renderStripsInThreads,
  resolveOutputSize,
  writePngFile,
} from '../api/decode.js';
import { CliError, InterruptedError, UsageError } from './errors.js';
import { optional, parseInteger, parsePositiveNumber, threadsSetting } from './options.js';
import {
  Streams,
  channelName,
  checkOutputPath,
  discardTemp,
  formatSeconds,
  readInputFile,
  replaceExtension,
  tempPathFor,
  trackTemp,
  writeAtomically,
} from './output.js';
import { createProgress } from './progress.js';
import { runInterruptible } from './signals.js';

export interface DecodeFlags {
  output?: string;
  width?: string;
  height?: string;
  scale?: string;
  maxPixels?: string;
  threads?: string;
  quiet?: boolean;
}

export interface DecodeSettings {
  input: string;
  output: string;
  format: OutputFormat;
  width?: number;
  height?: number;
  scale?: number;
  /** Files whose image has more pixels are refused before the model is allocated. */
  maxPixels: number;
  /** Rendering threads (default by output size); the pixels do not depend on them. */
  threads?: number;
  quiet: boolean;
}

const COMMAND = 'decode';
/** Largest side each output format can store (libwebp: 16383; JPEG: 65535). */
const FORMAT_MAX_SIDE: Record<OutputFormat, number> = { png: MAX_OUTPUT_SIDE, jpeg: 65535, webp: 16383 };
const FORMAT_NAME: Record<OutputFormat, string> = { png: 'PNG', jpeg: 'JPEG', webp: 'WebP' };
/** JPEG and WebP quality of decoded outputs (as encodeRaster). */
const LOSSY_QUALITY = 95;
/** Larger JPEG outputs skip Huffman optimisation, which needs memory in proportion to the image. */
const OPTIMISED_JPEG_PIXELS = 2 ** 24;
/**
 * The temporary PNG of a JPEG or WebP output is stored without compression up to this many
 * bytes of pixels (zlib level 0): sharp reads it back at once, and -o .jpg at 4096 wide took 0.93x
 * the time with it (docs/decisions.md). Larger ones are compressed, to bound the disk they take.
 */
const STORED_TEMP_BYTES = 2 ** 28;
/** Show a progress bar for outputs of at least this many pixels. */
const PROGRESS_PIXELS = 2 ** 22;

export function decodeSettings(input: string, flags: DecodeFlags): DecodeSettings {
  const side = (flag: string, raw: string) => parseInteger(flag, raw, 1, MAX_OUTPUT_SIDE, COMMAND);
  const width = optional(flags.width, (raw) => side('--width', raw));
  const height = optional(flags.height, (raw) => side('--height', raw));
  const scale = optional(flags.scale, (raw) => parsePositiveNumber('--scale', raw, COMMAND));
  if (scale !== undefined && (width !== undefined || height !== undefined)) {
    throw new UsageError('give either --scale or --width/--height, not both', COMMAND);
  }
  const output = flags.output ?? replaceExtension(input, '.png');
  const format = outputFormatFor(output);
  if (!format) {
    throw new UsageError(`cannot tell the output format from ${output}: name it .png, .jpg, .jpeg or .webp`, COMMAND);
  }
  return { input, output, format, width, height, scale, maxPixels: maxPixelsSetting(flags.maxPixels, COMMAND), threads: threadsSetting(flags.threads, COMMAND), quiet: flags.quiet === true };
}

/** The --max-pixels flag of decode and info: 1 .. 2^27 (the format's own limit). */
export function maxPixelsSetting(raw: string | undefined, command: string): number {
  return optional(raw, (value) => parseInteger('--max-pixels', value, 1, MAX_PIXELS, command)) ?? DEFAULT_MAX_DECODE_PIXELS;
}

/** parseNnimg with the file name in front of container and payload errors. */
export function parseNnimgFile(path: string, bytes: Uint8Array, maxPixels = DEFAULT_MAX_DECODE_PIXELS): ParsedFile {
  try {
    return parseNnimg(bytes, { maxPixels });
  } catch (error) {
    if (error instanceof NnimgDecodeError && error.code === 'limit') {
      throw new CliError(`${path}: ${error.message}; raise the limit with --max-pixels ${error.pixels} if you trust the file`);
    }
    if (error instanceof NnimgFormatError || error instanceof NnimgDecodeError) throw new CliError(`${path}: ${error.message}`);
    throw error;
  }
}

export async function runDecode(input: string, flags: DecodeFlags, streams: Streams): Promise<void> {
  const started = performance.now();
  const settings = decodeSettings(input, flags);
  const bytes = await readInputFile(settings.input);
  await checkOutputPath(settings.input, settings.output, COMMAND);
  const { model } = parseNnimgFile(settings.input, bytes, settings.maxPixels);

  let size: { width: number; height: number };
  try {
    size = resolveOutputSize(model, { width: settings.width, height: settings.height, scale: settings.scale });
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    if (settings.scale !== undefined) {
      const w = Math.round(model.width * settings.scale);
      const h = Math.round(model.height * settings.scale);
      throw new UsageError(`--scale ${flags.scale} makes the output ${w}x${h}; each side must be from 1 to ${MAX_OUTPUT_SIDE}`, COMMAND);
    }
    throw new UsageError(error.message.replace(/^output/, 'the output'), COMMAND);
  }
  const maxSide = FORMAT_MAX_SIDE[settings.format];
  if (size.width > maxSide || size.height > maxSide) {
    throw new UsageError(
      `${FORMAT_NAME[settings.format]} stores at most ${maxSide} pixels a side, not ${size.width}x${size.height}; choose a smaller size or a .png output`,
      COMMAND,
    );
  }

  const { width, height } = size;
  const channels = model.channels as 1 | 3;
  const progress = createProgress(
    streams,
    !settings.quiet && width * height >= PROGRESS_PIXELS,
    height,
    'decoding |{bar}| {percentage}% | {value}/{total} rows | ETA {eta_formatted}',
    {},
  );
  await runInterruptible(progress, async (interrupts) => {
    const pngOptions = {
      shouldStop: () => (interrupts.requested ? new InterruptedError(interrupts.exitCode) : undefined),
      onRows: (rows: number) => progress.update(rows),
    };
    await writeAtomically(settings.output, async (temp) => {
      const strips = renderStripsInThreads(model, width, height, settings.threads);
      if (settings.format === 'png') {
        await writePngFile(temp, width, height, channels, strips, pngOptions);
        if (interrupts.requested) throw new InterruptedError(interrupts.exitCode);
        return;
      }
      // JPEG and WebP: stream a temporary PNG, then let libvips convert it reading sequentially,
      // so JPEG memory stays bounded too (sharp would buffer a whole raw input stream). libwebp
      // needs the whole picture in memory, but WebP is limited to 16383 pixels a side anyway.
      const png = tempPathFor(settings.output, '.png');
      trackTemp(png);
      try {
        const level = width * height * channels <= STORED_TEMP_BYTES ? 0 : undefined;
        await writePngFile(png, width, height, channels, strips, { ...pngOptions, level });
        progress.stop();
        const { default: sharp } = await import('sharp');
        const converter = sharp(png, { limitInputPixels: false, sequentialRead: true });
        // Huffman optimisation makes libjpeg hold every DCT coefficient: only for moderate sizes.
        const optimiseCoding = width * height <= OPTIMISED_JPEG_PIXELS;
        const encoder =
          settings.format === 'jpeg'
            ? converter.jpeg({ quality: LOSSY_QUALITY, optimiseCoding })
            : converter.webp({ quality: LOSSY_QUALITY });
        try {
          await encoder.toFile(temp);
        } catch (error) {
          const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
          throw new CliError(`cannot write ${settings.output}: ${reason}`);
        }
      } finally {
        await discardTemp(png);
      }
      if (interrupts.requested) throw new InterruptedError(interrupts.exitCode);
    });
  });

  if (!settings.quiet) {
    const bytes = (await stat(settings.output)).size;
    const seconds = (performance.now() - started) / 1000;
    streams.stdout.write(
      `wrote ${settings.output} (${width}x${height} ${channelName(channels)} ${FORMAT_NAME[settings.format]}, ${bytes} bytes, ${formatSeconds(seconds)})\n`,
    );
  }
}
