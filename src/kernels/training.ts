/**
 * The training kernels for a network shape, by name (select.ts chooses the name, once).
 */
import { GridSize } from '../format/geometry.js';
import { KernelName } from './select.js';
import { DistortionKernel, runDistortionPass } from './distortion.js';
import { generatedDistortionKernel } from './distortion-generated.js';
import { LatentKernel, ReferenceLatentKernel } from './latents.js';
import { WasmLatentKernel } from './latents-wasm.js';
import { wasmDistortionKernel } from './distortion-wasm.js';

export type { KernelName };

export function distortionKernel(widths: readonly number[], name: KernelName): DistortionKernel {
  switch (name) {
    case 'reference':
      return runDistortionPass;
    case 'generated':
      return generatedDistortionKernel(widths);
    case 'wasm':
      return wasmDistortionKernel();
  }
}

/** The per-latent work (proxy, rate, Adam); the generated kernel concerns the network only, so uses the reference here. */
export function latentKernel(grids: readonly GridSize[], learningRateScale: number, name: KernelName): LatentKernel {
  return name === 'wasm' ? new WasmLatentKernel(grids, learningRateScale) : new ReferenceLatentKernel(grids, learningRateScale);
}
