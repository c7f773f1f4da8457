/**
 * Fuzz cases for the decoder, shared by test/decoder-fuzz.test.ts (a few thousand cases in `npm test`) and
 * bench/fuzz.ts (`npm run fuzz`, for minutes). Every case is built from valid .nnimg files:
 * truncated, bit-flipped, overwritten, spliced, with bytes inserted or deleted, with a random
 * header, or random bytes altogether. Most cases get their CRC-32 recomputed, so that the damage
 * reaches the header parser and the payload decoder instead of stopping at the checksum.
 *
 * The property: decoding ends in the codec's own typed error (NnimgFormatError, NnimgDecodeError)
 * or in a valid image of the size asked for. Anything else thrown is a bug.
 */
import fc from 'fast-check';
import { NnimgDecodeError, NnimgFormatError, NnimgHeader, QuantizedModel, decode } from '../../src/api/decode.js';
import { MAGIC, crc32, encodePayload, gridSizes, layerShapes, unusedGrid, writeContainer } from '../../src/internals.js';
import { prng } from './prng.js';

/** The decoder's pixel limit in fuzzing: keeps every case to milliseconds. */
export const FUZZ_MAX_PIXELS = 4096;

export interface SeedFile {
  name: string;
  bytes: Uint8Array;
}

function laplaceSample(random: () => number, b: number): number {
  const u = random() - 0.5;
  return Math.round(-b * Math.sign(u) * Math.log(1 - 2 * Math.abs(u)));
}

/** A random plausible model for the header (values of the spread an encoder writes, some escapes). */
function randomModel(random: () => number, header: NnimgHeader): QuantizedModel {
  const tensor = (count: number) => {
    const stepExponent = 2 + Math.floor(random() * 10);
    const b = 2 ** stepExponent * 0.3;
    return {
      stepExponent,
      scaleIndex: Math.min(63, Math.max(0, Math.round(4 * Math.log2(b)) + 24 + Math.floor(random() * 9) - 4)),
      values: Int32Array.from({ length: count }, () => laplaceSample(random, b)),
    };
  };
  return {
    latentStepIndex: Math.floor(random() * 64),
    layers: layerShapes(header.levels, header.hidden, header.channels).map((s) => ({
      weights: tensor(s.inputs * s.outputs),
      biases: tensor(s.outputs),
    })),
    grids: gridSizes(header.width, header.height, header.levels).map((g) => {
      const values = new Int32Array(g.width * g.height);
      if (random() < 0.2) return unusedGrid(values.length);
      const spread = 0.3 + 4 * random();
      for (let i = 0; i < values.length; i++) values[i] = laplaceSample(random, spread);
      const coefficients = Array.from({ length: 4 }, () => Math.floor(random() * 13) - 4);
      return { scaleIndices: Array.from({ length: 6 }, () => Math.floor(random() * 40)), coefficients, values };
    }),
  };
}

export function fileOf(header: NnimgHeader, model: QuantizedModel): Uint8Array {
  return writeContainer(header, encodePayload(model, gridSizes(header.width, header.height, header.levels)));
}

const HEADERS: NnimgHeader[] = [
  { model: 'latent-grid', width: 2, height: 1, channels: 1, levels: 1, hidden: [] },
  { model: 'latent-grid', width: 1, height: 1, channels: 3, levels: 1, hidden: [4] },
  { model: 'latent-grid', width: 16, height: 12, channels: 3, levels: 4, hidden: [6] },
  { model: 'latent-grid', width: 24, height: 16, channels: 1, levels: 5, hidden: [8, 4] },
  { model: 'latent-grid', width: 1, height: 40, channels: 3, levels: 6, hidden: [3] },
  { model: 'latent-grid', width: 33, height: 7, channels: 3, levels: 3, hidden: [12, 12, 5, 2] },
];

