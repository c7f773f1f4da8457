/**
 * What a model kind (header field `model`, spec section 2) is to a decoder: its payload syntax,
 * the model the payload dequantizes to, that model's renderer, and where the payload's bits go.
 * Each kind defines one (latent-grid/kind.ts, coordinate-mlp/kind.ts), registered in index.ts.
 * Writing a kind's payload is apart, in its encode.ts, so that decoders (the browser's) do not
 * carry it; training a kind sits a layer above, in src/encoder/, whose table has the same names.
 */
import type { ModelKind, NnimgHeader } from '../format/container.js';
import type { QuantizedModel } from '../format/payload.js';
import type { KernelName } from '../kernels/select.js';
import type { ModelBits } from './bits.js';
import type { CoordinateMlpModel, QuantizedCoordinateMlp } from './coordinate-mlp/model.js';
import type { Model } from './latent-grid/model.js';
import type { Renderer } from '../image/raster.js';

/** Each kind's quantized model (what its payload codes) and decoded model (what renders). */
export interface KindModels {
  'latent-grid': { quantized: QuantizedModel; model: Model };
  'coordinate-mlp': { quantized: QuantizedCoordinateMlp; model: CoordinateMlpModel };
}

export type QuantizedOf<K extends ModelKind> = KindModels[K]['quantized'];
export type ModelOf<K extends ModelKind> = KindModels[K]['model'];

/** A payload decoded with a kind's syntax, and the model it describes. */
export interface KindPayload<K extends ModelKind> {
  kind: K;
  quantized: QuantizedOf<K>;
  model: ModelOf<K>;
}

export interface KindDefinition<K extends ModelKind> {
  readonly name: K;
  /**
   * Entropy-decodes a payload with this kind's syntax (`version`: the file's format version).
   * Throws EntropyError on invalid coded data.
   */
  decodePayload(header: NnimgHeader, payload: Uint8Array, version: number): QuantizedOf<K>;
  dequantize(header: NnimgHeader, quantized: QuantizedOf<K>): ModelOf<K>;
  /** The kernels a render runs when `requested` is asked for (undefined: this process's choice). */
  rendererKernel(requested: KernelName | undefined): KernelName;
  /** Renders rows of an output of any size with the given kernels (from rendererKernel). */
  renderer(model: ModelOf<K>, width: number, height: number, kernel: KernelName): Renderer;
  /** Where the payload's bits go, costed under the file's own entropy parameters. */
  bits(header: NnimgHeader, quantized: QuantizedOf<K>, model: ModelOf<K>, version: number): ModelBits;
  /** The step of the latent values; null for a kind without latents. */
  latentStep(quantized: QuantizedOf<K>): number | null;
}
