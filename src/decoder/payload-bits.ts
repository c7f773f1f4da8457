/** Where a file's bits go, costed under its own entropy parameters (what `nnimg info` shows). */
import { multiplyAddsPerPixel, parameterCount } from '../format/layers.js';
import { LayerBits, LevelBits, latentStepOf, modelBits } from '../kinds/index.js';
import type { ParsedFile } from './decode.js';

export type { LayerBits, LevelBits };

export interface PayloadBits {
  /** payloadBytes * 8: what the file actually spends. */
  stored: number;
  /** Sum of the parts below, from the entropy model; the range coder adds a few bits. */
  estimated: number;
  latentStep: number;
  weights: number;
  latents: number;
  layers: LayerBits[];
  levels: LevelBits[];
}

/** Where a parsed file's payload bits go, costed under its own entropy parameters. */
export function payloadBits(file: ParsedFile): PayloadBits {
  const { latentStep, layers, levels } = modelBits(file);
  const weights = layers.reduce((n, l) => n + l.sideBits + l.weightBits + l.biasBits, 0);
  const latents = levels.reduce((n, l) => n + l.sideBits + l.valueBits, 0);
  return {
    stored: file.payloadBytes * 8,
    estimated: latentStep + weights + latents,
    latentStep,
    weights,
    latents,
    layers,
    levels,
  };
}

/** The model a parsed file holds, as `nnimg info` and an EncodeResult describe it. */
export function modelSummary(parsed: ParsedFile) {
  const { header, model } = parsed;
  const shapes = model.layers.map((l) => l.shape);
  return {
    kind: header.model,
    levels: header.levels,
    hidden: header.hidden,
    multiplyAddsPerPixel: multiplyAddsPerPixel(shapes),
    parameterCount: parameterCount(shapes),
    latentStep: latentStepOf(parsed),
  };
}
