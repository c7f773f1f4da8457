/** Writing a latent-grid model's payload (spec section 6), for the grids of its header. */
import { NnimgHeader } from '../../format/container.js';
import { gridSizes } from '../../format/geometry.js';
import { QuantizedModel, encodePayload } from '../../format/payload.js';

export function encodeLatentGridPayload(header: NnimgHeader, model: QuantizedModel): Uint8Array {
  return encodePayload(model, gridSizes(header.width, header.height, header.levels));
}
