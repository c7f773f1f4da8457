/**
 * The training's distortion pass cut into a fixed number of bands of rows. Each band's gradients
 * are summed on their own, from zero, then added to the pass's gradients band after band: the
 * same additions in the same order whichever thread computed which band, so the trained model,
 * and the file, do not depend on the number of threads.
 */
import { DistortionKernel, DistortionPass, touchedLatentRanges } from '../kernels/distortion.js';

/** A fixed count, not one per thread: the partition must not depend on the thread count. */
export const DISTORTION_BANDS = 8;

/**
 * Where a band's partial sums sit in its buffer: the squared error, the weight and bias
 * gradients, then the latent gradients over the band's latent ranges, range after range.
 */
export class BandLayout {
  /** Per band: the pass with only the band's rows. */
  readonly bandPasses: DistortionPass[];
  /** Per band: the [start, end) ranges of latents its rows touch. */
  readonly latentRanges: Int32Array[];
  /** Per band: the length of its partial-sums buffer. */
  readonly partialLengths: number[];

  constructor(pass: DistortionPass) {
    const rowCount = pass.rows.length;
    this.bandPasses = Array.from({ length: DISTORTION_BANDS }, (_, b) => ({
      ...pass,
      rows: pass.rows.subarray(Math.floor((b * rowCount) / DISTORTION_BANDS), Math.floor(((b + 1) * rowCount) / DISTORTION_BANDS)),
    }));
    this.latentRanges = this.bandPasses.map(touchedLatentRanges);
    this.partialLengths = this.latentRanges.map((ranges) => {
      let length = 1 + pass.weights.length + pass.biases.length;
      for (let r = 0; r < ranges.length; r += 2) length += ranges[r + 1] - ranges[r];
      return length;
    });
  }

  /** Adds band `band`'s partial sums to the pass's gradients; returns its squared error. */
  addPartial(pass: DistortionPass, band: number, partial: Float64Array): number {
    let at = 1;
    for (let n = 0; n < pass.weightGrad.length; n++) pass.weightGrad[n] += partial[at++];
    for (let n = 0; n < pass.biasGrad.length; n++) pass.biasGrad[n] += partial[at++];
    const ranges = this.latentRanges[band];
    for (let r = 0; r < ranges.length; r += 2) {
      for (let n = ranges[r]; n < ranges[r + 1]; n++) pass.latentGrad[n] += partial[at++];
    }
    return partial[0];
  }
}

/** Computes bands' partial sums with one kernel instance, in whichever thread owns it. */
export class BandComputer {
  private readonly layout: BandLayout;
  /** The kernel adds into these; they are cleared again after each band. */
  private readonly latentGrad: Float64Array;
  private readonly weightGrad: Float64Array;
  private readonly biasGrad: Float64Array;
  private readonly scratchPasses: DistortionPass[];

  constructor(
    pass: DistortionPass,
    private readonly kernel: DistortionKernel,
  ) {
    this.layout = new BandLayout(pass);
    this.latentGrad = new Float64Array(pass.latents.length);
    this.weightGrad = new Float64Array(pass.weights.length);
    this.biasGrad = new Float64Array(pass.biases.length);
    const { latentGrad, weightGrad, biasGrad } = this;
    this.scratchPasses = this.layout.bandPasses.map((bandPass) => ({ ...bandPass, latentGrad, weightGrad, biasGrad }));
  }

  /** Runs band `band` and writes its partial sums (BandLayout's order) into `partial`. */
  compute(band: number, sampleCount: number, partial: Float64Array): void {
    partial[0] = this.kernel(this.scratchPasses[band], sampleCount);
    let at = 1;
    for (const grad of [this.weightGrad, this.biasGrad]) {
      partial.set(grad, at);
      at += grad.length;
      grad.fill(0);
    }
    const ranges = this.layout.latentRanges[band];
    for (let r = 0; r < ranges.length; r += 2) {
      partial.set(this.latentGrad.subarray(ranges[r], ranges[r + 1]), at);
      at += ranges[r + 1] - ranges[r];
      this.latentGrad.fill(0, ranges[r], ranges[r + 1]);
    }
  }
}
