/**
 * Chooses the training kernel once, at start-up: the generated straight-line kernel where the
 * engine allows code generation, else the plain reference. NNIMG_KERNEL=reference forces the
 * reference (for comparisons and debugging).
 */
import { KernelName, selectedKernelName } from '../model/network-kernels.js';
import { DistortionKernel, runDistortionPass } from './distortion-kernel.js';
import { generatedDistortionKernel } from './generated-kernel.js';

export type { KernelName };

export function distortionKernel(widths: readonly number[], name: KernelName = selectedKernelName()): DistortionKernel {
  if (name === 'reference') return runDistortionPass;
  try {
    return generatedDistortionKernel(widths);
  } catch {
    // Code generation refused (e.g. a Content-Security-Policy without unsafe-eval).
    return runDistortionPass;
  }
}
