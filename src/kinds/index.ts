/**
 * The model kinds a file can hold (header field `model`, spec section 2), registered in one table:
 * decoding reaches a kind's payload syntax, model, renderer and bit accounting only through it.
 * A new kind is a folder with its definition (kind.ts), an entry in KindModels and one here.
 */
import type { ModelKind, NnimgHeader } from '../format/container.js';
import type { KernelName } from '../kernels/select.js';
import type { ModelBits } from './bits.js';
import { coordinateMlp } from './coordinate-mlp/kind.js';
import type { KindDefinition, KindModels, KindPayload, ModelOf, QuantizedOf } from './kind.js';
import { latentGrid } from './latent-grid/kind.js';
import type { Renderer } from '../image/raster.js';

export type { KindDefinition, KindModels, KindPayload, ModelOf, QuantizedOf, Renderer };
export type { LayerBits, LevelBits, ModelBits } from './bits.js';

/** Every kind of MODEL_KINDS, by name (the type makes a missing one a compile error). */
export const KINDS: { readonly [K in ModelKind]: KindDefinition<K> } = {
  'latent-grid': latentGrid,
  'coordinate-mlp': coordinateMlp,
};

/** A model of any kind, ready to render; its `kind` names its definition. */
export type DecodedModel = ModelOf<ModelKind>;

/** A payload decoded as its kind's syntax, and the model it describes. */
export type DecodedPayload = { [K in ModelKind]: KindPayload<K> }[ModelKind];

/** A decoded file's parts that its kind's bit accounting reads. */
export interface KindFile<K extends ModelKind> extends KindPayload<K> {
  header: NnimgHeader;
  /** The file's format version. */
  version: number;
}

/**
 * Entropy-decodes a payload with the syntax of the header's kind (`version`: the file's format
 * version) and dequantizes it. Throws EntropyError on invalid coded data.
 */
export function decodeModel(header: NnimgHeader, payload: Uint8Array, version: number): DecodedPayload {
  return decodeAs(header.model, header, payload, version);
}

function decodeAs<K extends ModelKind>(kind: K, header: NnimgHeader, payload: Uint8Array, version: number): { [P in K]: KindPayload<P> }[K] {
  const definition = KINDS[kind];
  const quantized = definition.decodePayload(header, payload, version);
  return { kind, quantized, model: definition.dequantize(header, quantized) };
}

/** The kernels a model's renderer runs when `requested` is asked for (default: this process's). */
export function rendererKernel<K extends ModelKind>(model: ModelOf<K> & { readonly kind: K }, requested?: KernelName): KernelName {
  const kind: K = model.kind;
  return KINDS[kind].rendererKernel(requested);
}

/** The renderer of a model of any kind at an output size, with the kernels rendererKernel picks. */
export function modelRenderer<K extends ModelKind>(model: ModelOf<K> & { readonly kind: K }, width: number, height: number, requested?: KernelName): Renderer {
  const kind: K = model.kind;
  const definition = KINDS[kind];
  return definition.renderer(model, width, height, definition.rendererKernel(requested));
}

/** Where a decoded file's payload bits go, by its kind. */
export function modelBits<K extends ModelKind>(file: KindFile<K>): ModelBits {
  return KINDS[file.kind].bits(file.header, file.quantized, file.model, file.version);
}

/** The step of a decoded file's latent values; null for a kind without latents. */
export function latentStepOf<K extends ModelKind>(file: KindPayload<K>): number | null {
  return KINDS[file.kind].latentStep(file.quantized);
}
