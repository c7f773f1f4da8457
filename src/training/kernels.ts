/**
 * The training kernel for a network shape: the one named, by default the one chosen at start-up
 * for training and decoding alike (selectedKernelName: NNIMG_KERNEL, else the fastest available).
 */
import { KernelName, selectedKernelName } from '../model/network-kernels.js';
import { DistortionKernel, runDistortionPass } from './distortion-kernel.js';
import { generatedDistortionKernel } from './generated-kernel.js';
import { wasmDistortionKernel } from './wasm-kernel.js';

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
