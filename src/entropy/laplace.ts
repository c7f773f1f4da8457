/**
 * Discretised Laplace distributions, one per scale index and mean offset (a sixteenth of a
 * unit), as integer frequency tables for the range coder. Built with exact arithmetic only (see exact-math.ts), so the
 * encoder and every decoder derive bit-identical tables.
 *
 * Symbols -M..M are in the table; anything larger in magnitude is sent as an escape symbol
 * followed by an Elias-gamma code of the excess and a sign bit, all as equiprobable bits.
 */
import { exactExp, exactPow2Fraction } from './exact-math.js';
import { RangeDecoder, RangeEncoder } from './range-coder.js';
import { FREQ_BITS, MAX_ESCAPE_BITS, MEAN_OFFSETS } from './kernel-constants.js';

export { FREQ_BITS, MAX_ESCAPE_BITS, MEAN_OFFSETS };
const FREQ_TOTAL = 1 << FREQ_BITS;
/** Number of scale indices; index i means Laplace scale b = 2^((i - SCALE_INDEX_OFFSET) / 4). */
export const SCALE_INDEX_COUNT = 64;
export const SCALE_INDEX_BITS = 6;
const SCALE_INDEX_OFFSET = 24;
const MAX_TABLE_MAGNITUDE = 1024;

export function laplaceScale(scaleIndex: number): number {
  return exactPow2Fraction(scaleIndex - SCALE_INDEX_OFFSET, 4);
}

/** The nearest scale index for a real-valued scale (encoder side only). */
export function nearestScaleIndex(scale: number): number {
  const index = Math.round(4 * Math.log2(scale)) + SCALE_INDEX_OFFSET;
  return Math.min(SCALE_INDEX_COUNT - 1, Math.max(0, index));
}

export interface LaplaceTable {
  /** Largest magnitude coded directly; symbol s in the table stands for value s - maxMagnitude. */
  readonly maxMagnitude: number;
  /** cumulative[s] .. cumulative[s + 1] is symbol s; the last symbol (2M + 1) is the escape. */
  readonly cumulative: Uint32Array;
  /** Code length in bits of each symbol, for the encoder's rate decisions. */
  readonly bits: Float64Array;
}

// A distribution's centre may sit off the integers by offset / MEAN_OFFSETS (16), offset in -8 .. 7;
// escapes carry at most MAX_ESCAPE_BITS magnitude bits, larger values are not representable.
const MIN_MEAN_OFFSET = -MEAN_OFFSETS / 2;

const tables: LaplaceTable[] = [];

/**
 * The table of a Laplace distribution with scale index `scaleIndex` centred at offset / 16
 * (value v means the integer v, the distribution's mean sits at offset / 16).
 */
export function laplaceTable(scaleIndex: number, offset = 0): LaplaceTable {
  const key = scaleIndex * MEAN_OFFSETS + offset - MIN_MEAN_OFFSET;
  const cached = tables[key];
  if (cached) return cached;
  const b = laplaceScale(scaleIndex);
  const maxMagnitude = Math.min(MAX_TABLE_MAGNITUDE, Math.ceil(12 * b) + 1);
  const symbolCount = 2 * maxMagnitude + 2;
  // Bin v spans [v - 1/2, v + 1/2]; measured from the mean its upper edge is v + d, d = 1/2 - offset/16
  // in (0, 1]. Twice the mass beyond the upper edge of bin v >= 0 is above * theta^v, twice the mass
  // below the lower edge of bin -v <= 0 is below * theta^v, with theta = e^{-1/b}:
  // P(0) = 1 - (above + below) / 2, P(v) = (tail(|v| - 1) - tail(|v|)) / 2 on each side.
  const d = 0.5 - offset / MEAN_OFFSETS;
  const t = exactExp(-0.5 / b);
  const theta = t * t;
  const above = exactExp(-d / b);
  const below = exactExp(-(1 - d) / b);
  const freeMass = FREQ_TOTAL - symbolCount; // every symbol gets 1 first, so none is impossible
  const cumulative = new Uint32Array(symbolCount + 1);
  const freqs = new Uint32Array(symbolCount);
  freqs[maxMagnitude] = 1 + Math.floor(freeMass * (1 - 0.5 * (above + below)));
  let upperTail = above;
  let lowerTail = below;
  for (let m = 1; m <= maxMagnitude; m++) {
    const nextUpper = upperTail * theta;
    const nextLower = lowerTail * theta;
    freqs[maxMagnitude + m] = 1 + Math.floor(freeMass * 0.5 * (upperTail - nextUpper));
    freqs[maxMagnitude - m] = 1 + Math.floor(freeMass * 0.5 * (lowerTail - nextLower));
    upperTail = nextUpper;
    lowerTail = nextLower;
  }
  let used = 0;
  for (let s = 0; s < symbolCount - 1; s++) used += freqs[s];
  freqs[symbolCount - 1] = FREQ_TOTAL - used; // escape: the tail mass plus rounding leftovers
  let running = 0;
  for (let s = 0; s < symbolCount; s++) {
    cumulative[s] = running;
    running += freqs[s];
  }
  cumulative[symbolCount] = running;
  const bits = new Float64Array(symbolCount);
  for (let s = 0; s < symbolCount; s++) bits[s] = FREQ_BITS - Math.log2(freqs[s]);
  const table = { maxMagnitude, cumulative, bits };
  tables[key] = table;
  return table;
}

