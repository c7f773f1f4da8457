import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  EntropyError,
  FREQ_BITS,
  MAX_ESCAPE_BITS,
  SCALE_INDEX_COUNT,
  decodeLaplace,
  encodeLaplace,
  laplaceCost,
  laplaceScale,
  laplaceTable,
  nearestScaleIndex,
} from '../src/entropy/laplace.js';
import { RangeDecoder, RangeEncoder } from '../src/entropy/range-coder.js';
import { prng } from '../bench/support/prng.js';


/** A rounded Laplace(0, b) sample. */
function laplaceSample(random: () => number, b: number): number {
  const u = random() - 0.5;
  return Math.round(-b * Math.sign(u) * Math.log(1 - 2 * Math.abs(u)));
}

function frequencies(scaleIndex: number): number[] {
  const c = laplaceTable(scaleIndex).cumulative;
  return Array.from({ length: c.length - 1 }, (_, s) => c[s + 1] - c[s]);
}

function roundTrip(values: readonly number[], scaleIndices: readonly number[]): Uint8Array {
  const encoder = new RangeEncoder();
  values.forEach((v, i) => encodeLaplace(encoder, v, laplaceTable(scaleIndices[i % scaleIndices.length])));
  const bytes = encoder.finish();
  const decoder = new RangeDecoder(bytes);
  values.forEach((v, i) => {
    const got = decodeLaplace(decoder, laplaceTable(scaleIndices[i % scaleIndices.length]));
    if (got !== v) expect.fail(`value ${i}: decoded ${got}, expected ${v}`);
  });
  return bytes;
}

describe('Laplace tables', () => {
  it('every table for scale indices 0..63 sums to 2^16 with every frequency >= 1', () => {
    expect(SCALE_INDEX_COUNT).toBe(64);
    expect(FREQ_BITS).toBe(16);
    for (let i = 0; i < 64; i++) {
      const table = laplaceTable(i);
      const freqs = frequencies(i);
      expect(table.cumulative[0]).toBe(0);
      expect(table.cumulative[table.cumulative.length - 1]).toBe(2 ** 16);
      expect(freqs.reduce((a, b) => a + b, 0)).toBe(2 ** 16);
      expect(Math.min(...freqs), `scale index ${i}`).toBeGreaterThanOrEqual(1);
    }
  });

  it('has symbols -M..M plus an escape, M = min(1024, ceil(12 b) + 1)', () => {
    for (let i = 0; i < 64; i++) {
      const b = laplaceScale(i);
      const table = laplaceTable(i);
      expect(table.maxMagnitude).toBe(Math.min(1024, Math.ceil(12 * b) + 1));
      expect(table.cumulative.length).toBe(2 * table.maxMagnitude + 3);
      expect(table.bits.length).toBe(2 * table.maxMagnitude + 2);
    }
    expect(laplaceTable(0).maxMagnitude).toBe(2);
    expect(laplaceTable(63).maxMagnitude).toBe(1024);
  });

  it('is symmetric, peaks at zero and never increases with |v|', () => {
    for (let i = 0; i < 64; i++) {
      const m = laplaceTable(i).maxMagnitude;
      const f = frequencies(i);
      for (let v = 1; v <= m; v++) {
        expect(f[m + v]).toBe(f[m - v]);
        expect(f[m + v]).toBeLessThanOrEqual(f[m + v - 1]);
      }
    }
  });

  it('follows the discretised Laplace distribution to within the integer rounding', () => {
    for (const i of [0, 10, 24, 40, 63]) {
      const b = laplaceScale(i);
      const m = laplaceTable(i).maxMagnitude;
      const f = frequencies(i);
      const free = 2 ** 16 - f.length;
      const p = (v: number) => (v === 0 ? 1 - Math.exp(-0.5 / b) : 0.5 * (Math.exp(-(Math.abs(v) - 0.5) / b) - Math.exp(-(Math.abs(v) + 0.5) / b)));
      for (let v = -m; v <= m; v++) expect(Math.abs(f[v + m] - 1 - free * p(v)), `scale ${i}, v ${v}`).toBeLessThan(1.000001);
    }
  });

  it('scale index i means b = 2^((i - 24) / 4)', () => {
    for (let i = 0; i < 64; i++) expect(laplaceScale(i) / 2 ** ((i - 24) / 4)).toBeCloseTo(1, 14);
    expect(nearestScaleIndex(1)).toBe(24);
    expect(nearestScaleIndex(2)).toBe(28);
    expect(nearestScaleIndex(1e-9)).toBe(0);
    expect(nearestScaleIndex(1e9)).toBe(63);
  });

  it('tables are frozen: digest of all 64 cumulative tables', () => {
    // Any change here makes every existing .nnimg file undecodable; see spec/nnimg.md.
    const tables = Array.from({ length: 64 }, (_, i) => laplaceTable(i).cumulative);
    const all = new Uint8Array(4 * tables.reduce((n, c) => n + c.length, 0));
    const view = new DataView(all.buffer);
    let at = 0;
    for (const c of tables) for (const v of c) view.setUint32((at++) * 4, v); // big-endian
    expect((crc32(all) >>> 0).toString(16)).toBe(GOLDEN_TABLE_DIGEST);
    expect(frequencies(0)).toEqual([1, 1, 65530, 1, 1, 2]);
  });
});

