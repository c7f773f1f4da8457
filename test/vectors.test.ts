/**
 * Conformance vectors (spec/vectors/, written by bench/make-vectors.ts): each file decodes, at
 * each listed size, to pixels with exactly the listed SHA-256. Any change that alters decoding
 * fails here.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decode, parseNnimg } from '../src/decoder/decode.js';
import { FORMAT_VERSION } from '../src/format/container.js';
import { NegativeVector, VectorManifest, modelDigest } from '../spec/vectors.js';
import { specParse } from '../spec/reference-decoder.js';
import { decodedModelDigest, errorOf } from '../bench/support/vector-details.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

// The current version's vectors, and version 1's, kept unchanged since nnimg 0.1.0.
describe.each([
  ['spec/vectors', FORMAT_VERSION],
  ['spec/vectors/v1', 1],
])('%s', (relativeFolder, version) => {
  const folder = join(root, relativeFolder);
  const manifest = JSON.parse(readFileSync(join(folder, 'vectors.json'), 'utf8')) as VectorManifest;
  const file = (name: string) => new Uint8Array(readFileSync(join(folder, name)));

  it('lists every .nnimg file in the folder, and only those', () => {
    expect(manifest).toMatchObject({ format: 'nnimg', version });
    expect(manifest.vectors.every((v) => file(v.file)[4] === version)).toBe(true);
    const listed = new Set(manifest.vectors.map((v) => v.file));
    const present = readdirSync(folder).filter((name) => name.endsWith('.nnimg'));
    expect([...listed].sort()).toEqual(present.sort());
    expect(present.length).toBeGreaterThanOrEqual(5);
    // RGB and grey, native and other output sizes.
    expect(new Set(manifest.vectors.map((v) => v.channels))).toEqual(new Set([1, 3]));
    expect(manifest.vectors.some((v) => {
      const { header } = parseNnimg(file(v.file));
      return header.width !== v.width || header.height !== v.height;
    })).toBe(true);
  });

  it.each(manifest.vectors.map((v) => [`${v.file} at ${v.width}x${v.height}`, v] as const))('%s', (_name, vector) => {
    expect(vector.sha256).toMatch(/^[0-9a-f]{64}$/);
    const image = decode(file(vector.file), { width: vector.width, height: vector.height });
    expect(image.width).toBe(vector.width);
    expect(image.height).toBe(vector.height);
    expect(image.channels).toBe(vector.channels);
    expect(sha256(image.data)).toBe(vector.sha256);
    // Version 1's vectors predate the digests and raw pixels.
    if (vector.model === undefined) return;
    expect(decodedModelDigest(file(vector.file))).toBe(vector.model);
    expect(vector.pixels.length).toBeGreaterThanOrEqual(1);
    for (const [x, y, samples] of vector.pixels) {
      const at = (y * image.width + x) * image.channels;
      expect(Array.from(image.data.subarray(at, at + image.channels)), `pixel ${x},${y}`).toEqual(samples);
    }
  });

  it('the spec example and the zero model decode to the samples the spec gives', () => {
    const example = file('spec-example-2x1-grey.nnimg');
    expect(Array.from(decode(example).data)).toEqual([0, 255]);
    expect(Array.from(decode(example, { width: 4, height: 1 }).data)).toEqual([0, 64, 191, 255]);
    expect(Array.from(decode(example, { width: 1, height: 1 }).data)).toEqual([128]);
    const zero = decode(file('zero-64x48-grey.nnimg'));
    expect(zero.data.every((v) => v === 128)).toBe(true);
  });
});

// Damaged and crafted files every reader must refuse, with the error of spec sections 1.1 and 6.
describe('spec/vectors/negative', () => {
  const folder = join(root, 'spec/vectors/negative');
  const manifest = JSON.parse(readFileSync(join(folder, 'negative.json'), 'utf8')) as { vectors: NegativeVector[] };
  const file = (name: string) => new Uint8Array(readFileSync(join(folder, name)));

  it('lists every file in the folder, covering every error code', () => {
    const present = readdirSync(folder).filter((name) => name.endsWith('.nnimg'));
    expect(manifest.vectors.map((v) => v.file).sort()).toEqual(present.sort());
    expect(new Set(manifest.vectors.map((v) => v.error))).toEqual(new Set(['truncated', 'magic', 'version', 'checksum', 'header', 'payload']));
  });

  it.each(manifest.vectors.map((v) => [v.file, v] as const))('%s', (_name, vector) => {
    expect(errorOf(file(vector.file))).toBe(vector.error);
    // The independent decoder written from the spec refuses it too.
    expect(() => specParse(file(vector.file))).toThrow();
  });
});

describe('model digests (spec section 13)', () => {
  it('the independent decoder reads every vector into the model with the listed digest', () => {
    const folder = join(root, 'spec/vectors');
    const manifest = JSON.parse(readFileSync(join(folder, 'vectors.json'), 'utf8')) as VectorManifest;
    for (const vector of manifest.vectors) {
      const spec = specParse(new Uint8Array(readFileSync(join(folder, vector.file))));
      const digest = modelDigest({
        latentStepIndex: spec.kind === 1 ? -1 : spec.latentStepIndex,
        tensors: spec.layers.flatMap((l) => [l.w, l.b].map((t) => ({ stepExponent: t.e, scaleIndex: t.s, values: t.v }))),
        grids: spec.grids.map((g) => (g.scales && g.coefficients ? { coefficients: g.coefficients, scaleIndices: g.scales, values: g.v } : null)),
      });
      expect(digest, vector.file).toBe(vector.model);
    }
  });
});
