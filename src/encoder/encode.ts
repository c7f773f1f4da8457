/**
 * The encoder's entry: each model kind's encoder, registered under the kind's name (the same
 * names as the decoding side's table, src/kinds/index.ts; training sits above that layer).
 */
import { MODEL_KINDS, ModelKind } from '../format/container.js';
import { RasterImage } from '../image/io.js';
import { encodeCoordinateMlp } from './coordinate-mlp.js';
import { encodeLatentGrid } from './latent-grid.js';
import { EncodeOptions, EncodeResult } from './types.js';

export type KindEncoder = (image: RasterImage, options: EncodeOptions) => Promise<EncodeResult>;

/** Every kind of MODEL_KINDS, by name (the type makes a missing one a compile error). */
export const ENCODERS: { readonly [K in ModelKind]: KindEncoder } = {
  'latent-grid': encodeLatentGrid,
  'coordinate-mlp': encodeCoordinateMlp,
};

export async function encode(image: RasterImage, options: EncodeOptions = {}): Promise<EncodeResult> {
  if (options.bytes !== undefined && options.quality !== undefined) throw new RangeError('give either bytes or quality, not both');
  const kind = options.model ?? 'latent-grid';
  if (!MODEL_KINDS.includes(kind)) throw new RangeError(`unknown model kind ${String(kind)}`);
  return ENCODERS[kind](image, options);
}
