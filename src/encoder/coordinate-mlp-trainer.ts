/**
 * Fitting a coordinate MLP to one image: MSE over every sample, full-batch gradients by
 * backpropagation, minimised with Rprop, Adam or a genetic search (src/optimizer/optimizers.ts).
 * Training uses Math.exp for the sigmoid (fast, engine-dependent in the last bit); only the
 * decoder's arithmetic has to be exact.
 */
import { RasterImage } from '../image/io.js';
import { CoordinateMlpLayer, coordinateMlpShapes } from '../kinds/coordinate-mlp/model.js';
import { activationCount, createCoordinateMlpRenderer, pixelCoordinate } from '../kinds/coordinate-mlp/render.js';
import { LayerShape } from '../format/layers.js';
import { Adam, DEFAULT_POPULATION, GeneticSearch, GradientOptimizer, Objective, Rprop } from '../optimizer/optimizers.js';
import { Random } from '../optimizer/random.js';
import { TargetImage } from './trainer.js';

export const COORDINATE_MLP_OPTIMIZERS = ['rprop', 'adam', 'genetic'] as const;
export type CoordinateMlpOptimizer = (typeof COORDINATE_MLP_OPTIMIZERS)[number];

/** The blog's network: three hidden layers of 15 sigmoid units. */
export const BLOG_HIDDEN = [15, 15, 15];
/** Initial weights: normal with this standard deviation over the square root of a unit's inputs. */
const INITIAL_SPREAD = 2;
const MUTATION_SPREAD = 0.3;

export function trainingSigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** MSE of a coordinate MLP against an image, and its gradient; parameters in payload order. */
export class CoordinateMlpObjective implements Objective {
  readonly shapes: LayerShape[];
  readonly parameterCount: number;
  /** Where layer k's weights and biases start in the parameter vector. */
  private readonly weightOffsets: number[] = [];
  private readonly biasOffsets: number[] = [];
  /** Where layer k's inputs start in the activation vector (its outputs start at k + 1). */
  private readonly activationOffsets: number[] = [0];
  private readonly columns: Float64Array;
  private readonly rows: Float64Array;
  private readonly activations: Float64Array;
  private readonly deltas: Float64Array;

  constructor(
    private readonly target: TargetImage,
    hidden: readonly number[],
  ) {
    this.shapes = coordinateMlpShapes(hidden, target.channels);
    let at = 0;
    for (const s of this.shapes) {
      this.weightOffsets.push(at);
      at += s.inputs * s.outputs;
      this.biasOffsets.push(at);
      at += s.outputs;
      this.activationOffsets.push(this.activationOffsets[this.activationOffsets.length - 1] + s.inputs);
    }
    this.parameterCount = at;
    this.columns = Float64Array.from({ length: target.width }, (_, x) => pixelCoordinate(x, target.width));
    this.rows = Float64Array.from({ length: target.height }, (_, y) => pixelCoordinate(y, target.height));
    this.activations = new Float64Array(activationCount(this.shapes.map((shape) => ({ shape }))));
    this.deltas = new Float64Array(this.activations.length);
  }

  /** The layers as views into `params` (no copy). */
  layers(params: Float64Array): CoordinateMlpLayer[] {
    return this.shapes.map((shape, k) => ({
      shape,
      weights: params.subarray(this.weightOffsets[k], this.biasOffsets[k]),
      biases: params.subarray(this.biasOffsets[k], this.biasOffsets[k] + shape.outputs),
    }));
  }

  /** Views of every layer's weights then biases: [w0, b0, w1, b1, ...], the payload's tensors. */
  tensors(params: Float64Array): Float64Array[] {
    return this.layers(params).flatMap((l) => [l.weights, l.biases]);
  }

  /** For crossover: the unit (hidden or output neuron) each parameter feeds. */
  unitOf(): Int32Array {
    const units = new Int32Array(this.parameterCount);
    let unit = 0;
    this.shapes.forEach((s, k) => {
      for (let o = 0; o < s.outputs; o++) {
        units.fill(unit + o, this.weightOffsets[k] + o * s.inputs, this.weightOffsets[k] + (o + 1) * s.inputs);
        units[this.biasOffsets[k] + o] = unit + o;
      }
      unit += s.outputs;
    });
    return units;
  }

  initialParams(random: Random): Float64Array {
    const params = new Float64Array(this.parameterCount);
    this.shapes.forEach((s, k) => {
      const spread = INITIAL_SPREAD / Math.sqrt(s.inputs);
      for (let i = this.weightOffsets[k]; i < this.biasOffsets[k] + s.outputs; i++) params[i] = spread * random.normal();
    });
    return params;
  }

  loss(params: Float64Array): number {
    return this.run(params, null);
  }

  lossAndGradient(params: Float64Array, grad: Float64Array): number {
    grad.fill(0);
    return this.run(params, grad);
  }