/** Valid files: random models over a few headers, the all-zero model, and any extra files given. */
export function seedFiles(extra: SeedFile[] = []): SeedFile[] {
  const random = prng(20260501);
  const seeds: SeedFile[] = HEADERS.map((h, i) => ({ name: `random-${i}`, bytes: fileOf(h, randomModel(random, h)) }));
  const zeroHeader: NnimgHeader = { model: 'latent-grid', width: 20, height: 10, channels: 3, levels: 3, hidden: [5] };
  const zero = randomModel(random, zeroHeader);
  for (const layer of zero.layers) for (const t of [layer.weights, layer.biases]) t.values.fill(0);
  zero.grids = zero.grids.map((g) => unusedGrid(g.values.length));
  seeds.push({ name: 'all-zero', bytes: fileOf(zeroHeader, zero) });
  return [...seeds, ...extra];
}

/** Recomputes the CRC-32 so that a damaged file passes the checksum (as crafted files do). */
export function withValidCrc(bytes: Uint8Array): Uint8Array {
  if (bytes.length < MAGIC.length + 1 + 1 + 4) return bytes;
  const out = Uint8Array.from(bytes);
  const end = out.length - 4;
  new DataView(out.buffer).setUint32(end, crc32(out, end));
  return out;
}

/** Header bytes: a MessagePack fixarray of small-ish fields, some out of range, some nested. */
const headerField: fc.Arbitrary<number[]> = fc.oneof(
  fc.constantFrom<number[]>([0x00], [0x01], [0x03], [0x07], [0x0c], [0x0d], [0x7f], [0x90], [0xc0], [0xc3], [0xa1, 0x61]),
  fc.integer({ min: 0, max: 0xff }).map((v) => [0xcc, v]),
  fc.integer({ min: 0, max: 0xffff }).map((v) => [0xcd, v >> 8, v & 0xff]),
  fc.integer({ min: 0, max: 0xffffffff }).map((v) => [0xce, v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]),
  fc.array(fc.integer({ min: 0, max: 80 }), { maxLength: 6 }).map((ws) => [0x90 | ws.length, ...ws]),
  fc.uint8Array({ minLength: 1, maxLength: 6 }).map((b) => Array.from(b)),
);

const looseHeader: fc.Arbitrary<Uint8Array> = fc
  .array(headerField, { minLength: 0, maxLength: 8 })
  .chain((fields) =>
    fc.constantFrom(0x96, 0x90 | fields.length, 0xdc, 0x80 | fields.length).map((lead) => {
      const body = [lead, ...(lead === 0xdc ? [0, fields.length] : []), ...fields.flat()];
      return Uint8Array.from(body);
    }),
  );

const uint16 = (v: number) => [0xcd, v >> 8, v & 0xff];

/** A well-formed 6-field header with plausible, sometimes large or out-of-range, values. */
const shapedHeader: fc.Arbitrary<Uint8Array> = fc
  .record({
    kind: fc.constantFrom(0, 0, 0, 1),
    width: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 0xffff })),
    height: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 0xffff })),
    channels: fc.constantFrom(1, 3, 3, 0, 2, 4),
    levels: fc.integer({ min: 0, max: 14 }),
    hidden: fc.array(fc.integer({ min: 0, max: 70 }), { maxLength: 5 }),
  })
  .map((h) => Uint8Array.from([0x96, h.kind, ...uint16(h.width), ...uint16(h.height), h.channels, h.levels, 0x90 | h.hidden.length, ...h.hidden]));

const randomHeader = fc.oneof(looseHeader, shapedHeader);

