/**
 * The shapes of a model's fully connected layers, as the payload codes their tensors (spec
 * sections 6 and 14): each layer's weights (outputs x inputs), then its biases (outputs). Both
 * kinds' networks are such chains; what the latent-grid kind's network is lives in
 * src/synthesis/network.ts, the coordinate MLP's in src/kinds/coordinate-mlp/.
 */

export interface LayerShape {
  readonly inputs: number;
  readonly outputs: number;
}

/** The layers of a chain inputs -> hidden widths... -> outputs. */
export function layerShapes(inputs: number, hidden: readonly number[], outputs: number): LayerShape[] {
  const widths = [inputs, ...hidden, outputs];
  const shapes: LayerShape[] = [];
  for (let i = 0; i + 1 < widths.length; i++) shapes.push({ inputs: widths[i], outputs: widths[i + 1] });
  return shapes;
}

export function multiplyAddsPerPixel(shapes: readonly LayerShape[]): number {
  return shapes.reduce((sum, s) => sum + s.inputs * s.outputs, 0);
}

/** Weights and biases of the layers. */
export function parameterCount(shapes: readonly LayerShape[]): number {
  return shapes.reduce((n, s) => n + (s.inputs + 1) * s.outputs, 0);
}