  /** Forward over every pixel; with `grad`, backpropagates and accumulates the gradient too. */
  private run(params: Float64Array, grad: Float64Array | null): number {
    const { width, height, channels, pixels } = this.target;
    const { activations, deltas, columns, rows, shapes, activationOffsets, weightOffsets, biasOffsets } = this;
    const layerCount = shapes.length;
    const outputStart = activationOffsets[layerCount];
    const samples = width * height * channels;
    const gradientScale = 2 / samples;
    let squaredError = 0;
    let p = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        activations[0] = columns[x];
        activations[1] = rows[y];
        // Forward, inlined rather than forwardPixel: this loop is the whole training time.
        for (let k = 0; k < layerCount; k++) {
          const { inputs, outputs } = shapes[k];
          const input = activationOffsets[k];
          const output = activationOffsets[k + 1];
          for (let o = 0; o < outputs; o++) {
            let z = params[biasOffsets[k] + o];
            const row = weightOffsets[k] + o * inputs;
            for (let i = 0; i < inputs; i++) z += params[row + i] * activations[input + i];
            activations[output + o] = 1 / (1 + Math.exp(-z));
          }
        }
        for (let c = 0; c < channels; c++) {
          const a = activations[outputStart + c];
          const error = a - pixels[p++];
          squaredError += error * error;
          deltas[outputStart + c] = gradientScale * error * a * (1 - a);
        }
        if (grad === null) continue;
        for (let k = layerCount - 1; k >= 0; k--) {
          const { inputs, outputs } = shapes[k];
          const input = activationOffsets[k];
          const output = activationOffsets[k + 1];
          for (let o = 0; o < outputs; o++) {
            const d = deltas[output + o];
            grad[biasOffsets[k] + o] += d;
            const row = weightOffsets[k] + o * inputs;
            for (let i = 0; i < inputs; i++) grad[row + i] += d * activations[input + i];
          }
          if (k === 0) continue;
          // The inputs' deltas, through the sigmoid of the layer below.
          for (let i = 0; i < inputs; i++) {
            let sum = 0;
            for (let o = 0; o < outputs; o++) sum += params[weightOffsets[k] + o * inputs + i] * deltas[output + o];
            const a = activations[input + i];
            deltas[input + i] = sum * a * (1 - a);
          }
        }
      }
    }
    return squaredError / samples;
  }

  /** The image the (unquantized) parameters paint at the target's size, for snapshots. */
  render(params: Float64Array): RasterImage {
    const { width, height, channels } = this.target;
    const data = new Uint8Array(width * height * channels);
    createCoordinateMlpRenderer({ layers: this.layers(params), channels }, width, height, trainingSigmoid).renderRows(0, height, data);
    return { width, height, channels: channels as 1 | 3, data };
  }
}

export interface CoordinateMlpTrainingSettings {
  optimizer: CoordinateMlpOptimizer;
  seed: number;
  /** Iterations (generations for the genetic search); Infinity to train for `seconds` alone. */
  iterations: number;
  /** Stop after this much wall time, whatever the iteration. */
  seconds?: number;
  /** Genetic search only: Rprop steps per child. */
  childGradientSteps?: number;
  /** After every iteration, with the current parameters (the best member's for the genetic search). */
  onIteration?: (iteration: number, loss: number, params: Float64Array) => Promise<void>;
}

export interface TrainedCoordinateMlp {
  params: Float64Array;
  /** MSE of the unquantized parameters. */
  loss: number;
  iterations: number;
}

/** The training loop shared by every optimizer; stops at the iteration count or the time limit. */
export async function trainCoordinateMlp(objective: CoordinateMlpObjective, settings: CoordinateMlpTrainingSettings): Promise<TrainedCoordinateMlp> {
  const started = performance.now();
  const random = new Random(settings.seed);
  const progressAt = (iteration: number) => {
    const byCount = iteration / settings.iterations;
    const byTime = settings.seconds === undefined ? 0 : (performance.now() - started) / 1000 / settings.seconds;
    return Math.max(byCount, byTime);
  };
  let step: (progress: number) => { loss: number; params: Float64Array };
  if (settings.optimizer === 'genetic') {
    const search = new GeneticSearch(
      objective,
      {
        populationSize: DEFAULT_POPULATION,
        childrenPerGeneration: DEFAULT_POPULATION / 4,
        childGradientSteps: settings.childGradientSteps ?? 0,
        mutationSpread: MUTATION_SPREAD,
        unitOf: objective.unitOf(),
      },
      random,
      () => objective.initialParams(random),
    );
    step = (progress) => {
      search.generation(progress);
      return search.best();
    };
  } else {
    const params = objective.initialParams(random);
    const grad = new Float64Array(objective.parameterCount);
    const optimizer: GradientOptimizer = settings.optimizer === 'rprop' ? new Rprop(params.length) : new Adam(params.length);
    step = (progress) => {
      const loss = objective.lossAndGradient(params, grad);
      optimizer.step(params, grad, progress);
      return { loss, params };
    };
  }
  let iteration = 0;
  let current: { loss: number; params: Float64Array } | undefined;
  while (iteration < settings.iterations) {
    const progress = progressAt(iteration);
    if (progress >= 1) break;
    current = step(progress);
    iteration++;
    await settings.onIteration?.(iteration, current.loss, current.params);
  }
  const params = current?.params ?? objective.initialParams(random);
  return { params: Float64Array.from(params), loss: objective.loss(params), iterations: iteration };
}
