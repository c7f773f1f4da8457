/**
 * The decoder's latent values in WebAssembly: one grid of format versions 1 and 2 (spec/nnimg.md
 * 6.2, 6.3), range decoded cell by cell exactly as src/entropy/linear-context-model.ts
 * decodeGridValues and decodeCellByCell (latent-model.ts) do, with the range coder of
 * range-coder.ts and the Laplace symbols of laplace.ts decodeLaplace. Every quantity is a whole
 * number, which JavaScript holds exactly in a double and this module in an i64: the same values.
 *
 * The Laplace tables (built with exact arithmetic on the host) are handed in as they are needed:
 * when a cell needs one that the host has not given yet, decodeLatents returns NEED_TABLE with the
 * cell's key, having consumed nothing of that cell, and the host calls it again once the table is
 * in place. The host is src/kernels/latent-decode-wasm.ts; the slots are in src/kernels/wasm-layout.ts.
 */
import { address, field } from './layout';
import { LatentDecodeSlot } from '../src/kernels/wasm-layout';
import { FREQ_BITS, MAX_ESCAPE_BITS, MAX_LATENT_MAGNITUDE, MEAN_OFFSETS } from '../src/entropy/kernel-constants';

// Statuses (src/kernels/latent-decode-wasm.ts).
const DONE = 0;
const NEED_TABLE = 1;
const ESCAPE_TOO_LONG = 2;
const OUT_OF_RANGE = 3;

/** range-coder.ts TOP: the range is kept at or above it. */
const TOP: u64 = 1 << 24;

// The range decoder (range-coder.ts RangeDecoder) over the bytes at `data`.
let data: usize = 0;
let dataLength: i32 = 0;
let position: i32 = 0;
let code: u64 = 0;
let range: u64 = 0;
let escapeTooLong = false;

/** The next byte; past the end, zeros (the encoder drops trailing zero bytes). */
@inline function nextByte(): u64 {
  if (position >= dataLength) return 0;
  const byte = <u64>load<u8>(data + <usize>position);
  position++;
  return byte;
}

/** consume()'s end: the range scaled back to at least TOP, reading a byte per step. */
@inline function normalize(): void {
  while (range < TOP) {
    range <<= 8;
    code = ((code % TOP) << 8) + nextByte();
  }
}

/** decodeBits(1): peek(1), then consume(bit, 1). */
function decodeBit(): u64 {
  const r = range >> 1;
  let target = code / r;
  if (target > 1) target = 1;
  code -= r * target;
  range = r;
  normalize();
  return target;
}

/** laplace.ts decodeLaplace under the table whose cumulative frequencies are at `cumulative`. */
@inline function decodeLaplace(cumulative: usize, m: i32): i64 {
  const r = range >> FREQ_BITS;
  let target = code / r;
  const last: u64 = (1 << FREQ_BITS) - 1;
  if (target > last) target = last;
  // The symbol s with c[s] <= target < c[s + 1]: the value 0 (symbol m) first, else a binary search.
  let lo = m;
  if (!(<u64>load<u32>(cumulative + (<usize>m << 2)) <= target && target < <u64>load<u32>(cumulative + (<usize>(m + 1) << 2)))) {
    lo = 0;
    let hi = 2 * m + 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (<u64>load<u32>(cumulative + (<usize>mid << 2)) <= target) lo = mid;
      else hi = mid - 1;
    }
  }
  const low = <u64>load<u32>(cumulative + (<usize>lo << 2));
  code -= r * low;
  range = r * (<u64>load<u32>(cumulative + (<usize>(lo + 1) << 2)) - low);
  normalize();
  if (lo < 2 * m + 1) return <i64>(lo - m);
  // The escape: an Elias-gamma code of the excess, then the sign.
  let magnitudeBits = 0;
  while (decodeBit() == 0) {
    if (++magnitudeBits > MAX_ESCAPE_BITS) {
      escapeTooLong = true;
      return 0;
    }
  }
  let n: i64 = 1;
  for (let i = 0; i < magnitudeBits; i++) n = n * 2 + <i64>decodeBit();
  const magnitude = n - 1 + <i64>m + 1;
  return decodeBit() == 1 ? -magnitude : magnitude;
}

@inline function valueAt(values: usize, i: i32): i64 {
  return <i64>load<i32>(values + (<usize>i << 2));
}

