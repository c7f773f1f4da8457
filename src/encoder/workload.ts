/**
 * A synthetic training workload (random image, latents and weights) for benchmarking the
 * training kernels and testing them against each other; likewise a random model for the decoder.
 */
import { gridSizes } from '../format/geometry.js';
import { axisTaps } from '../synthesis/upsampling.js';
import { Model } from '../kinds/latent-grid/model.js';
import { synthesisShapes } from '../synthesis/network.js';
import { DistortionPass } from '../synthesis/distortion.js';
import { Random } from '../optimizer/random.js';

export interface WorkloadShape {
  width: number;
  height: number;
  channels: number;
  levels: number;
  hidden: number[];
  seed: number;
}

export function syntheticWorkload({ width, height, channels, levels, hidden, seed }: WorkloadShape): DistortionPass {
  const grids = gridSizes(width, height, levels);
  const gridOffsets = new Int32Array(levels + 1);
  grids.forEach((g, l) => (gridOffsets[l + 1] = gridOffsets[l] + g.width * g.height));
  const random = new Random(seed);
  const values = (n: number, spread: number) => Float32Array.from({ length: n }, () => spread * random.normal());
  const shapes = synthesisShapes(levels, hidden, channels);
  const weightCount = shapes.reduce((n, s) => n + s.inputs * s.outputs, 0);
  const biasCount = shapes.reduce((n, s) => n + s.outputs, 0);
  return {
    width,
    height,
    channels,
    target: Float32Array.from({ length: width * height * channels }, () => random.next()),
    widths: Int32Array.from([levels, ...hidden, channels]),
    latents: values(gridOffsets[levels], 2),
    latentGrad: new Float64Array(gridOffsets[levels]),
    gridOffsets,
    gridWidths: Int32Array.from(grids, (g) => g.width),
    columnTaps: grids.map((g) => axisTaps(width, g.width)),
    rowTaps: grids.map((g) => axisTaps(height, g.height)),
    weights: values(weightCount, 0.5),
    biases: values(biasCount, 0.2),
    weightGrad: new Float64Array(weightCount),
    biasGrad: new Float64Array(biasCount),
    rows: Int32Array.from({ length: height }, (_, y) => y),
  };
}

/** A random model; a fifth of the weights are zero, the rest spread as `weightSpread`. */
export function syntheticModel({ width, height, channels, levels, hidden, seed }: WorkloadShape, weightSpread: number): Model {
  const random = new Random(seed);
  const grids = gridSizes(width, height, levels);
  return {
    kind: 'latent-grid',
    width,
    height,
    channels,
    grids,
    latents: grids.map((g) => Float32Array.from({ length: g.width * g.height }, () => 2 * random.normal())),
    layers: synthesisShapes(levels, hidden, channels).map((shape) => ({
      shape,
      weights: Float32Array.from({ length: shape.inputs * shape.outputs }, () => (random.next() < 0.2 ? 0 : weightSpread * random.normal())),
      biases: Float32Array.from({ length: shape.outputs }, () => weightSpread * random.normal()),
    })),
  };
}
