/**
 * The latent-grid encoder: trains the model on one image on the schedule of schedule.ts, under a
 * rate penalty that rate-control.ts steers to the budget, then quantizes it into a file that fits
 * (rate-control.ts, budget.ts) and checks the result (check.ts).
 */
import { NnimgHeader, writeContainer } from '../format/container.js';
import { defaultLevelCount } from '../format/geometry.js';
import { multiplyAddsPerPixel } from '../format/layers.js';
import { synthesisShapes } from '../synthesis/network.js';
import { LATENT_STEP_BITS } from '../format/payload.js';
import { RasterImage } from '../image/io.js';
import { selectedKernel } from '../kernels/select.js';
import { encodeLatentGridPayload } from '../kinds/latent-grid/encode.js';
import { checkThreadCount, defaultThreadCount } from '../threads.js';
import { FittedModel } from './budget.js';
import { checkDecoded, isCollapse } from './check.js';
import { CoarseModel, continueCoarseModel, copyModel, halveImage, withFinestLevelAtZero } from './coarse.js';
import { RateControl, defaultHidden } from './rate-control.js';
import { SETTLE_LEARNING_RATE, coarseLearningRateAt, learningRateAt, proxyAt, settleLimit, trainingPlan, weightCheckpoints } from './schedule.js';
import { measuredFile, yieldToEventLoop } from './shared.js';
import { previewLatentGrid, snapshotEvery } from './timelapse.js';
import { IterationResult, TargetImage, Trainer } from './trainer.js';
import { EncodeOptions, EncodeResult } from './types.js';

/** The seed of the second training after a collapse: the first's plus this. */
const RETRY_SEED_OFFSET = 1;

/**
 * Trains and writes the file; when the decoded file is a collapse (no better than a flat image,
 * check.ts), which some seeds fall into (docs/decisions.md), trains once more from another seed
 * and keeps the better file. The retry is a function of the input and the seed, so the same
 * input and seed still give the same file.
 */
export async function encodeLatentGrid(image: RasterImage, options: EncodeOptions): Promise<EncodeResult> {
  const first = await trainAndWrite(image, options);
  if (!isCollapse(image, first.psnr)) return first;
  const seed = (options.seed ?? 1) + RETRY_SEED_OFFSET;
  const done = first.iterations;
  const second = await trainAndWrite(image, {
    ...options,
    seed,
    // The retry's progress continues the first's count and clock.
    onProgress: options.onProgress && ((p) => options.onProgress!({ ...p, iteration: p.iteration + done, iterations: p.iterations + done, elapsedSeconds: p.elapsedSeconds + first.seconds })),
    snapshots: undefined,
  });
  const better = second.psnr > first.psnr ? second : first;
  const retried = `the first training (seed ${options.seed ?? 1}) collapsed to ${first.psnr.toFixed(2)} dB; trained again with seed ${seed}: ${second.psnr.toFixed(2)} dB`;
  return { ...better, iterations: first.iterations + second.iterations, seconds: first.seconds + second.seconds, warnings: [retried, ...better.warnings] };
}