function escapeExcess(value: number, table: LaplaceTable): number {
  return Math.abs(value) - table.maxMagnitude - 1;
}

/** Elias-gamma length of n >= 1: 2 * floor(log2 n) + 1 bits. */
function gammaBits(n: number): number {
  let magnitudeBits = 0;
  while (n >= 2 ** (magnitudeBits + 1)) magnitudeBits++;
  return 2 * magnitudeBits + 1;
}

/** Cost in bits of coding value under the table (encoder decisions only). */
export function laplaceCost(value: number, table: LaplaceTable): number {
  const m = table.maxMagnitude;
  if (value >= -m && value <= m) return table.bits[value + m];
  return table.bits[2 * m + 1] + gammaBits(escapeExcess(value, table) + 1) + 1;
}

/** The key of a (value, mean offset) pair in a histogram for bestScaleForHistogram. */
export function histogramKey(value: number, offset: number): number {
  return value * MEAN_OFFSETS + offset;
}

/**
 * The scale index under which a histogram costs the fewest bits, and that cost (encoder side only):
 * keys are histogramKey(value relative to its centre, mean offset -8 .. 7), counts how often each occurs.
 */
export function bestScaleForHistogram(histogram: Map<number, number>): { scaleIndex: number; bits: number } {
  const entries = Array.from(histogram, ([key, count]) => {
    const value = Math.round(key / MEAN_OFFSETS);
    return { value, offset: key - value * MEAN_OFFSETS, count };
  });
  let best = { scaleIndex: 0, bits: Infinity };
  for (let s = 0; s < SCALE_INDEX_COUNT; s++) {
    let bits = 0;
    for (const { value, offset, count } of entries) bits += count * laplaceCost(value, laplaceTable(s, offset));
    if (bits < best.bits) best = { scaleIndex: s, bits };
  }
  return best;
}

export function encodeLaplace(encoder: RangeEncoder, value: number, table: LaplaceTable): void {
  const m = table.maxMagnitude;
  const c = table.cumulative;
  if (value >= -m && value <= m) {
    const s = value + m;
    encoder.encode(c[s], c[s + 1] - c[s], FREQ_BITS);
    return;
  }
  const escape = 2 * m + 1;
  encoder.encode(c[escape], c[escape + 1] - c[escape], FREQ_BITS);
  const n = escapeExcess(value, table) + 1;
  let magnitudeBits = 0;
  while (n >= 2 ** (magnitudeBits + 1)) magnitudeBits++;
  if (magnitudeBits > MAX_ESCAPE_BITS) throw new RangeError(`value ${value} is too large to code`);
  for (let i = 0; i < magnitudeBits; i++) encoder.encodeBits(0, 1);
  encoder.encodeBits(1, 1);
  for (let i = magnitudeBits - 1; i >= 0; i--) encoder.encodeBits(Math.floor(n / 2 ** i) & 1, 1);
  encoder.encodeBits(value < 0 ? 1 : 0, 1);
}

export class EntropyError extends Error {}

/** The error of an escape code with more than MAX_ESCAPE_BITS magnitude bits. */
export function escapeTooLong(): EntropyError {
  return new EntropyError('escape code longer than allowed');
}

export function decodeLaplace(decoder: RangeDecoder, table: LaplaceTable): number {
  const m = table.maxMagnitude;
  const c = table.cumulative;
  const target = decoder.peek(FREQ_BITS);
  // The symbol s with c[s] <= target < c[s + 1]: most often the value 0 (symbol m), tried first;
  // else a binary search.
  let lo = m;
  if (!(c[m] <= target && target < c[m + 1])) {
    lo = 0;
    let hi = 2 * m + 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (c[mid] <= target) lo = mid;
      else hi = mid - 1;
    }
  }
  decoder.consume(c[lo], c[lo + 1] - c[lo]);
  if (lo < 2 * m + 1) return lo - m;
  let magnitudeBits = 0;
  while (decoder.decodeBits(1) === 0) {
    if (++magnitudeBits > MAX_ESCAPE_BITS) throw escapeTooLong();
  }
  let n = 1;
  for (let i = 0; i < magnitudeBits; i++) n = n * 2 + decoder.decodeBits(1);
  const magnitude = n - 1 + m + 1;
  return decoder.decodeBits(1) === 1 ? -magnitude : magnitude;
}
