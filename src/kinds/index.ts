/**
 * The model kinds a file can hold (header field `model`, spec section 2): the latent grids and
 * the coordinate MLP. The one place that tells a decoded model's kind to pick its renderer.
 */
import { SELECTED_KERNEL } from '../kernels/select.js';
import { CoordinateMlpModel, createCoordinateMlpRenderer, isCoordinateMlp } from './coordinate-mlp/model.js';
import { Model } from './latent-grid/model.js';
import { createRenderer } from './latent-grid/render.js';
import type { Renderer } from './renderer.js';

export type { Renderer };

/** A model of either kind, ready to render. */
export type DecodedModel = Model | CoordinateMlpModel;

/** The renderer of a model of either kind at an output size, with the kernels of this process. */
export function modelRenderer(model: DecodedModel, width: number, height: number): Renderer {
  return isCoordinateMlp(model) ? createCoordinateMlpRenderer(model, width, height) : createRenderer(model, width, height, SELECTED_KERNEL);
}
