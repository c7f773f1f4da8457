/**
 * Coarse-to-fine training for large images. Every iteration's latent work (proxy, rate, Adam)
 * costs in proportion to all the latents, and the finest grid has one per pixel: on a 13 MP photo
 * that alone allows a few hundred iterations in minutes. So the encoder first trains a model of the
 * image at half size whose grids are the full model's grids 1/2 to 1/64 (grid l of the half-size
 * image has ceil(ceil(n / 2) / 2^l) = ceil(n / 2^(l + 1)) cells, the full image's grid l + 1),
 * then moves it into the full model (this file) and trains that with fewer iterations.
 */
import { TargetImage, Trainer } from './trainer.js';

/** The image at half size (rounded up), each pixel the mean of its 2x2 block (edges repeated). */
export function halveImage(image: TargetImage): TargetImage {
  const { width, height, channels, pixels } = image;
  const w = Math.ceil(width / 2);
  const h = Math.ceil(height / 2);
  const out = new Float32Array(w * h * channels);
  for (let y = 0; y < h; y++) {
    const y0 = 2 * y;
    const y1 = Math.min(2 * y + 1, height - 1);
    for (let x = 0; x < w; x++) {
      const x0 = 2 * x;
      const x1 = Math.min(2 * x + 1, width - 1);
      for (let c = 0; c < channels; c++) {
        const sum =
          pixels[(y0 * width + x0) * channels + c] +
          pixels[(y0 * width + x1) * channels + c] +
          pixels[(y1 * width + x0) * channels + c] +
          pixels[(y1 * width + x1) * channels + c];
        out[(y * w + x) * channels + c] = sum / 4;
      }
    }
  }
  return { width: w, height: h, channels, pixels: out };
}

/** What the full model takes over from the half-size one. */
export interface CoarseModel {
  readonly latentViews: Float32Array[];
  readonly weights: Float32Array;
  readonly biases: Float32Array;
  readonly logScales: Float32Array;
  readonly predictors: Float32Array;
}

/** A copy of a trainer's model, so that the trainer (and its memory) can be let go. */
export function copyModel(trainer: Trainer): CoarseModel {
  return {
    latentViews: trainer.latentViews.map((v) => v.slice()),
    weights: trainer.weights.slice(),
    biases: trainer.biases.slice(),
    logScales: trainer.logScales.slice(),
    predictors: trainer.predictors.slice(),
  };
}

/**
 * Puts the half-size model into `fine` (one level more): its levels become fine's levels 1 and
 * up, with their entropy parameters, and its first layer's weights those of levels 1 and up.
 * Fine's level 0 keeps its small initial latents and weights: it starts contributing next to nothing and
 * learns what the coarse levels could not hold.
 */
export function adoptCoarseModel(fine: Trainer, coarse: CoarseModel): void {
  const levels = fine.latentViews.length;
  if (coarse.latentViews.length !== levels - 1) throw new RangeError(`a coarse model has ${levels - 1} levels, not ${coarse.latentViews.length}`);
  for (let l = 1; l < levels; l++) {
    if (fine.latentViews[l].length !== coarse.latentViews[l - 1].length) throw new RangeError(`level ${l}: the coarse grid does not match`);
    fine.latentViews[l].set(coarse.latentViews[l - 1]);
  }
  for (const name of ['logScales', 'predictors'] as const) {
    const per = fine[name].length / levels;
    fine[name].set(coarse[name], per);
  }
  const first = fine.shapes[0];
  for (let o = 0; o < first.outputs; o++) {
    for (let i = 1; i < first.inputs; i++) fine.weights[o * first.inputs + i] = coarse.weights[o * (first.inputs - 1) + i - 1];
  }
  const firstCount = first.inputs * first.outputs;
  fine.weights.set(coarse.weights.subarray(firstCount - first.outputs), firstCount);
  fine.biases.set(coarse.biases);
}
