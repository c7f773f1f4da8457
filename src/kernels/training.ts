/**
 * The training kernels for a network shape: the ones named, by default the ones chosen at start-up
 * for training and decoding alike (selectedKernelName: NNIMG_KERNEL, else the fastest available).
 */
import { GridSize } from '../format/geometry.js';
import { KernelName, selectedKernelName } from './synthesis.js';
import { DistortionKernel, runDistortionPass } from './distortion.js';
import { generatedDistortionKernel } from './distortion-generated.js';
import { LatentKernel, ReferenceLatentKernel } from './latents.js';
import { WasmLatentKernel } from './latents-wasm.js';
import { wasmDistortionKernel } from './distortion-wasm.js';

export type { KernelName };

export function distortionKernel(widths: readonly number[], name: KernelName = selectedKernelName()): DistortionKernel {
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
export function latentKernel(grids: readonly GridSize[], learningRateScale: number, name: KernelName = selectedKernelName()): LatentKernel {
  return name === 'wasm' ? new WasmLatentKernel(grids, learningRateScale) : new ReferenceLatentKernel(grids, learningRateScale);
}
