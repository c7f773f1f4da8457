/**
 * The trainer's latent kernel by name (select.ts chooses the name, once). The synthesis's
 * training kernel is chosen likewise, in src/synthesis/distortion-kernel.ts.
 */
import { GridSize } from '../format/geometry.js';
import { KernelName } from './select.js';
import { LatentKernel, ReferenceLatentKernel } from './latents.js';
import { WasmLatentKernel } from './latents-wasm.js';

/** The per-latent work (proxy, rate, Adam); the generated kernel concerns the network only, so uses the reference here. */
export function latentKernel(grids: readonly GridSize[], learningRateScale: number, name: KernelName): LatentKernel {
  return name === 'wasm' ? new WasmLatentKernel(grids, learningRateScale) : new ReferenceLatentKernel(grids, learningRateScale);
}
