/**
 * The budget fitting (src/encoder/budget.ts fitToBudget) of a trained model whose latents fall
 * short of 90% of the budget: of the plain finer latent steps (no dead zone) that fit, it takes
 * the one that renders best on the sampled rows (a near tie to the finer one).
 */
import { describe, expect, it } from 'vitest';
import { chooseWeightSteps, fitToBudget } from '../src/encoder/budget.js';
import { quantizeLatents } from '../src/encoder/quantize.js';
import { Trainer } from '../src/encoder/trainer.js';
import { NnimgHeader, writeContainer } from '../src/format/container.js';
import { defaultLevelCount } from '../src/format/geometry.js';
import { readImage } from '../src/image/io.js';
import { encodeLatentGridPayload } from '../src/kinds/latent-grid/encode.js';
import { latentStep } from '../src/kinds/latent-grid/model.js';

const WIDTH = 96;
const HEIGHT = 64;

async function trained(): Promise<{ trainer: Trainer; header: NnimgHeader }> {
  const photo = await readImage('corpus/coffee.png');
  const pixels = new Float32Array(WIDTH * HEIGHT * 3);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH * 3; x++) pixels[y * WIDTH * 3 + x] = photo.data[((y + 100) * photo.width + 150) * 3 + x] / 255;
  }
  const levels = defaultLevelCount(WIDTH, HEIGHT);
  const hidden = [12];
  const trainer = new Trainer({ width: WIDTH, height: HEIGHT, channels: 3, pixels }, levels, hidden, 1, 'wasm', 1);
  // Noise first, then the rounded latents at a small rate, as the encoder's schedule does.
  for (let i = 0; i < 120; i++) {
    await trainer.iterate({ lambda: 0.01, learningRate: i < 96 ? 0.03 : 0.0006, proxy: i < 96 ? 'noise' : 'round' });
  }
  await trainer.endTraining();
  return { trainer, header: { model: 'latent-grid', width: WIDTH, height: HEIGHT, channels: 3, levels, hidden } };
}

describe('fitToBudget under 90% of the budget', () => {
  it('takes the plain finer step that fits and renders best on the sampled rows', async () => {
    const { trainer, header } = await trained();
    const layers = chooseWeightSteps(trainer, 0.01).layers;
    const tensors = layers.flatMap((l) => [l.weights, l.biases]).map((q) => Float32Array.from(q.values, (v) => v / 2 ** q.stepExponent));
    const atTrainedStep = fitToBudget(trainer, header, layers, undefined);
    const trainedStep = atTrainedStep.model.latentStepIndex;
    const predictors = atTrainedStep.model.grids.map((g, l) => g.coefficients ?? trainer.quantizedPredictors()[l]);
    // Every plain step from the trained one down: its file size, its latents and their sampled error.
    const plain = Array.from({ length: trainedStep + 1 }, (_, step) => {
      const { grids } = quantizeLatents(trainer.latentViews, trainer.grids, step, predictors, false, 0.5);
      const size = writeContainer(header, encodeLatentGridPayload(header, { latentStepIndex: step, layers, grids })).length;
      const latents = Float32Array.from(grids.flatMap((g) => Array.from(g.values)), (v) => v * latentStep(step));
      return { size, grids, mse: trainer.sampledMse(tensors, latents) };
    });
    expect(plain[trainedStep].size).toBe(atTrainedStep.size);
    let finer = 0;
    for (let budget = Math.ceil(atTrainedStep.size / 0.9) + 1; budget < 2 * atTrainedStep.size; budget += 3) {
      const fitted = fitToBudget(trainer, header, layers, budget);
      const step = fitted.model.latentStepIndex;
      expect(fitted.size).toBeLessThanOrEqual(budget);
      expect(step).toBeLessThanOrEqual(trainedStep);
      // Plain: the latents rounded to the step, no dead zone.
      fitted.model.grids.forEach((g, l) => expect(g.values).toEqual(plain[step].grids[l].values));
      // The best of the steps that fit (down to the first that does not), a near tie (0.5%) to the finer.
      for (let other = trainedStep; other >= 0 && plain[other].size <= budget; other--) {
        expect(plain[step].mse).toBeLessThanOrEqual(plain[other].mse * 1.005);
      }
      if (step < trainedStep) finer++;
    }
    // The budgets above do reach the finer steps (else the checks tested the trained step only).
    expect(finer).toBeGreaterThan(0);
  });
});
