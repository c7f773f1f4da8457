/**
 * Decoder robustness: a .nnimg file is untrusted input. Property-based fuzzing (fast-check) of
 * damaged and crafted files, and the decoder's allocation limit. The long run is `npm run fuzz`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unusedGrid } from '../src/format/payload.js';
import { DEFAULT_MAX_DECODE_PIXELS, NnimgDecodeError, decode, parseNnimg } from '../src/decoder/decode.js';
import { MAX_PIXELS, NnimgFormatError, NnimgHeader, writeContainer } from '../src/format/container.js';
import { laplaceTable } from '../src/entropy/laplace.js';
import { RangeEncoder } from '../src/entropy/range-coder.js';
import { DEFAULT_MAX_INPUT_PIXELS } from '../src/image/io.js';
import { FUZZ_MAX_PIXELS, FuzzCase, SeedFile, decodeCase, fileOf, fuzzCases, seedFiles, withValidCrc } from '../bench/support/nnimg-fuzz.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const vectorDir = join(root, 'spec', 'vectors');
const vectors: SeedFile[] = readdirSync(vectorDir)
  .filter((name) => name.endsWith('.nnimg'))
  .map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(vectorDir, name))) }));
const seeds = seedFiles(vectors);

/** Cases in `npm test`; `npm run fuzz` runs many more. */
const RUNS = 4000;

describe('fuzzing the decoder', () => {
  it('has valid seed files to start from, including the conformance vectors', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(3);
    for (const s of seeds) expect(decodeCase({ kind: 'seed', bytes: s.bytes }, Infinity), s.name).toBe('image');
  });

  it(`${RUNS} truncated, bit-flipped, spliced, crafted and random files end in a typed error or a valid image`, () => {
    const outcomes = new Map<string, number>();
    fc.assert(
      fc.property(fuzzCases(seeds), (c: FuzzCase) => {
        const outcome = decodeCase(c);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }),
      { numRuns: RUNS, seed: 1 },
    );
    // The cases reach every part of the decoder: some decode, and each kind of error occurs.
    for (const outcome of ['image', 'format:truncated', 'format:magic', 'format:checksum', 'format:header', 'decode:limit']) {
      expect(outcomes.get(outcome) ?? 0, `${outcome} in ${JSON.stringify([...outcomes])}`).toBeGreaterThan(0);
    }
  });

  it('the check itself fails on an untyped error or a wrong image', () => {
    // decodeCase is the property: make sure it does not accept everything.
    const valid = seeds[2].bytes;
    expect(decodeCase({ kind: 'seed', bytes: valid, size: { width: 5, height: 3 } })).toBe('image');
    expect(() => decodeCase({ kind: 'bad', bytes: null as unknown as Uint8Array })).toThrow(TypeError);
  });

  it('an escape code with more than 24 leading zeros is a typed payload error', () => {
    // 1x1 grey, one level, no hidden layer: the first value coded is the single weight.
    const header: NnimgHeader = { model: 'latent-grid', width: 1, height: 1, channels: 1, levels: 1, hidden: [] };
    const payload = (zeros: number) => {
      const encoder = new RangeEncoder();
      encoder.encodeBits(32, 6); // latent step index
      encoder.encodeBits(0, 4); // step exponent
      encoder.encodeBits(0, 6); // scale index 0
      const table = laplaceTable(0);
      const escape = 2 * table.maxMagnitude + 1;
      encoder.encode(table.cumulative[escape], table.cumulative[escape + 1] - table.cumulative[escape], 16);
      for (let i = 0; i < zeros; i++) encoder.encodeBits(0, 1);
      for (let i = 0; i < 40; i++) encoder.encodeBits(1, 1);
      return encoder.finish();
    };
    expect(decodeCase({ kind: 'escape', bytes: writeContainer(header, payload(24)) })).toBe('image');
    expect(decodeCase({ kind: 'escape', bytes: writeContainer(header, payload(25)) })).toBe('decode:payload');
    expect(() => parseNnimg(writeContainer(header, payload(25)))).toThrow(/escape code longer than allowed/);
  });

  it('a payload damaged under a valid CRC decodes to some model, or fails with NnimgDecodeError', () => {
    // Every single-byte change of the payload of one seed, with the CRC recomputed.
    const file = seeds[3].bytes;
    const headerEnd = 6 + file[5];
    const outcomes = new Set<string>();
    for (let i = headerEnd; i < file.length - 4; i++) {
      for (const value of [0x00, 0xff, file[i] ^ 0x10]) {
        const damaged = Uint8Array.from(file);
        damaged[i] = value;
        outcomes.add(decodeCase({ kind: 'payload', bytes: withValidCrc(damaged) }));
      }
    }
    expect(outcomes.has('image')).toBe(true);
    for (const outcome of outcomes) expect(outcome).toMatch(/^(image|decode:payload)$/);
  });
});

