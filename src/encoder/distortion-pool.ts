/**
 * The training's distortion pass over worker threads: each worker claims bands
 * (distortion-bands.ts) from a shared counter until none are left, with its own kernel instance;
 * the calling thread then adds the bands' partial sums in band order. With one thread, the calling
 * thread computes every band itself, with the same arithmetic. The
 * latents, weights and biases are copied once per pass into shared memory that every worker reads;
 * the partial sums come back through shared memory too.
 */
import type { Worker } from 'node:worker_threads';
import { KernelName } from '../kernels/select.js';
import { DistortionKernel, DistortionPass } from '../synthesis/distortion.js';
import { distortionKernel } from '../synthesis/distortion-kernel.js';
import { BandComputer, BandLayout, DISTORTION_BANDS } from './distortion-bands.js';
import { busy, endWorker, startWorker } from '../threads.js';

/** What a distortion worker is started with (distortion-worker.ts). */
export interface DistortionWorkerData {
  kernel: KernelName;
  /** The pass's fixed parts; its arrays that change are in `shared`. */
  pass: Omit<DistortionPass, 'target' | 'latents' | 'weights' | 'biases' | 'latentGrad' | 'weightGrad' | 'biasGrad' | 'rows'>;
  /** The pass visits one row in `stride` (distortion-bands.ts). */
  stride: number;
  shared: SharedArrays<SharedArrayBuffer>;
}

interface SharedArrays<B> {
  target: B;
  latents: B;
  weights: B;
  biases: B;
  /** The rows of the pass, which a sampling pass changes every time. */
  rows: B;
  /** Every band's partial sums, band after band. */
  partials: B;
  /** The next band to claim. */
  nextBand: B;
}

/** Typed views of the shared arrays. */
export function sharedViews(shared: SharedArrays<SharedArrayBuffer>) {
  return {
    target: new Float32Array(shared.target),
    latents: new Float32Array(shared.latents),
    weights: new Float32Array(shared.weights),
    biases: new Float32Array(shared.biases),
    rows: new Int32Array(shared.rows),
    nextBand: new Int32Array(shared.nextBand),
  };
}

/** Each band's partial sums in the shared buffer. */
export function partialViews(buffer: SharedArrayBuffer, layout: BandLayout): Float64Array[] {
  let start = 0;
  return layout.partialLengths.map((length) => {
    const view = new Float64Array(buffer, 8 * start, length);
    start += length;
    return view;
  });
}

/** Claims and computes bands until none are left. */
export function computeClaimedBands(computer: BandComputer, nextBand: Int32Array, partials: Float64Array[], sampleCount: number): void {
  for (let band = Atomics.add(nextBand, 0, 1); band < DISTORTION_BANDS; band = Atomics.add(nextBand, 0, 1)) {
    computer.compute(band, sampleCount, partials[band]);
  }
}

export class ParallelDistortion {
  private readonly layout: BandLayout;
  /** Computes the bands when there is no worker. */
  private readonly computer?: BandComputer;
  private readonly views: ReturnType<typeof sharedViews>;
  private readonly partials: Float64Array[];
  private readonly workers: Worker[];

  /**
   * `threads` workers; 1 starts none and computes in the calling thread. The pass visits
   * sampledRowCounts(height, stride) rows per band; their values may change between runs.
   */
  constructor(
    private readonly pass: DistortionPass,
    kernel: KernelName,
    threads: number,
    stride = 1,
    /**
     * With one thread, the kernel instance to compute with (default: a new one); the trainer
     * shares its own, so that the image is laid out in memory once.
     */
    instance?: DistortionKernel,
  ) {
    this.layout = new BandLayout(pass, stride);
    if (threads === 1) this.computer = new BandComputer(pass, instance ?? distortionKernel([...pass.widths], kernel), stride);
    // Without workers nothing needs sharing: empty buffers spare a copy of the image and latents.
    const bytes = (array: { byteLength: number }) => new SharedArrayBuffer(threads === 1 ? 0 : array.byteLength);
    // A target already in shared memory is read in place: on a 13 MP image, 160 MB not copied.
    const targetShared = threads > 1 && pass.target.buffer instanceof SharedArrayBuffer && pass.target.byteOffset === 0 && pass.target.byteLength === pass.target.buffer.byteLength;
    const shared: SharedArrays<SharedArrayBuffer> = {
      target: targetShared ? (pass.target.buffer as SharedArrayBuffer) : bytes(pass.target),
      latents: bytes(pass.latents),
      weights: bytes(pass.weights),
      biases: bytes(pass.biases),
      rows: bytes(pass.rows),
      partials: new SharedArrayBuffer(8 * this.layout.partialLengths.reduce((a, b) => a + b, 0)),
      nextBand: new SharedArrayBuffer(4),
    };
    this.views = sharedViews(shared);
    this.partials = partialViews(shared.partials, this.layout);
    if (threads > 1 && !targetShared) this.views.target.set(pass.target);
    const { width, height, channels, widths, gridOffsets, gridWidths, columnTaps, rowTaps } = pass;
    const data: DistortionWorkerData = { kernel, pass: { width, height, channels, widths, gridOffsets, gridWidths, columnTaps, rowTaps }, stride, shared };
    this.workers = threads === 1 ? [] : Array.from({ length: threads }, () => startWorker(import.meta.url, 'distortion-worker', data));
  }

  /** Runs the pass over its rows; adds the gradients to the pass's; returns the squared error. */
  async run(sampleCount: number): Promise<number> {
    const { latents, weights, biases, rows, nextBand } = this.views;
    const partials = this.partials;
    Atomics.store(nextBand, 0, 0);
    if (this.computer) {
      computeClaimedBands(this.computer, nextBand, partials, sampleCount);
    } else {
      latents.set(this.pass.latents);
      weights.set(this.pass.weights);
      biases.set(this.pass.biases);
      rows.set(this.pass.rows);
      await Promise.all(
        this.workers.map((worker) => {
          const reply = busy<'done'>(worker);
          worker.postMessage(sampleCount);
          return reply;
        }),
      );
    }
    let squaredError = 0;
    for (let band = 0; band < DISTORTION_BANDS; band++) squaredError += this.layout.addPartial(this.pass, band, partials[band]);
    return squaredError;
  }

  /** Ends the workers; safe to call more than once. */
  async close(): Promise<void> {
    await Promise.all(this.workers.splice(0).map(endWorker));
  }
}
