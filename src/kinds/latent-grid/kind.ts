/** The latent-grid model kind (spec sections 6-9): latent grids at several scales and a synthesis network. */
import { LATENT_STEP_BITS, decodePayload, gridSideBits, gridValueBits } from '../../format/payload.js';
import { selectedKernel } from '../../kernels/select.js';
import { WasmLatentDecoder } from '../../kernels/latent-decode-wasm.js';
import { layerBits } from '../bits.js';
import type { KindDefinition } from '../kind.js';
import { dequantize, latentStep, modelShapes } from './model.js';
import { createRenderer } from '../../synthesis/render.js';

export const latentGrid: KindDefinition<'latent-grid'> = {
  name: 'latent-grid',
  decodePayload(header, payload, version) {
    const { grids, shapes } = modelShapes(header);
    const wasm = selectedKernel() === 'wasm' ? (data: Uint8Array, largestGrid: number) => new WasmLatentDecoder(data, largestGrid) : undefined;
    return decodePayload(payload, shapes, grids, version, wasm);
  },
  dequantize,
  rendererKernel: (requested) => requested ?? selectedKernel(),
  renderer: createRenderer,
  bits(header, quantized, model, version) {
    const levels = quantized.grids.map((grid, level) => {
      const size = model.grids[level];
      let nonZero = 0;
      for (const v of grid.values) if (v !== 0) nonZero++;
      return {
        level,
        width: size.width,
        height: size.height,
        used: grid.scaleIndices !== null,
        nonZero,
        sideBits: gridSideBits(grid, version),
        valueBits: gridValueBits(grid, size),
      };
    });
    return { latentStep: LATENT_STEP_BITS, layers: layerBits(quantized.layers), levels };
  },
  latentStep: (quantized) => latentStep(quantized.latentStepIndex),
};
