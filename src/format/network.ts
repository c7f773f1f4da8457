/** The synthesis network: a per-pixel MLP from the sampled latent values to the pixel's channels. */

export interface LayerShape {
  readonly inputs: number;
  readonly outputs: number;
}

/** Layer shapes for latent inputs -> hidden widths (ReLU) -> channels (linear, + 0.5 offset). */
export function layerShapes(levels: number, hidden: readonly number[], channels: number): LayerShape[] {
  const widths = [levels, ...hidden, channels];
  const shapes: LayerShape[] = [];
  for (let i = 0; i + 1 < widths.length; i++) shapes.push({ inputs: widths[i], outputs: widths[i + 1] });
  return shapes;
}

export interface Layer {
  readonly shape: LayerShape;
  /** outputs x inputs, row-major. */
  readonly weights: Float32Array;
  readonly biases: Float32Array;
}

/**
 * Hidden activations are clamped to at most this (spec section 8): no valid encoder comes near it,
 * and with it no crafted file can overflow binary32 to an infinity, so no NaN can arise either.
 */
export const MAX_ACTIVATION = 2 ** 64;

/** The network's output is offset by 1/2 so that an all-zero network paints mid-grey. */
export const OUTPUT_OFFSET = 0.5;

export function multiplyAddsPerPixel(shapes: readonly LayerShape[]): number {
  return shapes.reduce((sum, s) => sum + s.inputs * s.outputs, 0);
}

/** Weights and biases of the layers. */
export function parameterCount(shapes: readonly LayerShape[]): number {
  return shapes.reduce((n, s) => n + (s.inputs + 1) * s.outputs, 0);
}
