/**
 * The shape of spec/vectors/vectors.json and negative.json, and the model digest of spec section
 * 13, shared by the vector writer (bench/make-vectors.ts) and the vector test. No code from src/:
 * the digest is defined on plain integers, so any decoder can compute it.
 */
import { createHash } from 'node:crypto';

export interface VectorEntry {
  file: string;
  /** Output size decoded. */
  width: number;
  height: number;
  channels: number;
  /** SHA-256 (hex) of the decoded samples: 8-bit, channels interleaved, rows top to bottom. */
  sha256: string;
  /** SHA-256 (hex) of the decoded quantized model (modelDigest): the same for every size of a file. */
  model: string;
  /** A few decoded pixels: [x, y, [sample per channel]]. */
  pixels: [number, number, number[]][];
  note: string;
}

export interface VectorManifest {
  format: string;
  version: number;
  vectors: VectorEntry[];
}

/** A damaged or crafted file and the error (spec section 1.1 and 6) a reader must report. */
export interface NegativeVector {
  file: string;
  error: 'truncated' | 'magic' | 'version' | 'checksum' | 'header' | 'payload';
  note: string;
}

/** A decoded model as plain integers, in payload order (spec sections 6 and 14). */
export interface DigestModel {
  /** -1 for a coordinate MLP (kind 1), which has none. */
  latentStepIndex: number;
  /** Every tensor in payload order: layer 0 weights, layer 0 biases, layer 1 weights, ... */
  tensors: { stepExponent: number; scaleIndex: number; values: ArrayLike<number> }[];
  /** Latent grids, level 0 (finest) first; null for an unused grid. */
  grids: ({ coefficients: readonly number[]; scaleIndices: readonly number[]; values: ArrayLike<number> } | null)[];
}

/**
 * Spec section 13: SHA-256 of the model written as signed 32-bit little-endian integers:
 * the latent step index; per tensor its step exponent, scale index, value count and values; per
 * grid, finest first, 0 if unused, else 1, its 4 coefficients, its 6 scale indices, its values.
 */
export function modelDigest(model: DigestModel): string {
  const numbers: number[] = [model.latentStepIndex];
  // Element by element: spreading a grid of a large file into push() overflows the call stack.
  const append = (values: ArrayLike<number>) => {
    for (let i = 0; i < values.length; i++) numbers.push(values[i]);
  };
  for (const t of model.tensors) {
    numbers.push(t.stepExponent, t.scaleIndex, t.values.length);
    append(t.values);
  }
  for (const g of model.grids) {
    numbers.push(g ? 1 : 0);
    if (!g) continue;
    append(g.coefficients);
    append(g.scaleIndices);
    append(g.values);
  }
  const bytes = new Uint8Array(4 * numbers.length);
  const view = new DataView(bytes.buffer);
  numbers.forEach((n, i) => view.setInt32(4 * i, n, true));
  return createHash('sha256').update(bytes).digest('hex');
}
