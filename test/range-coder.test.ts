import { describe, expect, it } from 'vitest';
import { RangeDecoder, RangeEncoder } from '../src/entropy/range-coder.js';
import { prng } from '../bench/support/prng.js';

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */

/** A frequency table out of 2^totalBits; cumulative has one more entry than freqs. */
interface Distribution {
  totalBits: number;
  freqs: number[];
  cumulative: number[];
}

function distribution(totalBits: number, freqs: number[]): Distribution {
  const cumulative = [0];
  for (const f of freqs) cumulative.push(cumulative[cumulative.length - 1] + f);
  if (cumulative[freqs.length] !== 2 ** totalBits) throw new Error('frequencies must sum to 2^totalBits');
  if (freqs.some((f) => !(f >= 1))) throw new Error('every frequency must be >= 1');
  return { totalBits, freqs, cumulative };
}

/** A random table of `count` symbols summing to 2^totalBits, each >= 1, skewed by `skew`. */
function randomDistribution(random: () => number, totalBits: number, count: number, skew = 1): Distribution {
  const total = 2 ** totalBits;
  const weights = Array.from({ length: count }, () => random() ** skew);
  const sum = weights.reduce((a, b) => a + b, 0);
  const freqs = weights.map((w) => 1 + Math.floor(((total - count) * w) / sum));
  freqs[0] += total - freqs.reduce((a, b) => a + b, 0);
  return distribution(totalBits, freqs);
}

/** The symbol s with cumulative[s] <= target < cumulative[s + 1]. */
function symbolAt(d: Distribution, target: number): number {
  let lo = 0;
  let hi = d.freqs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (d.cumulative[mid] <= target) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function sample(random: () => number, d: Distribution): number {
  return symbolAt(d, Math.floor(random() * 2 ** d.totalBits));
}

type Step = { kind: 'symbol'; d: Distribution; symbol: number } | { kind: 'bits'; count: number; value: number };

/** Information content of the steps in bits: what an ideal arithmetic coder would need. */
function idealBits(steps: readonly Step[]): number {
  let bits = 0;
  for (const step of steps) {
    if (step.kind === 'bits') bits += step.count;
    else bits += step.d.totalBits - Math.log2(step.d.freqs[step.symbol]);
  }
  return bits;
}

function encodeSteps(steps: readonly Step[]): Uint8Array {
  const encoder = new RangeEncoder();
  for (const step of steps) {
    if (step.kind === 'bits') encoder.encodeBits(step.value, step.count);
    else encoder.encode(step.d.cumulative[step.symbol], step.d.freqs[step.symbol], step.d.totalBits);
  }
  return encoder.finish();
}

function decodeStep(decoder: RangeDecoder, step: Step): number {
  if (step.kind === 'bits') return decoder.decodeBits(step.count);
  const target = decoder.peek(step.d.totalBits);
  if (!(target >= 0 && target < 2 ** step.d.totalBits)) expect.fail(`peek returned ${target}`);
  const s = symbolAt(step.d, target);
  decoder.consume(step.d.cumulative[s], step.d.freqs[s]);
  return s;
}

/** Round trips the steps; returns the coded size. Fails on the first wrong symbol. */
function roundTrip(steps: readonly Step[]): number {
  const bytes = encodeSteps(steps);
  const decoder = new RangeDecoder(bytes);
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const expected = step.kind === 'bits' ? step.value : step.symbol;
    const got = decodeStep(decoder, step);
    if (got !== expected) expect.fail(`step ${i} of ${steps.length}: decoded ${got}, expected ${expected}`);
  }
  return bytes.length;
}

/** Coded size is within a few bytes plus 1% of the ideal, and not below what is possible. */
function expectNearIdeal(steps: readonly Step[], size: number, slackBytes = 4): void {
  const ideal = idealBits(steps) / 8;
  expect(size, `ideal ${ideal.toFixed(1)} bytes`).toBeLessThanOrEqual(Math.ceil(ideal * 1.01 + slackBytes));
  // No code beats the information content by more than what the trimmed zero tail gives away.
  expect(size).toBeGreaterThanOrEqual(Math.floor(ideal - 4));
}

