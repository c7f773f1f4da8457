/**
 * Chooses the training kernel once, at start-up: the generated straight-line kernel where the
 * engine allows code generation, else the plain reference. NNIMG_KERNEL=reference forces the
 * reference (for comparisons and debugging).
 */
import { DistortionKernel, runDistortionPass } from './distortion-kernel.js';
import { generatedDistortionKernel } from './generated-kernel.js';

export type KernelName = 'generated' | 'reference';

export function selectedKernelName(): KernelName {
  return process.env.NNIMG_KERNEL === 'reference' ? 'reference' : 'generated';
}

export function distortionKernel(widths: readonly number[], name: KernelName = selectedKernelName()): DistortionKernel {
  if (name === 'reference') return runDistortionPass;
  try {
    return generatedDistortionKernel(widths);
  } catch {
    // Code generation refused (e.g. a Content-Security-Policy without unsafe-eval).
    return runDistortionPass;
  }
}
