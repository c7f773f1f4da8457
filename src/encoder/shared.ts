/** What the encoders of both model kinds share: the finished file's measurement, and the pause between iterations. */
import { decode } from '../decoder/decode.js';
import { RasterImage } from '../image/io.js';
import { psnr } from '../image/metrics.js';
import { EncodeCancelledError, EncodeOptions } from './types.js';

/**
 * The part of an EncodeResult both model kinds share: the file and the encoder's own check of
 * it (the file decodes, and its PSNR is measured on that), and the time since `started`.
 */
export function measuredFile(image: RasterImage, file: Uint8Array, started: number) {
  const decoded = decode(file, { maxPixels: Infinity });
  const { width, height, channels } = image;
  return {
    file,
    width,
    height,
    channels,
    bytes: file.length,
    bitsPerPixel: (file.length * 8) / (width * height),
    psnr: psnr(image.data, decoded.data),
    seconds: (performance.now() - started) / 1000,
  };
}

export async function yieldToEventLoop(options: EncodeOptions): Promise<void> {
  // Lets progress bars redraw and signals arrive between iterations.
  await new Promise((resolve) => setImmediate(resolve));
  if (options.shouldStop?.()) throw new EncodeCancelledError();
}
