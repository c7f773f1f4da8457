/**
 * Loads build/kernels.wasm, the WebAssembly SIMD kernels compiled from assembly/ by
 * `npm run build:wasm` (read from disk by kernels-source.ts; embedded in the browser bundle).
 */
import { KERNELS_LOCATION, loadKernelModule } from './kernels-source.js';

export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  /** The first byte of linear memory that the module's own data does not use. */
  heapBase(): number;
  distortionPass(layout: number, gradientScale: number): number;
  renderRows(layout: number, rows: number): void;
  largestMagnitude(values: number, count: number): number;
  pngFilterRows(previous: number, rows: number, count: number, stride: number, bpp: number, out: number): void;
  latentProxy(layout: number, roundProxy: boolean): void;
  latentRate(layout: number, weight: number, expected: boolean): void;
  latentAdam(layout: number, rate: number, correction2: number): void;
  decodeLatents(layout: number): number;
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null where the file is missing or the engine lacks WebAssembly SIMD. */
export function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = loadKernelModule();
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** A fresh instance with its own memory. */
export function instantiateKernels(): KernelExports {
  const module = kernelModule();
  if (!module) throw new Error(`WebAssembly kernels unavailable: ${KERNELS_LOCATION} is missing (run npm run build:wasm) or this engine lacks WebAssembly SIMD`);
  return new WebAssembly.Instance(module, {}).exports as unknown as KernelExports;
}

const ALIGNMENT = 16;
const PAGE_BYTES = 65536;

function aligned(bytes: number): number {
  return Math.ceil(bytes / ALIGNMENT) * ALIGNMENT;
}

/** Places arrays one after another in an instance's memory, 16-byte aligned, from its heap base. */
export class MemoryPlan {
  private end: number;

  constructor(private readonly kernels: KernelExports) {
    this.end = aligned(kernels.heapBase());
  }

  /** Reserves `bytes` and returns where they start. */
  reserve(bytes: number): number {
    const start = this.end;
    this.end = aligned(start + bytes);
    return start;
  }

  /** Grows the memory to hold everything reserved; returns its (new) buffer. */
  commit(): ArrayBuffer {
    const { memory } = this.kernels;
    const missing = this.end - memory.buffer.byteLength;
    if (missing > 0) memory.grow(Math.ceil(missing / PAGE_BYTES));
    return memory.buffer;
  }
}
