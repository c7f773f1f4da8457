/** The WebAssembly kernels' entry points (built into build/kernels.wasm). */
export { distortionPass } from './distortion';
export { latentAdam, latentProxy, latentRate } from './latents';
export { largestMagnitude, renderRows } from './synthesis';
export { pngFilterRows } from './png-filter';
export { decodeLatents } from './latent-decode';

/** The first byte of linear memory free for the host's arrays. */
export function heapBase(): usize {
  return __heap_base;
}
