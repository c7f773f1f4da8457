/**
 * The model kinds a file can hold (header field `model`, spec section 2): the latent grids and
 * the coordinate MLP. The one place on the decoding side that tells the kinds apart: which
 * payload syntax a header's kind reads, and which renderer a decoded model takes.
 */
import { NnimgHeader } from '../format/container.js';
import { QuantizedModel, decodePayload } from '../format/payload.js';
import { selectedKernel } from '../kernels/select.js';
import {
  CoordinateMlpModel,
  QuantizedCoordinateMlp,
  coordinateMlpShapes,
  createCoordinateMlpRenderer,
  decodeCoordinateMlpPayload,
  dequantizeCoordinateMlp,
  isCoordinateMlp,
} from './coordinate-mlp/model.js';
import { Model, dequantize, modelShapes } from './latent-grid/model.js';
import { createRenderer } from './latent-grid/render.js';
import type { Renderer } from './renderer.js';

export type { Renderer };

/** A model of either kind, ready to render. */
export type DecodedModel = Model | CoordinateMlpModel;

/** A payload decoded as its kind's syntax, and the model it describes. */
export type DecodedPayload =
  | { kind: 'latent-grid'; quantized: QuantizedModel; model: Model }
  | { kind: 'coordinate-mlp'; quantized: QuantizedCoordinateMlp; model: CoordinateMlpModel };

/**
 * Entropy-decodes a payload with the syntax of the header's kind (`version`: the file's format
 * version) and dequantizes it. Throws PayloadError or EntropyError on invalid coded data.
 */
export function decodeModel(header: NnimgHeader, payload: Uint8Array, version: number): DecodedPayload {
  if (header.model === 'coordinate-mlp') {
    const quantized = decodeCoordinateMlpPayload(payload, coordinateMlpShapes(header.hidden, header.channels));
    return { kind: 'coordinate-mlp', quantized, model: dequantizeCoordinateMlp(header, quantized) };
  }
  const { grids, shapes } = modelShapes(header);
  const quantized = decodePayload(payload, shapes, grids, version);
  return { kind: 'latent-grid', quantized, model: dequantize(header, quantized) };
}

/** The renderer of a model of either kind at an output size, with the kernels of this process. */
export function modelRenderer(model: DecodedModel, width: number, height: number): Renderer {
  return isCoordinateMlp(model) ? createCoordinateMlpRenderer(model, width, height) : createRenderer(model, width, height, selectedKernel());
}