/** Replaces the header of a valid file, keeping its payload. */
function swapHeader(file: Uint8Array, header: Uint8Array): Uint8Array {
  const headerLength = file[5]; // the seeds' headers are under 128 bytes: one LEB128 byte
  const payload = file.subarray(6 + headerLength, file.length - 4);
  const out = new Uint8Array(6 + header.length + payload.length + 4);
  out.set(file.subarray(0, 5));
  out[5] = header.length;
  out.set(header, 6);
  out.set(payload, 6 + header.length);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface FuzzCase {
  kind: string;
  bytes: Uint8Array;
  /** Output size to ask for; undefined: the native size. */
  size?: { width: number; height: number };
}

/** fast-check arbitrary of damaged and crafted files made from the seeds. */
export function fuzzCases(seeds: SeedFile[]): fc.Arbitrary<FuzzCase> {
  const seed = fc.constantFrom(...seeds.map((s) => s.bytes));
  // Uniform in [0, 1) (fc.double is uniform over bit patterns, which piles up near 0).
  const position = fc.noBias(fc.integer({ min: 0, max: 2 ** 30 - 1 })).map((n) => n / 2 ** 30);
  const at = (bytes: Uint8Array, p: number) => Math.floor(p * bytes.length);

  const damage: fc.Arbitrary<{ kind: string; bytes: Uint8Array }> = fc.oneof(
    fc.tuple(seed, position).map(([b, p]) => ({ kind: 'truncated', bytes: b.slice(0, at(b, p)) })),
    fc.tuple(seed, fc.array(fc.tuple(position, fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 })).map(([b, flips]) => {
      const out = Uint8Array.from(b);
      for (const [p, bit] of flips) out[at(out, p)] ^= 1 << bit;
      return { kind: 'bit-flipped', bytes: out };
    }),
    fc.tuple(seed, position, fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([b, p, v]) => {
      const out = Uint8Array.from(b);
      out.set(v.subarray(0, out.length - at(out, p)), at(out, p));
      return { kind: 'overwritten', bytes: out };
    }),
    fc.tuple(seed, position, fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([b, p, v]) => ({
      kind: 'inserted',
      bytes: concat(b.subarray(0, at(b, p)), v, b.subarray(at(b, p))),
    })),
    fc.tuple(seed, position, fc.integer({ min: 1, max: 64 })).map(([b, p, n]) => ({
      kind: 'deleted',
      bytes: concat(b.subarray(0, at(b, p)), b.subarray(at(b, p) + n)),
    })),
    fc.tuple(seed, seed, position, position).map(([a, b, p, q]) => ({
      kind: 'spliced',
      bytes: concat(a.subarray(0, at(a, p)), b.subarray(at(b, q))),
    })),
    fc.tuple(seed, randomHeader).map(([b, h]) => ({ kind: 'header', bytes: swapHeader(b, h) })),
    fc.tuple(seed, fc.uint8Array({ minLength: 0, maxLength: 400 })).map(([b, payload]) => {
      const headerEnd = 6 + b[5];
      return { kind: 'payload', bytes: concat(b.subarray(0, headerEnd), payload, new Uint8Array(4)) };
    }),
    fc.uint8Array({ minLength: 0, maxLength: 300 }).map((b) => ({ kind: 'random', bytes: b })),
    fc.tuple(fc.integer({ min: 0, max: 40 }), fc.uint8Array({ minLength: 0, maxLength: 300 })).map(([headerLength, b]) => ({
      kind: 'random-after-magic',
      bytes: concat(MAGIC, Uint8Array.of(1, headerLength), b),
    })),
  );
  const size = fc.option(fc.record({ width: fc.integer({ min: 1, max: 48 }), height: fc.integer({ min: 1, max: 48 }) }), { nil: undefined });
  return fc.tuple(damage, position, size).map(([d, crcChoice, requested]) => {
    const fixCrc = crcChoice < 0.8;
    return { kind: fixCrc ? `${d.kind}+crc` : d.kind, bytes: fixCrc ? withValidCrc(d.bytes) : d.bytes, size: requested };
  });
}

/**
 * Decodes one case. Returns the outcome ('image' or the typed error's class and code); throws
 * anything else (the property fails), and an Error when an image comes out wrong.
 */
export function decodeCase(c: FuzzCase, maxPixels = FUZZ_MAX_PIXELS): string {
  let image;
  try {
    image = decode(c.bytes, { ...c.size, maxPixels });
  } catch (error) {
    if (error instanceof NnimgFormatError) return `format:${error.code}`;
    if (error instanceof NnimgDecodeError) return `decode:${error.code}`;
    throw error;
  }
  const expected = c.size;
  if (expected && (image.width !== expected.width || image.height !== expected.height)) {
    throw new Error(`decoded ${image.width}x${image.height}, asked for ${expected.width}x${expected.height}`);
  }
  if (image.width * image.height > maxPixels) throw new Error(`decoded ${image.width}x${image.height}, over the limit`);
  if (image.channels !== 1 && image.channels !== 3) throw new Error(`decoded ${image.channels} channels`);
  if (image.data.length !== image.width * image.height * image.channels) throw new Error('pixel data of the wrong length');
  return 'image';
}