const symbols = (random: () => number, d: Distribution, n: number): Step[] =>
  Array.from({ length: n }, () => ({ kind: 'symbol' as const, d, symbol: sample(random, d) }));

describe('range coder', () => {
  it('codes the empty stream in zero bytes', () => {
    expect(new RangeEncoder().finish().length).toBe(0);
  });

  it('round trips symbols of probability 1/65536 (every symbol is the rare one)', () => {
    // Three rare symbols at the bottom, middle and top of the table.
    const d = distribution(16, [1, 32766, 1, 32767, 1]);
    const random = prng(1);
    const steps: Step[] = Array.from({ length: 5000 }, () => ({ kind: 'symbol', d, symbol: [0, 2, 4][Math.floor(random() * 3)] }));
    const size = roundTrip(steps);
    expect(idealBits(steps)).toBe(16 * 5000);
    expectNearIdeal(steps, size);
  });

  it('round trips long runs of the top symbol (carry propagation through 0xff bytes)', () => {
    const top = distribution(16, [65535, 1]); // symbol 1 sits at the very top of the range
    const random = prng(2);
    const steps: Step[] = [];
    for (let run = 0; run < 300; run++) {
      const length = Math.floor(random() * 12);
      for (let i = 0; i < length; i++) steps.push({ kind: 'symbol', d: top, symbol: 1 });
      steps.push({ kind: 'symbol', d: top, symbol: 0 });
      for (let i = 0; i < Math.floor(random() * 3); i++) steps.push({ kind: 'bits', count: 16, value: 0xffff });
    }
    const size = roundTrip(steps);
    expectNearIdeal(steps, size);
    const bytes = encodeSteps(steps);
    expect(bytes.filter((b) => b === 0xff).length, 'the test should produce 0xff runs').toBeGreaterThan(100);
  });

  it('round trips near-certain symbols and stays close to the (tiny) ideal size', () => {
    const d = distribution(16, [1, 65534, 1]);
    const random = prng(3);
    const steps = symbols(random, d, 200_000);
    const size = roundTrip(steps);
    // 2e5 symbols of ~4.4e-5 bits each, plus the few rare ones that were drawn.
    expectNearIdeal(steps, size, 8);
  });

  it('round trips uniform symbols for every totalBits from 1 to 16', () => {
    const random = prng(4);
    for (let totalBits = 1; totalBits <= 16; totalBits++) {
      const count = 2 ** totalBits;
      const d = distribution(totalBits, new Array(count).fill(1));
      const steps = symbols(random, d, 4000);
      const size = roundTrip(steps);
      expectNearIdeal(steps, size, 2);
    }
  });

  it('round trips random, skewed and extreme tables mixed, with totalBits 1..16 and bypass bits interleaved', () => {
    const random = prng(5);
    const tables: Distribution[] = [];
    for (let totalBits = 1; totalBits <= 16; totalBits++) {
      for (const skew of [1, 4, 16]) {
        const count = Math.min(2 ** totalBits, 2 + Math.floor(random() * 40));
        tables.push(randomDistribution(random, totalBits, count, skew));
      }
      if (totalBits >= 2) tables.push(distribution(totalBits, [1, 2 ** totalBits - 2, 1]));
    }
    const steps: Step[] = [];
    for (let i = 0; i < 60_000; i++) {
      if (random() < 0.15) {
        const count = 1 + Math.floor(random() * 16);
        steps.push({ kind: 'bits', count, value: Math.floor(random() * 2 ** count) });
      } else {
        const d = tables[Math.floor(random() * tables.length)];
        // Mostly drawn from the table, sometimes an arbitrary (possibly rare) symbol.
        const symbol = random() < 0.9 ? sample(random, d) : Math.floor(random() * d.freqs.length);
        steps.push({ kind: 'symbol', d, symbol });
      }
    }
    const size = roundTrip(steps);
    expectNearIdeal(steps, size);
  });

  it('round trips many short random streams (every way a stream can end)', () => {
    const random = prng(6);
    const d = randomDistribution(random, 16, 50, 8);
    for (let trial = 0; trial < 3000; trial++) {
      const steps: Step[] = [];
      const n = Math.floor(random() * 12);
      for (let i = 0; i < n; i++) {
        if (random() < 0.3) steps.push({ kind: 'bits', count: 1 + Math.floor(random() * 16), value: 0 });
        else steps.push({ kind: 'symbol', d, symbol: sample(random, d) });
        const last = steps[steps.length - 1];
        if (last.kind === 'bits') last.value = Math.floor(random() * 2 ** last.count);
      }
      const size = roundTrip(steps);
      expect(size).toBeLessThanOrEqual(Math.ceil(idealBits(steps) / 8) + 2);
    }
  });

  it('bypass bits are written most significant first and cost exactly one bit each', () => {
    const random = prng(7);
    const steps: Step[] = [];
    for (let i = 0; i < 10_000; i++) {
      const count = 1 + Math.floor(random() * 16);
      steps.push({ kind: 'bits', count, value: Math.floor(random() * 2 ** count) });
    }
    const size = roundTrip(steps);
    const ideal = idealBits(steps) / 8;
    expect(size).toBeGreaterThanOrEqual(Math.floor(ideal));
    expect(size).toBeLessThanOrEqual(Math.ceil(ideal) + 1);
    // 16 bits in one call equal the same bits one at a time.
    const a = new RangeEncoder();
    a.encodeBits(0xb5c3, 16);
    const b = new RangeEncoder();
    for (let i = 15; i >= 0; i--) b.encodeBits((0xb5c3 >>> i) & 1, 1);
    expect(a.finish()).toEqual(b.finish());
  });

  it('drops the leading zero byte and trailing zero bytes (golden streams)', () => {
    // 8 bypass bits come out as the byte itself; the stream is the bits as a binary fraction.
    const one = new RangeEncoder();
    one.encodeBits(0xa7, 8);
    expect(Array.from(one.finish())).toEqual([0xa7]);
    const two = new RangeEncoder();
    two.encodeBits(0x1234, 16);
    two.encodeBits(0x5, 3);
    expect(Array.from(two.finish())).toEqual([0x12, 0x34, 0xa0]);
    // All-zero bits need no bytes at all: the decoder reads zeros past the end.
    const zeros = new RangeEncoder();
    zeros.encodeBits(0, 16);
    expect(zeros.finish().length).toBe(0);
    expect(new RangeDecoder(new Uint8Array()).decodeBits(16)).toBe(0);
    // A mixed stream, frozen: any change here changes every .nnimg file.
    const mixed = new RangeEncoder();
    mixed.encode(3, 65530, 16);
    mixed.encode(0, 1, 16);
    mixed.encode(65535, 1, 16);
    mixed.encodeBits(45, 6);
    mixed.encode(1, 2, 2);
    expect(Buffer.from(mixed.finish()).toString('hex')).toBe(GOLDEN_MIXED);
  });

  it('peek never returns a target outside [0, 2^totalBits), even on garbage input', () => {
    const random = prng(8);
    const garbage = Uint8Array.from({ length: 64 }, () => Math.floor(random() * 256));
    garbage.fill(0xff, 0, 8);
    const decoder = new RangeDecoder(garbage);
    for (let i = 0; i < 200; i++) {
      const totalBits = 1 + (i % 16);
      const target = decoder.peek(totalBits);
      expect(target).toBeGreaterThanOrEqual(0);
      expect(target).toBeLessThan(2 ** totalBits);
      decoder.consume(target, 1);
    }
  });
});

const GOLDEN_MIXED = '0003fff5b6';
