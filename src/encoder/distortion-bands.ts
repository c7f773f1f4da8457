/**
 * The training's distortion pass cut into a fixed number of bands of rows. Each band's gradients
 * are summed on their own, from zero, then added to the pass's gradients band after band: the
 * same additions in the same order whichever thread computed which band, so the trained model,
 * and the file, do not depend on the number of threads.
 *
 * A pass may visit a sample of the rows (sampleBandRows): one row in every `stride`, each band
 * drawing its share from its own stretch of the image, so that a band's partial sums always fit
 * the buffer sized for its whole stretch.
 */
import { DistortionKernel, DistortionPass, touchedLatentRanges } from '../synthesis/distortion.js';
import { Random } from '../optimizer/random.js';

/** A fixed count, not one per thread: the partition must not depend on the thread count. */
export const DISTORTION_BANDS = 8;

/** The image rows of band b: [bounds[b], bounds[b + 1]). */
export function bandBounds(height: number): Int32Array {
  return Int32Array.from({ length: DISTORTION_BANDS + 1 }, (_, b) => Math.floor((b * height) / DISTORTION_BANDS));
}

/** How many rows each band visits when one row in `stride` is sampled. */
export function sampledRowCounts(height: number, stride: number): Int32Array {
  const bounds = bandBounds(height);
  return Int32Array.from({ length: DISTORTION_BANDS }, (_, b) => Math.ceil((bounds[b + 1] - bounds[b]) / stride));
}

/**
 * Fills `rows` (length: the sum of sampledRowCounts) with one random row from every run of
 * `stride` rows of each band, in increasing order: every part of the image is visited in every
 * pass, and every row equally often over many passes.
 */
export function sampleBandRows(height: number, stride: number, random: Random, rows: Int32Array): void {
  const bounds = bandBounds(height);
  let at = 0;
  for (let b = 0; b < DISTORTION_BANDS; b++) {
    for (let start = bounds[b]; start < bounds[b + 1]; start += stride) {
      rows[at++] = start + Math.floor(random.next() * Math.min(stride, bounds[b + 1] - start));
    }
  }
  if (at !== rows.length) throw new RangeError(`expected ${rows.length} sampled rows, drew ${at}`);
}

/**
 * Where a band's partial sums sit in its buffer: the squared error, the weight and bias
 * gradients, then the latent gradients over the band's latent ranges, range after range.
 */
export class BandLayout {
  /** Per band: the pass with only the band's rows (views of pass.rows, whose values may change). */
  readonly bandPasses: DistortionPass[];
  /** Per band: the length of its partial-sums buffer, enough for any rows of its stretch. */
  readonly partialLengths: number[];

  /**
   * `pass.rows` holds sampledRowCounts(height, stride) rows per band, band after band (with
   * stride 1, every row).
   */
  constructor(pass: DistortionPass, stride = 1) {
    const counts = sampledRowCounts(pass.height, stride);
    const total = counts.reduce((a, b) => a + b, 0);
    if (pass.rows.length !== total) throw new RangeError(`a pass sampling 1 row in ${stride} has ${total} rows, not ${pass.rows.length}`);
    const bounds = bandBounds(pass.height);
    let start = 0;
    this.bandPasses = Array.from(counts, (count) => ({ ...pass, rows: pass.rows.subarray(start, (start += count)) }));
    // A band's buffer holds the latents its whole stretch of rows touches; a sample touches fewer.
    const stretches = Array.from(counts, (_, b) => touchedLatentRanges({ ...pass, rows: Int32Array.of(bounds[b], bounds[b + 1] - 1) }));
    this.partialLengths = stretches.map((ranges) => {
      let length = 1 + pass.weights.length + pass.biases.length;
      for (let r = 0; r < ranges.length; r += 2) length += ranges[r + 1] - ranges[r];
      return length;
    });
  }

  /** The [start, end) ranges of latents band `band`'s current rows touch. */
  latentRanges(band: number): Int32Array {
    return touchedLatentRanges(this.bandPasses[band]);
  }

  /** Adds band `band`'s partial sums to the pass's gradients; returns its squared error. */
  addPartial(pass: DistortionPass, band: number, partial: Float64Array): number {
    let at = 1;
    for (let n = 0; n < pass.weightGrad.length; n++) pass.weightGrad[n] += partial[at++];
    for (let n = 0; n < pass.biasGrad.length; n++) pass.biasGrad[n] += partial[at++];
    const ranges = this.latentRanges(band);
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
    stride = 1,
  ) {
    this.layout = new BandLayout(pass, stride);
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
    const ranges = this.layout.latentRanges(band);
    for (let r = 0; r < ranges.length; r += 2) {
      partial.set(this.latentGrad.subarray(ranges[r], ranges[r + 1]), at);
      at += ranges[r + 1] - ranges[r];
      this.latentGrad.fill(0, ranges[r], ranges[r + 1]);
    }
  }
}
