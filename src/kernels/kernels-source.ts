/**
 * Where the kernels' WebAssembly module comes from, under Node: build/kernels.wasm, read from
 * disk. The path is relative to this file, which sits two folders below the package root both as
 * src/kernels/ (tests, tsx) and as dist/kernels/ (the built package). The browser bundle replaces this
 * file with src/web/kernels-source.ts (the module embedded), see tools/build-web.mjs.
 */
import { readFileSync } from 'node:fs';

const MODULE_URL = new URL('../../build/kernels.wasm', import.meta.url);

/** Where the module is loaded from, for error messages. */
export const KERNELS_LOCATION = MODULE_URL.pathname;

/** Compiles the module; throws where the file is missing or the engine lacks WebAssembly SIMD. */
export function loadKernelModule(): WebAssembly.Module {
  return new WebAssembly.Module(readFileSync(MODULE_URL));
}
