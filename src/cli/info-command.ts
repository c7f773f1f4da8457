/** `nnimg info IN [--json]`: what a .nnimg file holds and where its bytes go. */
import { modelSummary, payloadBits } from '../api/decode.js';
import { maxPixelsSetting, parseNnimgFile } from './decode-command.js';
import { Streams, channelName, readInputFile } from './output.js';

export interface InfoFlags {
  json?: boolean;
  maxPixels?: string;
}

export async function runInfo(input: string, flags: InfoFlags, streams: Streams): Promise<void> {
  const maxPixels = maxPixelsSetting(flags.maxPixels, 'info');
  const bytes = await readInputFile(input);
  const parsed = parseNnimgFile(input, bytes, maxPixels);
  const { header, payloadBytes, overheadBytes } = parsed;
  const bits = payloadBits(parsed);
  const summary = {
    file: input,
    formatVersion: bytes[4],
    width: header.width,
    height: header.height,
    channels: header.channels,
    model: modelSummary(parsed),
    bytes: { file: bytes.length, overhead: overheadBytes, payload: payloadBytes },
    bitsPerPixel: (bytes.length * 8) / (header.width * header.height),
    payloadBits: bits,
  };
  if (flags.json) {
    streams.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }

  // What to print follows from the file's content (latent levels or none), not from its kind's name.
  const hasLatents = bits.levels.length > 0;
  const pct = (n: number) => `${((100 * n) / Math.max(1, bits.estimated)).toFixed(1).padStart(5)}%`;
  const num = (n: number, width: number) => Math.round(n).toString().padStart(width);
  const lines = [
    `${input}`,
    `  format      nnimg version ${summary.formatVersion}`,
    `  image       ${header.width}x${header.height}, ${channelName(header.channels)} (${header.channels} channel${header.channels === 1 ? '' : 's'})`,
    hasLatents
      ? `  model       ${header.model}: ${header.levels} latent levels, hidden widths [${header.hidden.join(', ')}]`
      : `  model       ${header.model}: inputs x, y; sigmoid hidden widths [${header.hidden.join(', ')}]`,
    `              ${summary.model.multiplyAddsPerPixel} multiply-adds per pixel, ${summary.model.parameterCount} network parameters`,
    `  file        ${bytes.length} bytes (${summary.bitsPerPixel.toFixed(4)} bits/pixel)`,
    `              ${overheadBytes} container overhead (magic, version, header, CRC-32) + ${payloadBytes} payload`,
    `  payload     ${bits.stored} bits stored; the entropy model accounts for ${Math.round(bits.estimated)}:`,
    ...(hasLatents ? [`    latent step        ${num(bits.latentStep, 8)} bits ${pct(bits.latentStep)}`] : []),
    `    network weights    ${num(bits.weights, 8)} bits ${pct(bits.weights)}`,
    ...bits.layers.map(
      (l, k) => `      layer ${k + 1} ${`${l.inputs}->${l.outputs}`.padEnd(9)}  ${num(l.sideBits + l.weightBits + l.biasBits, 8)} bits ${pct(l.sideBits + l.weightBits + l.biasBits)}`,
    ),
    ...(hasLatents ? [`    latent grids       ${num(bits.latents, 8)} bits ${pct(bits.latents)}`] : []),
    ...bits.levels.map((l) => {
      const cells = l.width * l.height;
      const detail = l.used ? `${l.nonZero}/${cells} non-zero` : 'unused (all zero)';
      return `      level ${l.level} ${`${l.width}x${l.height}`.padEnd(9)}  ${num(l.sideBits + l.valueBits, 8)} bits ${pct(l.sideBits + l.valueBits)}  ${detail}`;
    }),
    '',
  ];
  streams.stdout.write(lines.join('\n'));
}