@inline function magnitudeOf(v: i64): i64 {
  return v < 0 ? -v : v;
}

/**
 * Decodes the grid's cells from NEXT on, in raster order; returns DONE, NEED_TABLE (WANTED: the
 * key), ESCAPE_TOO_LONG or OUT_OF_RANGE (WANTED: the value), the decoder's state and NEXT (the
 * cell it stopped at) written back. A cell's key is context * MEAN_OFFSETS + offset + MEAN_OFFSETS / 2.
 */
export function decodeLatents(layout: usize): i32 {
  data = address(layout, LatentDecodeSlot.Data);
  dataLength = field(layout, LatentDecodeSlot.DataLength);
  position = field(layout, LatentDecodeSlot.Position);
  // Below 2^32, as i32 bits: loaded unsigned (<u64><u32> of an i32 field sign-extends).
  code = <u64>load<u32>(layout + (<usize>LatentDecodeSlot.Code << 2));
  range = <u64>load<u32>(layout + (<usize>LatentDecodeSlot.Range << 2));
  escapeTooLong = false;
  const width = field(layout, LatentDecodeSlot.Width);
  const height = field(layout, LatentDecodeSlot.Height);
  const values = address(layout, LatentDecodeSlot.Values);
  const cLeft = <i64>field(layout, LatentDecodeSlot.Left);
  const cTop = <i64>field(layout, LatentDecodeSlot.Top);
  const cTopLeft = <i64>field(layout, LatentDecodeSlot.TopLeft);
  const cTopRight = <i64>field(layout, LatentDecodeSlot.TopRight);
  const contextOfActivity = address(layout, LatentDecodeSlot.ContextOfActivity);
  const lastActivity = <i64>field(layout, LatentDecodeSlot.LastActivity);
  const tables = address(layout, LatentDecodeSlot.Tables);
  const magnitudes = address(layout, LatentDecodeSlot.Magnitudes);
  const count = width * height;
  let status = DONE;
  let wanted = 0;
  let i = field(layout, LatentDecodeSlot.Next);
  let y = i / width;
  let x = i - y * width;
  for (; i < count; i++) {
    const left = x > 0 ? valueAt(values, i - 1) : 0;
    const top = y > 0 ? valueAt(values, i - width) : 0;
    const topLeft = y > 0 && x > 0 ? valueAt(values, i - width - 1) : 0;
    const topRight = y > 0 && x + 1 < width ? valueAt(values, i - width + 1) : 0;
    const mean = cLeft * left + cTop * top + cTopLeft * topLeft + cTopRight * topRight;
    const activity = 2 * magnitudeOf(left) + 2 * magnitudeOf(top) + magnitudeOf(topLeft) + magnitudeOf(topRight);
    const context = <i32>load<u8>(contextOfActivity + <usize>(activity < lastActivity ? activity : lastActivity));
    // meanCentre: floor((mean + 8) / 16), an arithmetic shift; the offset from it, -8 .. 7.
    const centre = (mean + MEAN_OFFSETS / 2) >> 4;
    const offset = <i32>(mean - centre * MEAN_OFFSETS);
    const key = context * MEAN_OFFSETS + offset + MEAN_OFFSETS / 2;
    const cumulative = <usize>load<i32>(tables + (<usize>key << 2));
    if (cumulative == 0) {
      status = NEED_TABLE;
      wanted = key;
      break;
    }
    const value = centre + decodeLaplace(cumulative, load<i32>(magnitudes + (<usize>key << 2)));
    if (escapeTooLong) {
      status = ESCAPE_TOO_LONG;
      break;
    }
    if (magnitudeOf(value) > MAX_LATENT_MAGNITUDE) {
      status = OUT_OF_RANGE;
      wanted = <i32>value;
      break;
    }
    store<i32>(values + (<usize>i << 2), <i32>value);
    if (++x == width) {
      x = 0;
      y++;
    }
  }
  store<i32>(layout + (<usize>LatentDecodeSlot.Code << 2), <i32><u32>code);
  store<i32>(layout + (<usize>LatentDecodeSlot.Range << 2), <i32><u32>range);
  store<i32>(layout + (<usize>LatentDecodeSlot.Position << 2), position);
  store<i32>(layout + (<usize>LatentDecodeSlot.Next << 2), i);
  store<i32>(layout + (<usize>LatentDecodeSlot.Wanted << 2), wanted);
  return status;
}
