/**
 * A streaming PNG encoder: rows go through the PNG filters and zlib as they arrive, and compressed
 * data is written out in IDAT chunks, so memory stays bounded whatever the image size. (sharp
 * buffers a whole raw input stream before encoding, which for a 16384-wide decode is gigabytes.)
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { constants, createDeflate } from 'node:zlib';
import { crc32 } from '../format/crc32.js';
import { selectedKernel } from '../kernels/select.js';
import { MemoryPlan, instantiateKernels } from '../kernels/wasm-module.js';

const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** PNG's largest side (2^31 - 1). */
export const PNG_MAX_SIDE = 0x7fffffff;

/** zlib's CRC-32 (Node 20.15 on): the table in JavaScript took ~20 ms of a 4096-wide decode's IDAT. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** One PNG chunk: length, type, data, CRC-32 of type and data. */
export function pngChunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  const typeAndData = out.subarray(4, 8 + data.length);
  out.writeUInt32BE(nativeCrc32 ? nativeCrc32(typeAndData) : crc32(typeAndData), 8 + data.length);
  return out;
}

function headerChunk(width: number, height: number, channels: 1 | 3): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data[8] = 8; // bit depth
  data[9] = channels === 1 ? 0 : 2; // colour type: greyscale or truecolour
  // compression 0 (deflate), filter method 0 (adaptive), interlace 0 (none)
  return pngChunk('IHDR', data);
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Filters one row into out[at] (filter type byte) and out[at + 1 ..], choosing per row the
 * filter whose output has the smallest sum of absolute signed bytes (libpng's heuristic). The
 * plain reference of assembly/png-filter.ts, which must write the same bytes.
 */
export function filterRow(row: Uint8Array, previous: Uint8Array, bpp: number, out: Uint8Array, at: number): void {
  const sums = [0, 0, 0, 0, 0];
  const cost = (v: number) => (v < 128 ? v : 256 - v);
  for (let i = 0; i < row.length; i++) {
    const x = row[i];
    const a = i >= bpp ? row[i - bpp] : 0;
    const b = previous[i];
    const c = i >= bpp ? previous[i - bpp] : 0;
    sums[0] += cost(x);
    sums[1] += cost((x - a) & 255);
    sums[2] += cost((x - b) & 255);
    sums[3] += cost((x - ((a + b) >> 1)) & 255);
    sums[4] += cost((x - paeth(a, b, c)) & 255);
  }
  let type = 0;
  for (let t = 1; t < 5; t++) if (sums[t] < sums[type]) type = t;
  out[at] = type;
  for (let i = 0; i < row.length; i++) {
    const x = row[i];
    const a = i >= bpp ? row[i - bpp] : 0;
    const b = previous[i];
    const c = i >= bpp ? previous[i - bpp] : 0;
    const predicted = type === 0 ? 0 : type === 1 ? a : type === 2 ? b : type === 3 ? (a + b) >> 1 : paeth(a, b, c);
    out[at + 1 + i] = (x - predicted) & 255;
  }
}

/** Filters strips of whole rows, top to bottom, remembering the last row of the one before. */
export type StripFilter = (strip: Uint8Array, out: Uint8Array) => void;

/** filterRow over each row of a strip: where WebAssembly SIMD is missing. */
export function jsStripFilter(stride: number, bpp: number): StripFilter {
  const previous = new Uint8Array(stride);
  return (strip, out) => {
    for (let r = 0; r * stride < strip.length; r++) {
      const row = strip.subarray(r * stride, (r + 1) * stride);
      filterRow(row, previous, bpp, out, r * (stride + 1));
      previous.set(row);
    }
  };
}

/**
 * filterRow's bytes from assembly/png-filter.ts, sixteen bytes at a time: 10 to 15 times faster
 * (measured: docs/decisions.md). The strip goes through the instance's memory a megabyte at a time.
 */
export function wasmStripFilter(stride: number, bpp: number): StripFilter {
  const kernels = instantiateKernels();
  const plan = new MemoryPlan(kernels);
  const rowsAtOnce = Math.max(1, Math.floor(2 ** 20 / stride));
  const previousAt = plan.reserve(stride);
  const rowsAt = plan.reserve(rowsAtOnce * stride);
  const outAt = plan.reserve(rowsAtOnce * (stride + 1));
  const buffer = plan.commit();
  const rows = new Uint8Array(buffer, rowsAt, rowsAtOnce * stride);
  const filtered = new Uint8Array(buffer, outAt, rowsAtOnce * (stride + 1));
  return (strip, out) => {
    const count = strip.length / stride;
    for (let r = 0; r < count; r += rowsAtOnce) {
      const n = Math.min(rowsAtOnce, count - r);
      rows.set(strip.subarray(r * stride, (r + n) * stride));
      kernels.pngFilterRows(previousAt, rowsAt, n, stride, bpp, outAt);
      out.set(filtered.subarray(0, n * (stride + 1)), r * (stride + 1));
    }
  };
}

/** The fastest filter this process has: WebAssembly SIMD unless NNIMG_KERNEL or the engine says otherwise. */
function stripFilter(stride: number, bpp: number): StripFilter {
  return selectedKernel() === 'wasm' ? wasmStripFilter(stride, bpp) : jsStripFilter(stride, bpp);
}

/** Resolves on 'drain' or 'close' (errors end in 'close'), leaving no listener behind. */
function drainOrClose(stream: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

export interface PngStreamOptions {
  /** Checked between strips; when it returns true the write is abandoned with the error it gives. */
  shouldStop?: () => Error | undefined;
  /** Called after each strip with the number of rows written so far. */
  onRows?: (rows: number) => void;
  /** zlib level 0..9 (default 6; under Z_RLE levels 1 to 9 give the same compressed data). */
  level?: number;
  /**
   * zlib strategy (default Z_RLE: on the filtered rows of a decoded image, ~10 times faster than
   * the default strategy at level 6 for files ~4% larger; measured: docs/decisions.md).
   */
  strategy?: number;
}

/**
 * zlib compresses on a libuv thread, a round trip per output chunk, and each round trip waits for
 * the main thread, busy rendering, to yield. A megabyte holds a strip's compressed bytes, so zlib
 * compresses one strip while the next renders; at 64 kB (zlib's default) a strip took several
 * trips and rendering waited for compression (measured: docs/decisions.md).
 */
const DEFLATE_CHUNK_BYTES = 2 ** 20;
/** Filtered rows queued for zlib before the strips wait for it: a few strips, bounded memory. */
const DEFLATE_QUEUE_BYTES = 2 ** 22;

/**
 * The PNG file as a byte stream, from strips of whole rows (8-bit, channels interleaved) given
 * top to bottom. Throws if the strips do not add up to exactly `height` rows.
 */
export async function* pngBytes(
  width: number,
  height: number,
  channels: 1 | 3,
  strips: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  options: PngStreamOptions = {},
): AsyncGenerator<Buffer> {
  if (!(width >= 1 && height >= 1 && width <= PNG_MAX_SIDE && height <= PNG_MAX_SIDE)) {
    throw new RangeError(`PNG size ${width}x${height} out of range`);
  }
  yield Buffer.concat([SIGNATURE, headerChunk(width, height, channels)]);
  const stride = width * channels;
  const deflate = createDeflate({
    level: options.level ?? 6,
    strategy: options.strategy ?? constants.Z_RLE,
    chunkSize: DEFLATE_CHUNK_BYTES,
  });
  let stopped = false;

  const feed = async () => {
    const filter = stripFilter(stride, channels);
    let rows = 0;
    for await (const strip of strips) {
      const stop = options.shouldStop?.();
      if (stop) throw stop;
      if (strip.length % stride !== 0) throw new RangeError('strip is not a whole number of rows');
      const count = strip.length / stride;
      if (rows + count > height) throw new RangeError('more rows than the image height');
      const filtered = Buffer.allocUnsafe(count * (stride + 1));
      filter(strip, filtered);
      rows += count;
      // Past the stream's high-water mark (16 kB) write() promises a 'drain': wait for it only
      // when several strips are queued.
      deflate.write(filtered);
      if (deflate.writableLength > DEFLATE_QUEUE_BYTES) {
        await drainOrClose(deflate);
        if (stopped) return;
      } else {
        await new Promise((resolve) => setImmediate(resolve)); // let signals and I/O through
      }
      options.onRows?.(rows);
    }
    if (rows !== height) throw new RangeError(`got ${rows} rows for an image ${height} high`);
    deflate.end();
  };
  const feeding = feed().catch((error: unknown) => {
    deflate.destroy(error instanceof Error ? error : new Error(String(error)));
  });

  try {
    for await (const data of deflate) yield pngChunk('IDAT', data as Buffer);
  } finally {
    stopped = true;
    deflate.destroy();
    await feeding;
  }
  yield pngChunk('IEND', new Uint8Array(0));
}

/** Writes a PNG file from strips of rows with bounded memory. */
export async function writePngFile(
  path: string,
  width: number,
  height: number,
  channels: 1 | 3,
  strips: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  options: PngStreamOptions = {},
): Promise<void> {
  await pipeline(Readable.from(pngBytes(width, height, channels, strips, options)), createWriteStream(path, { flags: 'wx' }));
}
