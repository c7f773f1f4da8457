/**
 * The one place that chooses the kernels, training and decoding alike, once, when the module
 * loads: NNIMG_KERNEL=reference|generated|wasm, by default wasm. Where the chosen one is
 * unavailable (no WebAssembly SIMD or no built module; no code generation) the next one is used:
 * wasm, then generated, then reference. Every other module takes the name as a parameter.
 */
import { kernelModule } from './wasm-module.js';

export type KernelName = 'reference' | 'generated' | 'wasm';

/** Whether the engine allows `new Function` (a Content-Security-Policy may forbid it). */
function codeGenerationAllowed(): boolean {
  try {
    new Function('');
    return true;
  } catch {
    return false;
  }
}

/** The kernels to use when `requested` (NNIMG_KERNEL's value) is asked for, on this engine. */
export function availableKernel(requested: string | undefined): KernelName {
  if (requested === 'reference') return 'reference';
  if (requested !== 'generated' && kernelModule()) return 'wasm';
  return codeGenerationAllowed() ? 'generated' : 'reference';
}

let selected: KernelName | undefined;

/**
 * The kernels of this process, chosen at the first call and kept. Not at module load: a browser
 * compiles the WebAssembly module asynchronously first (src/web/decoder.ts ready()).
 */
export function selectedKernel(): KernelName {
  selected ??= availableKernel(globalThis.process?.env.NNIMG_KERNEL); // no process in browsers
  return selected;
}
