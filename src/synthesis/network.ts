/**
 * The synthesis network of latent-grid files (spec section 8): a per-pixel MLP from the latent
 * values sampled at the pixel (upsampling.ts), one per level, through ReLU hidden layers to the
 * pixel's channels (linear, + OUTPUT_OFFSET). Training (distortion*.ts) and decoding (forward.ts,
 * render*.ts) evaluate this one definition.
 */
import { GridSize } from '../format/geometry.js';
import { LayerShape, layerShapes } from '../format/layers.js';
import type { Random } from '../optimizer/random.js';

/** Layer shapes for latent inputs -> hidden widths (ReLU) -> channels (linear, + 0.5 offset). */
export function synthesisShapes(levels: number, hidden: readonly number[], channels: number): LayerShape[] {
  return layerShapes(levels, hidden, channels);
}

/**
 * The weights training starts from, all layers' one layer after another (outputs x inputs,
 * row-major, as the training pass reads them): He initialisation, damped on the output layer so
 * training starts near mid-grey. The biases start at zero.
 */
export function initialWeights(shapes: readonly LayerShape[], random: Random): Float32Array {
  const weights = new Float32Array(shapes.reduce((n, s) => n + s.inputs * s.outputs, 0));
  let w = 0;
  shapes.forEach((s, k) => {
    const spread = Math.sqrt(2 / s.inputs) * (k === shapes.length - 1 ? 0.1 : 0.5);
    for (let i = 0; i < s.inputs * s.outputs; i++) weights[w++] = spread * random.normal();
  });
  return weights;
}

export interface Layer {
  readonly shape: LayerShape;
  /** outputs x inputs, row-major. */
  readonly weights: Float32Array;
  readonly biases: Float32Array;
}

/** What the synthesis renders from: the decoded latent grids and the network's layers. */
export interface SynthesisModel {
  readonly channels: number;
  readonly grids: readonly GridSize[];
  /** latents[level], row-major, grids[level].width x grids[level].height. */
  readonly latents: readonly Float32Array[];
  readonly layers: readonly Layer[];
}

/**
 * Hidden activations are clamped to at most this (spec section 8): no valid encoder comes near it,
 * and with it no crafted file can overflow binary32 to an infinity, so no NaN can arise either.
 */
export const MAX_ACTIVATION = 2 ** 64;

/** The network's output is offset by 1/2 so that an all-zero network paints mid-grey. */
export const OUTPUT_OFFSET = 0.5;
