/** The synthesis's training kernel for a network shape, by name (src/kernels/select.ts chooses the name, once). */
import { KernelName } from '../kernels/select.js';
import { DistortionKernel, runDistortionPass } from './distortion.js';
import { generatedDistortionKernel } from './distortion-generated.js';
import { wasmDistortionKernel } from './distortion-wasm.js';

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
