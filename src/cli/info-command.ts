/** `nnimg info IN [--json]`: what a .nnimg file holds and where its bytes go. */
import {
  LATENT_STEP_BITS,
  QuantizedModel,
  QuantizedTensor,
  STEP_EXPONENT_BITS,
  gridSideBits,
  gridValueBits,
  tensorValueBits,
} from '../format/payload.js';
import { SCALE_INDEX_BITS } from '../entropy/laplace.js';
import { GridSize } from '../format/geometry.js';
import { latentStep } from '../kinds/latent-grid/model.js';
import { QuantizedCoordinateMlp } from '../kinds/coordinate-mlp/model.js';
import { multiplyAddsPerPixel } from '../format/network.js';
import { maxPixelsSetting, parseNnimgFile } from './decode-command.js';
import { Streams, channelName, readInputFile } from './output.js';

export interface InfoFlags {
  json?: boolean;
  maxPixels?: string;
}

export interface LayerBits {
  inputs: number;
  outputs: number;
  /** Step exponent and scale index fields of the weight and bias tensors. */
  sideBits: number;
  weightBits: number;
  biasBits: number;
}

export interface LevelBits {
  level: number;
  width: number;
  height: number;
  used: boolean;
  nonZero: number;
  /** The used flag, the prediction coefficients and the per-context scale indices. */
  sideBits: number;
  valueBits: number;
}

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

function tensorBits(tensor: QuantizedTensor): number {
  return tensorValueBits(tensor.values, tensor.scaleIndex);
}

/** Where the payload bits go, costed under the file's own entropy parameters. */
export function payloadBits(quantized: QuantizedModel | QuantizedCoordinateMlp, grids: readonly GridSize[], payloadBytes: number, version: number): PayloadBits {
  // A coordinate MLP has no latent step and no grids.
  const latentGrids = 'grids' in quantized ? quantized.grids : [];
  const latentStepBits = 'grids' in quantized ? LATENT_STEP_BITS : 0;
  const layers = quantized.layers.map((layer) => ({
    inputs: layer.weights.values.length / layer.biases.values.length,
    outputs: layer.biases.values.length,
    sideBits: 2 * (STEP_EXPONENT_BITS + SCALE_INDEX_BITS),
    weightBits: tensorBits(layer.weights),
    biasBits: tensorBits(layer.biases),
  }));
  const levels = latentGrids.map((grid, level) => {
    const size = grids[level];
    let nonZero = 0;
    for (const v of grid.values) if (v !== 0) nonZero++;
    const used = grid.scaleIndices !== null;
    return {
      level,
      width: size.width,
      height: size.height,
      used,
      nonZero,
      sideBits: gridSideBits(grid, version),
      valueBits: gridValueBits(grid, size),
    };
  });
  const weights = layers.reduce((n, l) => n + l.sideBits + l.weightBits + l.biasBits, 0);
  const latents = levels.reduce((n, l) => n + l.sideBits + l.valueBits, 0);
  return {
    stored: payloadBytes * 8,
    estimated: latentStepBits + weights + latents,
    latentStep: latentStepBits,
    weights,
    latents,
    layers,
    levels,
  };
}

export async function runInfo(input: string, flags: InfoFlags, streams: Streams): Promise<void> {
  const maxPixels = maxPixelsSetting(flags.maxPixels, 'info');
  const bytes = await readInputFile(input);
  const parsed = parseNnimgFile(input, bytes, maxPixels);
  const { header, quantized, model, payloadBytes, overheadBytes } = parsed;
  const shapes = model.layers.map((l) => l.shape);
  const grids = parsed.kind === 'latent-grid' ? parsed.model.grids : [];
  const bits = payloadBits(quantized, grids, payloadBytes, parsed.version);
  const summary = {
    file: input,
    formatVersion: bytes[4],
    width: header.width,
    height: header.height,
    channels: header.channels,
    model: {
      kind: header.model,
      levels: header.levels,
      hidden: header.hidden,
      multiplyAddsPerPixel: multiplyAddsPerPixel(shapes),
      parameterCount: shapes.reduce((n, s) => n + (s.inputs + 1) * s.outputs, 0),
      latentStep: parsed.kind === 'latent-grid' ? latentStep(parsed.quantized.latentStepIndex) : null,
    },
    bytes: { file: bytes.length, overhead: overheadBytes, payload: payloadBytes },
    bitsPerPixel: (bytes.length * 8) / (header.width * header.height),
    payloadBits: bits,
  };
  if (flags.json) {
    streams.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }

  const pct = (n: number) => `${((100 * n) / Math.max(1, bits.estimated)).toFixed(1).padStart(5)}%`;
  const num = (n: number, width: number) => Math.round(n).toString().padStart(width);
  const lines = [
    `${input}`,
    `  format      nnimg version ${summary.formatVersion}`,
    `  image       ${header.width}x${header.height}, ${channelName(header.channels)} (${header.channels} channel${header.channels === 1 ? '' : 's'})`,
    parsed.kind === 'latent-grid'
      ? `  model       ${header.model}: ${header.levels} latent levels, hidden widths [${header.hidden.join(', ')}]`
      : `  model       ${header.model}: inputs x, y; sigmoid hidden widths [${header.hidden.join(', ')}]`,
    `              ${summary.model.multiplyAddsPerPixel} multiply-adds per pixel, ${summary.model.parameterCount} network parameters`,
    `  file        ${bytes.length} bytes (${summary.bitsPerPixel.toFixed(4)} bits/pixel)`,
    `              ${overheadBytes} container overhead (magic, version, header, CRC-32) + ${payloadBytes} payload`,
    `  payload     ${bits.stored} bits stored; the entropy model accounts for ${Math.round(bits.estimated)}:`,
    ...(parsed.kind === 'latent-grid' ? [`    latent step        ${num(bits.latentStep, 8)} bits ${pct(bits.latentStep)}`] : []),
    `    network weights    ${num(bits.weights, 8)} bits ${pct(bits.weights)}`,
    ...bits.layers.map(
      (l, k) => `      layer ${k + 1} ${`${l.inputs}->${l.outputs}`.padEnd(9)}  ${num(l.sideBits + l.weightBits + l.biasBits, 8)} bits ${pct(l.sideBits + l.weightBits + l.biasBits)}`,
    ),
    ...(parsed.kind === 'latent-grid' ? [`    latent grids       ${num(bits.latents, 8)} bits ${pct(bits.latents)}`] : []),
    ...bits.levels.map((l) => {
      const cells = l.width * l.height;
      const detail = l.used ? `${l.nonZero}/${cells} non-zero` : 'unused (all zero)';
      return `      level ${l.level} ${`${l.width}x${l.height}`.padEnd(9)}  ${num(l.sideBits + l.valueBits, 8)} bits ${pct(l.sideBits + l.valueBits)}  ${detail}`;
    }),
    '',
  ];
  streams.stdout.write(lines.join('\n'));
}