describe('decoder allocation limit', () => {
  const claim = (width: number, height: number, levels = 12, hidden = [64, 64, 64, 64]): Uint8Array =>
    writeContainer({ model: 'latent-grid', width, height, channels: 3, levels, hidden }, new Uint8Array(0));

  it('refuses a tiny file claiming 2^27 pixels before allocating anything, with a typed error', () => {
    const file = claim(65535, 2048);
    expect(file.length).toBeLessThan(40);
    const before = process.memoryUsage().arrayBuffers;
    let error: unknown;
    try {
      parseNnimg(file);
    } catch (e) {
      error = e;
    }
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 2 ** 20);
    expect(error).toBeInstanceOf(NnimgDecodeError);
    expect(error).toMatchObject({ code: 'limit', pixels: 65535 * 2048, limit: DEFAULT_MAX_DECODE_PIXELS });
    expect((error as Error).message).toBe(
      `the image is 65535x2048 (${65535 * 2048} pixels), over the decoder's limit of ${DEFAULT_MAX_DECODE_PIXELS} pixels`,
    );
    expect(() => decode(file)).toThrow(/over the decoder's limit/);
  });

  it('the default limit is below the format maximum and above the encoder input limit', () => {
    // Files of every image the encoder accepts by default decode by default.
    expect(DEFAULT_MAX_DECODE_PIXELS).toBeLessThan(MAX_PIXELS);
    expect(DEFAULT_MAX_DECODE_PIXELS).toBeGreaterThanOrEqual(DEFAULT_MAX_INPUT_PIXELS);
    expect(DEFAULT_MAX_DECODE_PIXELS).toBe(2 ** 26);
  });

  it('maxPixels raises or lowers the limit: the model is refused above it and decoded at it', () => {
    const file = claim(300, 200, 3, [4]);
    expect(() => parseNnimg(file, { maxPixels: 59_999 })).toThrow(expect.objectContaining({ code: 'limit', pixels: 60_000, limit: 59_999 }));
    const parsed = parseNnimg(file, { maxPixels: 60_000 });
    expect(parsed.kind === 'latent-grid' && parsed.model.latents[0].length).toBe(60_000);
    expect(parseNnimg(file, { maxPixels: Infinity }).header).toMatchObject({ width: 300, height: 200 });
  });

  it('decode() also limits the output it holds in memory', () => {
    const file = claim(30, 20, 2, []);
    expect(decode(file, { width: 100, height: 100, maxPixels: 10_000 }).data.length).toBe(30_000);
    expect(() => decode(file, { width: 100, height: 101, maxPixels: 10_000 })).toThrow(
      expect.objectContaining({ code: 'limit', message: expect.stringMatching(/requested output is 100x101/) }),
    );
    // Without a limit, the largest output side of 65536 squared would need 12 GB.
    expect(() => decode(file, { width: 65536, height: 65536 })).toThrow(NnimgDecodeError);
  });

  it('rejects an invalid maxPixels', () => {
    const file = claim(3, 2, 1, []);
    for (const bad of [0, -1, 1.5, NaN]) expect(() => parseNnimg(file, { maxPixels: bad })).toThrow(RangeError);
  });

  it('decoding work is bounded by the model size even when the payload is all escapes', () => {
    // A payload of 0xff bytes makes every value an escape with long codes; the decoder must end
    // after a number of symbols proportional to the model, with a model or a typed error.
    const header: NnimgHeader = { model: 'latent-grid', width: 64, height: 64, channels: 3, levels: 4, hidden: [16] };
    const zero = fileOf(header, {
      latentStepIndex: 0,
      layers: [
        { weights: { stepExponent: 0, scaleIndex: 0, values: new Int32Array(4 * 16) }, biases: { stepExponent: 0, scaleIndex: 0, values: new Int32Array(16) } },
        { weights: { stepExponent: 0, scaleIndex: 0, values: new Int32Array(16 * 3) }, biases: { stepExponent: 0, scaleIndex: 0, values: new Int32Array(3) } },
      ],
      grids: [64, 32, 16, 8].map((n) => unusedGrid(n * n)),
    });
    const headerEnd = 6 + zero[5];
    for (const fill of [0x00, 0xff, 0x80, 0x55]) {
      const payload = new Uint8Array(20_000).fill(fill);
      const file = withValidCrc(Uint8Array.from([...zero.subarray(0, headerEnd), ...payload, 0, 0, 0, 0]));
      const outcome = decodeCase({ kind: 'fill', bytes: file }, FUZZ_MAX_PIXELS);
      expect(outcome).toMatch(/^(image|decode:payload)$/);
    }
    expect(() => parseNnimg(new Uint8Array(0))).toThrow(NnimgFormatError);
  });
});