async function trainAndWrite(image: RasterImage, options: EncodeOptions): Promise<EncodeResult> {
  const started = performance.now();
  if (options.optimizer !== undefined && options.optimizer !== 'adam') throw new RangeError(`the latent-grid model trains with adam, not ${options.optimizer}`);
  const { width, height, channels } = image;
  const levels = defaultLevelCount(width, height);
  const hidden = options.hidden ?? defaultHidden(options.bytes);
  const header: NnimgHeader = { model: 'latent-grid', width, height, channels, levels, hidden };
  const shapes = synthesisShapes(levels, hidden, channels);
  const macs = multiplyAddsPerPixel(shapes);
  const parameterCount = shapes.reduce((n, s) => n + (s.inputs + 1) * s.outputs, 0);
  const rate = new RateControl(header, parameterCount, options);

  const pixels = width * height;
  const plan = trainingPlan(width, height, macs, options);
  const { iterations, coarseIterations } = plan;
  const total = coarseIterations + iterations;
  const threads = checkThreadCount(options.threads ?? defaultThreadCount());
  // With workers, the image in shared memory from the start: they read it in place (distortion-pool.ts).
  const targetPixels = threads > 1 ? new Float32Array(new SharedArrayBuffer(4 * image.data.length)) : new Float32Array(image.data.length);
  for (let i = 0; i < targetPixels.length; i++) targetPixels[i] = image.data[i] / 255;
  const target: TargetImage = { width, height, channels, pixels: targetPixels };
  const seed = options.seed ?? 1;

  const report = (iteration: number, total: number, result: IterationResult) =>
    options.onProgress?.({
      iteration,
      iterations: total,
      psnr: psnrOfMse(result.mse),
      estimatedBytes: Math.round(rate.estimateBytes(result.roundedLatentBits)),
      elapsedSeconds: (performance.now() - started) / 1000,
    });

  let coarse: CoarseModel | undefined;
  if (coarseIterations > 0) {
    const small = halveImage(target);
    // The same trade per pixel of the full image: the rate term is divided by the trainer's pixels.
    const lambdaScale = (small.width * small.height) / pixels;
    const coarseTrainer = new Trainer(small, levels - 1, hidden, seed, selectedKernel(), threads, plan.coarseRowStride);
    try {
      for (let i = 0; i < coarseIterations; i++) {
        await yieldToEventLoop(options);
        const progress = i / coarseIterations;
        const result = await coarseTrainer.iterate({ lambda: rate.lambda * lambdaScale, learningRate: coarseLearningRateAt(progress), proxy: 'noise' });
        // The coarse levels aim at the whole budget; the finest level then takes its share back.
        if (progress > 0.05) rate.steer(result);
        report(i + 1, total, result);
      }
      coarse = copyModel(coarseTrainer);
    } finally {
      await coarseTrainer.close();
    }
  }

  const afterCoarse = coarse !== undefined;
  // After a coarse stage, the same model against the full image; level 0 stays at zero (coarse.ts).
  const trainer = new Trainer(target, levels, hidden, seed, selectedKernel(), threads, plan.rowStride, afterCoarse ? 1 : 0);
  if (coarse) continueCoarseModel(trainer, coarse);
  coarse = undefined;
  const model = afterCoarse ? withFinestLevelAtZero(trainer, header) : trainer;
  let trained: { file: Uint8Array; quantized: FittedModel; iterations: number; psnr: number };
  // The workers end however the encode does: done, failed or cancelled.
  try {
    const checkpoints = weightCheckpoints(iterations);
    let last: IterationResult | undefined;
    for (let i = 0; i < iterations; i++) {
      await yieldToEventLoop(options);
      const progress = i / iterations;
      if (checkpoints.has(i)) rate.measureWeights(model);
      last = await trainer.iterate({ lambda: rate.lambda, learningRate: learningRateAt(progress, afterCoarse), proxy: proxyAt(progress) });
      if (progress > 0.05 || afterCoarse) rate.steer(last);
      report(coarseIterations + i + 1, total, last);
      if (options.snapshots && (i + 1) % snapshotEvery(options.snapshots.every, iterations) === 0) await options.snapshots.take(previewLatentGrid(model), i + 1);
    }
    const limit = settleLimit(iterations);
    let settleIterations = 0;
    for (; last && settleIterations < limit && rate.needsSettling(last); settleIterations++) {
      await yieldToEventLoop(options);
      rate.tighten();
      last = await trainer.iterate({ lambda: rate.lambda, learningRate: SETTLE_LEARNING_RATE, proxy: 'round' });
      report(total + settleIterations + 1, total + limit, last);
    }

    await trainer.endTraining();
    const quantized = rate.fit(model, header);
    const file = writeContainer(header, encodeLatentGridPayload(header, quantized.model));
    trained = { file, quantized, iterations: total + settleIterations, psnr: last ? psnrOfMse(last.mse) : -Infinity };
  } finally {
    await trainer.close();
  }
  // The check decodes the whole image: after the trainer's memory is let go (a 13 MP photo).
  const measured = measuredFile(image, trained.file, started);
  return {
    ...measured,
    iterations: trained.iterations,
    breakdown: {
      containerBytes: rate.containerBytes,
      weightBits: trained.quantized.weightBits,
      latentBits: trained.quantized.latentBits,
      parameterBits: LATENT_STEP_BITS,
    },
    model: { kind: 'latent-grid', levels, hidden, multiplyAddsPerPixel: macs, parameterCount },
    warnings: checkDecoded(image, measured.psnr, trained.psnr),
  };
}

function psnrOfMse(mse: number): number {
  return 10 * Math.log10(1 / Math.max(mse, 1e-12));
}
