/**
 * The decoder over Node worker threads (render-pool.ts): kept apart from decode.ts so that the decoder
 * itself imports no Node module and also runs in browsers (src/web/).
 */
import type { RasterImage } from '../image/raster.js';
import { renderInWorkers } from './render-pool.js';
import { checkThreadCount, defaultDecodeThreads } from '../threads.js';
import { DecodeLimits, DecodedModel, OutputSize, decodeRequest, renderStrips, stripSpans } from './decode.js';

/**
 * renderStrips over `threads` worker threads (1: in this thread; default: one below 2^24 output
 * pixels, else min(os.availableParallelism(), 8)), the same strips in the same order; a few
 * strips are rendered ahead, so memory stays bounded. The workers end when the iteration does,
 * however it ends.
 */
export async function* renderStripsInThreads(
  model: DecodedModel,
  width: number,
  height: number,
  threads = defaultDecodeThreads(width * height),
): AsyncGenerator<Uint8Array> {
  if (checkThreadCount(threads) === 1) return yield* renderStrips(model, width, height);
  yield* renderInWorkers(model, width, height, stripSpans(width, height, model.channels), threads);
}

/**
 * Decodes a whole file into memory as decode() does, rendering on `threads` worker threads
 * (default as renderStripsInThreads); the same pixels whatever the count.
 */
export async function decodeInThreads(bytes: Uint8Array, request: OutputSize & DecodeLimits & { threads?: number } = {}): Promise<RasterImage> {
  const { model, width, height } = decodeRequest(bytes, request);
  const data = new Uint8Array(width * height * model.channels);
  let at = 0;
  for await (const strip of renderStripsInThreads(model, width, height, request.threads)) {
    data.set(strip, at);
    at += strip.length;
  }
  return { width, height, channels: model.channels as 1 | 3, data };
}
