/**
 * Coarse-to-fine training for large images. Every iteration's latent work (proxy, rate, Adam)
 * costs in proportion to all the latents, and the finest grid has one per pixel: on a 13 MP photo
 * that alone allows a few hundred iterations in minutes. So the encoder first trains a model of the
 * image at half size whose grids are the full model's grids 1/2 to 1/64 (grid l of the half-size
 * image has ceil(ceil(n / 2) / 2^l) = ceil(n / 2^(l + 1)) cells, the full image's grid l + 1),
 * then trains the same model against the full image for fewer iterations.
 *
 * The full-size stage leaves level 0, the finest grid, at zero: on camera-sized photos it carried
 * under 1% of a file's bits yet was three quarters of the latents, and the full stage is twice as
 * heavy in memory with it (docs/decisions.md).
 */
import { linearContextModel } from '../entropy/linear-context-model.js';
import type { NnimgHeader } from '../format/container.js';
import { gridSizes } from '../format/geometry.js';
import { synthesisShapes } from '../synthesis/network.js';
import { TargetImage, TrainedModel, Trainer } from './trainer.js';

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
 * Puts the half-size model into `fine`, a trainer of the full image from level 1 up (firstLevel 1):
 * the same grids, so every parameter carries over as it is.
 */
export function continueCoarseModel(fine: Trainer, coarse: CoarseModel): void {
  if (fine.latentViews.length !== coarse.latentViews.length) throw new RangeError(`a coarse model has ${coarse.latentViews.length} levels, not ${fine.latentViews.length}`);
  fine.latentViews.forEach((view, l) => {
    if (view.length !== coarse.latentViews[l].length) throw new RangeError(`level ${l + 1}: the coarse grid does not match`);
    view.set(coarse.latentViews[l]);
  });
  for (const name of ['weights', 'biases', 'logScales', 'predictors'] as const) fine[name].set(coarse[name]);
}

/**
 * The full model of a trainer that holds levels 1 and up: level 0 all zero (the file marks it
 * unused) and the first layer's weights on it zero. What this model renders is exactly what the
 * trainer renders, so the quantization measures its candidates on the trainer.
 */
export function withFinestLevelAtZero(trainer: Trainer, header: Pick<NnimgHeader, 'width' | 'height' | 'levels' | 'hidden' | 'channels'>): TrainedModel {
  const grids = gridSizes(header.width, header.height, header.levels);
  if (trainer.grids.length !== grids.length - 1) throw new RangeError(`the trainer holds ${trainer.grids.length} levels, not ${grids.length - 1}`);
  const finest = grids[0].width * grids[0].height;
  const shapes = synthesisShapes(header.levels, header.hidden, header.channels);
  const { inputs, outputs } = shapes[0];
  const widen = (narrow: Float32Array) => {
    const wide = new Float32Array(inputs * outputs);
    for (let o = 0; o < outputs; o++) wide.set(narrow.subarray(o * (inputs - 1), (o + 1) * (inputs - 1)), o * inputs + 1);
    return wide;
  };
  const narrow = (wide: Float32Array) => {
    const out = new Float32Array((inputs - 1) * outputs);
    for (let o = 0; o < outputs; o++) out.set(wide.subarray(o * inputs + 1, (o + 1) * inputs), o * (inputs - 1));
    return out;
  };
  const [, initialPredictors] = linearContextModel.initialTrainingParameters(1);
  return {
    grids,
    shapes,
    latentViews: [new Float32Array(finest), ...trainer.latentViews],
    pixelCount: trainer.pixelCount,
    layerTensors: () => {
      const tensors = trainer.layerTensors();
      tensors[0] = widen(tensors[0]);
      return tensors;
    },
    quantizedPredictors: () => [linearContextModel.trainedCoefficients(initialPredictors, 0), ...trainer.quantizedPredictors()],
    meanColour: () => trainer.meanColour(),
    // Level 0's latents and weights are zero in every candidate the quantization makes of this
    // model (zeros quantize to zeros): dropping them changes nothing in the sum.
    sampledMse: (tensors, latents) => trainer.sampledMse([narrow(tensors[0]), ...tensors.slice(1)], latents?.subarray(finest)),
  };
}
