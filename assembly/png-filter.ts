/**
 * PNG row filtering in WebAssembly SIMD for the PNG writer (src/image/png-writer.ts), writing the
 * same bytes as its plain filterRowReference: per row the filter (None, Sub, Up, Average, Paeth)
 * whose output has the smallest sum of absolute signed bytes, the first on a tie. Filtering reads
 * only unfiltered bytes, so sixteen bytes go at a time; the sums are exact integers.
 */

/** |v| of each byte taken as signed, summed into four u32 lanes. */
@inline function absSum(sum: v128, v: v128): v128 {
  return i32x4.add(sum, i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(i8x16.abs(v))));
}

@inline function laneSum(v: v128): i64 {
  let sum: i64 = <i64>(<u32>i32x4.extract_lane(v, 0));
  sum += <i64>(<u32>i32x4.extract_lane(v, 1));
  sum += <i64>(<u32>i32x4.extract_lane(v, 2));
  sum += <i64>(<u32>i32x4.extract_lane(v, 3));
  return sum;
}

/** floor((a + b) / 2) per byte (avgr_u rounds up). */
@inline function average(a: v128, b: v128): v128 {
  return i8x16.sub(i8x16.avgr_u(a, b), v128.and(v128.xor(a, b), i8x16.splat(1)));
}

/** Paeth's predictor on eight 16-bit lanes. */
@inline function paeth8(a: v128, b: v128, c: v128): v128 {
  const bc = i16x8.sub(b, c);
  const ac = i16x8.sub(a, c);
  const pa = i16x8.abs(bc);
  const pb = i16x8.abs(ac);
  const pc = i16x8.abs(i16x8.add(bc, ac));
  const useA = v128.and(i16x8.le_s(pa, pb), i16x8.le_s(pa, pc));
  const useB = i16x8.le_s(pb, pc);
  return v128.bitselect(a, v128.bitselect(b, c, useB), useA);
}

/** Paeth's predictor on sixteen bytes. */
@inline function paeth(a: v128, b: v128, c: v128): v128 {
  const low = paeth8(i16x8.extend_low_i8x16_u(a), i16x8.extend_low_i8x16_u(b), i16x8.extend_low_i8x16_u(c));
  const high = paeth8(i16x8.extend_high_i8x16_u(a), i16x8.extend_high_i8x16_u(b), i16x8.extend_high_i8x16_u(c));
  return i8x16.narrow_i16x8_u(low, high);
}

@inline function paethByte(a: i32, b: i32, c: i32): i32 {
  const pa = abs<i32>(b - c);
  const pb = abs<i32>(a - c);
  const pc = abs<i32>(a + b - 2 * c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

@inline function cost(v: i32): i32 {
  return abs<i32>((v << 24) >> 24);
}

/** The filtered byte of filter `type` at i (a: left, b: up, c: up-left; zero before the row). */
@inline function filtered(type: i32, x: i32, a: i32, b: i32, c: i32): i32 {
  if (type == 0) return x;
  if (type == 1) return x - a;
  if (type == 2) return x - b;
  if (type == 3) return x - ((a + b) >> 1);
  return x - paethByte(a, b, c);
}

/** Filters one row of `n` bytes (`bpp` bytes a pixel, at most 16) into out: type byte, then the bytes. */
function filterRow(row: usize, previous: usize, n: i32, bpp: i32, out: usize): void {
  const lead = min<i32>(bpp, n);
  let s0: i64 = 0;
  let s1: i64 = 0;
  let s2: i64 = 0;
  let s3: i64 = 0;
  let s4: i64 = 0;
  for (let i = 0; i < lead; i++) {
    const x = <i32>load<u8>(row + i);
    const b = <i32>load<u8>(previous + i);
    s0 += cost(x);
    s1 += cost(x);
    s2 += cost(x - b);
    s3 += cost(x - (b >> 1));
    s4 += cost(x - b);
  }
  let v0 = i32x4.splat(0);
  let v1 = v0;
  let v2 = v0;
  let v3 = v0;
  let v4 = v0;
  let i = lead;
  for (; i + 16 <= n; i += 16) {
    const x = v128.load(row + i);
    const a = v128.load(row + i - bpp);
    const b = v128.load(previous + i);
    const c = v128.load(previous + i - bpp);
    v0 = absSum(v0, x);
    v1 = absSum(v1, i8x16.sub(x, a));
    v2 = absSum(v2, i8x16.sub(x, b));
    v3 = absSum(v3, i8x16.sub(x, average(a, b)));
    v4 = absSum(v4, i8x16.sub(x, paeth(a, b, c)));
  }
  for (; i < n; i++) {
    const x = <i32>load<u8>(row + i);
    const a = <i32>load<u8>(row + i - bpp);
    const b = <i32>load<u8>(previous + i);
    const c = <i32>load<u8>(previous + i - bpp);
    s0 += cost(x);
    s1 += cost(x - a);
    s2 += cost(x - b);
    s3 += cost(x - ((a + b) >> 1));
    s4 += cost(x - paethByte(a, b, c));
  }
  s0 += laneSum(v0);
  s1 += laneSum(v1);
  s2 += laneSum(v2);
  s3 += laneSum(v3);
  s4 += laneSum(v4);
  let type = 0;
  let best = s0;
  if (s1 < best) {
    type = 1;
    best = s1;
  }
  if (s2 < best) {
    type = 2;
    best = s2;
  }
  if (s3 < best) {
    type = 3;
    best = s3;
  }
  if (s4 < best) type = 4;

  store<u8>(out, type);
  const o = out + 1;
  for (let i = 0; i < lead; i++) {
    store<u8>(o + i, filtered(type, <i32>load<u8>(row + i), 0, <i32>load<u8>(previous + i), 0));
  }
  i = lead;
  if (type == 0) {
    memory.copy(o + lead, row + lead, n - lead);
    return;
  }
  for (; i + 16 <= n; i += 16) {
    const x = v128.load(row + i);
    const b = v128.load(previous + i);
    let v: v128;
    if (type == 2) {
      v = i8x16.sub(x, b);
    } else {
      const a = v128.load(row + i - bpp);
      if (type == 1) v = i8x16.sub(x, a);
      else if (type == 3) v = i8x16.sub(x, average(a, b));
      else v = i8x16.sub(x, paeth(a, b, v128.load(previous + i - bpp)));
    }
    v128.store(o + i, v);
  }
  for (; i < n; i++) {
    const x = <i32>load<u8>(row + i);
    const a = <i32>load<u8>(row + i - bpp);
    const b = <i32>load<u8>(previous + i);
    const c = <i32>load<u8>(previous + i - bpp);
    store<u8>(o + i, filtered(type, x, a, b, c));
  }
}

/**
 * Filters `count` rows of `stride` bytes at `rows` into `out` (stride + 1 bytes a row); the row
 * above the first is at `previous` (zeros for an image's first row), and on return holds the last.
 */
export function pngFilterRows(previous: usize, rows: usize, count: i32, stride: i32, bpp: i32, out: usize): void {
  for (let r = 0; r < count; r++) {
    const row = rows + <usize>r * stride;
    filterRow(row, r == 0 ? previous : row - stride, stride, bpp, out + <usize>r * (stride + 1));
  }
  if (count > 0) memory.copy(previous, rows + <usize>(count - 1) * stride, stride);
}
