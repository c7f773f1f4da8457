import { describe, expect, it } from 'vitest';
import { selectedKernel, availableKernel } from '../src/kernels/select.js';
import { MemoryPlan, instantiateKernels, kernelModule } from '../src/kernels/wasm-module.js';

describe('kernel selection (kernels/select.ts)', () => {
  it('takes NNIMG_KERNEL when that kernel is available, else the fastest available', () => {
    // The built module is present under npm test (npm ci builds it), so every kernel is available.
    expect(availableKernel('reference')).toBe('reference');
    expect(availableKernel('generated')).toBe('generated');
    expect(availableKernel('wasm')).toBe('wasm');
    expect(availableKernel(undefined)).toBe('wasm');
    expect(availableKernel('no-such-kernel')).toBe('wasm');
  });

  it('is chosen once, from the environment the process started with', () => {
    expect(selectedKernel()).toBe(availableKernel(process.env.NNIMG_KERNEL));
  });
});

describe('the WebAssembly module (kernels/wasm-module.ts)', () => {
  it('is built, and each instance has its own memory', () => {
    expect(kernelModule()).not.toBeNull();
    const [a, b] = [instantiateKernels(), instantiateKernels()];
    expect(a.memory).not.toBe(b.memory);
    expect(a.heapBase()).toBeGreaterThan(0);
  });

  it('MemoryPlan places arrays 16-byte aligned from the heap base, one after another, and grows the memory to hold them', () => {
    const kernels = instantiateKernels();
    const plan = new MemoryPlan(kernels);
    const first = plan.reserve(3);
    const second = plan.reserve(100_000);
    const third = plan.reserve(8);
    expect(first).toBeGreaterThanOrEqual(kernels.heapBase());
    for (const at of [first, second, third]) expect(at % 16).toBe(0);
    expect(second).toBe(first + 16);
    expect(third).toBe(second + 100_000);
    const buffer = plan.commit();
    expect(buffer.byteLength).toBeGreaterThanOrEqual(third + 8);
    expect(buffer.byteLength % 65536).toBe(0);
  });
});