const GOLDEN_TABLE_DIGEST = 'f7addae9';

describe('Laplace coding', () => {
  it('round trips every value in and around every table', () => {
    for (let i = 0; i < 64; i++) {
      const m = laplaceTable(i).maxMagnitude;
      const values: number[] = [];
      for (let v = -m - 5; v <= m + 5; v++) values.push(v);
      roundTrip(values, [i]);
    }
  });

  it('round trips large escapes up to +-2^20 and beyond, under every scale', () => {
    const random = prng(11);
    const values: number[] = [2 ** 20, -(2 ** 20), 2 ** 20 - 1, -(2 ** 20) + 1, 1030, -1030, 1025, -1025];
    for (let k = 0; k <= 20; k++) values.push(2 ** k, -(2 ** k), 2 ** k + 1, -(2 ** k) - 1);
    for (let n = 0; n < 3000; n++) values.push(Math.round((random() - 0.5) * 2 ** (1 + random() * 21)));
    const scales = Array.from({ length: 64 }, (_, i) => i);
    roundTrip(values, scales);
    roundTrip(values, [0]);
    roundTrip(values, [63]);
  });

  it('codes magnitudes up to M + 2^25 - 1 and refuses larger ones', () => {
    expect(MAX_ESCAPE_BITS).toBe(24);
    for (const i of [0, 30, 63]) {
      const m = laplaceTable(i).maxMagnitude;
      const largest = m + 2 ** (MAX_ESCAPE_BITS + 1) - 1;
      roundTrip([largest, -largest, 0], [i]);
      expect(() => encodeLaplace(new RangeEncoder(), largest + 1, laplaceTable(i))).toThrow(RangeError);
      expect(() => encodeLaplace(new RangeEncoder(), -largest - 1, laplaceTable(i))).toThrow(RangeError);
    }
  });

  it('escape codes are Elias-gamma of |v| - M then a sign bit (1 = negative), as equiprobable bits', () => {
    const table = laplaceTable(0); // M = 2
    const c = table.cumulative;
    for (const value of [3, -3, 4, 9, -9, 1000]) {
      const expected = new RangeEncoder();
      expected.encode(c[5], c[6] - c[5], 16);
      const n = Math.abs(value) - 2; // excess + 1
      const length = Math.floor(Math.log2(n));
      expected.encodeBits(0, length);
      expected.encodeBits(n, length + 1);
      expected.encodeBits(value < 0 ? 1 : 0, 1);
      const actual = new RangeEncoder();
      encodeLaplace(actual, value, table);
      expect(actual.finish(), `value ${value}`).toEqual(expected.finish());
    }
  });

  it('rejects an escape code with more than 24 leading zeros (EntropyError)', () => {
    const table = laplaceTable(20);
    const c = table.cumulative;
    const escape = c.length - 2;
    const encoder = new RangeEncoder();
    encoder.encode(c[escape], c[escape + 1] - c[escape], 16);
    encoder.encodeBits(0, 16);
    encoder.encodeBits(0, 9); // 25 zeros
    encoder.encodeBits(0xffff, 16);
    const decoder = new RangeDecoder(encoder.finish());
    expect(() => decodeLaplace(decoder, table)).toThrow(EntropyError);
  });

  it('laplaceCost is close to the actual coded size', () => {
    const random = prng(12);
    for (const i of [0, 8, 16, 24, 32, 40, 48, 56, 63]) {
      const table = laplaceTable(i);
      const b = laplaceScale(i);
      const values: number[] = [];
      for (let n = 0; n < 20_000; n++) {
        // Mostly the table's own distribution, with some escapes mixed in.
        values.push(n % 50 === 0 ? (random() < 0.5 ? -1 : 1) * (table.maxMagnitude + 1 + Math.floor(random() * 5000)) : laplaceSample(random, b));
      }
      const estimated = values.reduce((sum, v) => sum + laplaceCost(v, table), 0);
      const actual = roundTrip(values, [i]).length * 8;
      expect(Math.abs(actual - estimated), `scale index ${i}: ${actual} bits coded, ${estimated.toFixed(0)} estimated`).toBeLessThanOrEqual(
        0.01 * estimated + 32,
      );
    }
  });

  it('laplaceCost of an escape counts the escape symbol, the gamma code and the sign', () => {
    const table = laplaceTable(24);
    const m = table.maxMagnitude;
    const escapeBits = table.bits[2 * m + 1];
    expect(laplaceCost(m + 1, table)).toBeCloseTo(escapeBits + 2, 12); // n = 1: "1" + sign
    expect(laplaceCost(-(m + 2), table)).toBeCloseTo(escapeBits + 4, 12); // n = 2: "010" + sign
    expect(laplaceCost(m + 2 ** 20, table)).toBeCloseTo(escapeBits + 42, 12); // n = 2^20: 41 bits + sign
    expect(laplaceCost(0, table)).toBeCloseTo(16 - Math.log2(frequencies(24)[m]), 12);
  });
});
