/**
 * Where the kernels' WebAssembly module comes from, in browsers: embedded in the bundle (esbuild's
 * binary loader), compiled asynchronously by compileKernels(). tools/build-web.mjs puts this
 * file in place of src/kernels/kernels-source.ts, with the same exports.
 */
import moduleBytes from '../../build/kernels.wasm';

export const KERNELS_LOCATION = 'the embedded WebAssembly module';

let compiled: WebAssembly.Module | undefined;

/**
 * Compiles the module ahead of use. Browsers refuse to compile a module this size synchronously
 * on the main thread, so the decoder awaits this before its first render. Rejects where the engine
 * lacks WebAssembly SIMD; the decoder then renders in plain JavaScript.
 */
export async function compileKernels(): Promise<void> {
  compiled ??= await WebAssembly.compile(moduleBytes);
}

/** The compiled module (compiled here, synchronously, if compileKernels has not run: workers allow it). */
export function loadKernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(moduleBytes);
  return compiled;
}
