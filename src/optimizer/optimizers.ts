/**
 * Optimizers over one flat parameter vector, for the coordinate MLP: Rprop and Adam take
 * full-batch gradient steps; the genetic search evolves a population of whole vectors.
 */
import { Random } from './random.js';

/** What an optimizer minimises. */
export interface Objective {
  readonly parameterCount: number;
  /** The loss at `params`. */
  loss(params: Float64Array): number;
  /** The loss at `params`; writes its gradient into `grad`. */
  lossAndGradient(params: Float64Array, grad: Float64Array): number;
}

/** A gradient method: updates `params` in place from the gradient at them. */
export interface GradientOptimizer {
  /** `progress` runs from 0 to 1 over the training, for schedules. */
  step(params: Float64Array, grad: Float64Array, progress: number): void;
}

const RPROP_INCREASE = 1.2;
const RPROP_DECREASE = 0.5;
const RPROP_INITIAL_STEP = 0.0125;
const RPROP_MIN_STEP = 1e-6;
const RPROP_MAX_STEP = 1;

/**
 * iRprop- (Igel and Huesken): each parameter has its own step, grown while its gradient keeps
 * its sign and halved when the sign flips (the update is then skipped). Only gradient signs
 * matter, so it needs no learning rate: the blog's optimizer.
 */
export class Rprop implements GradientOptimizer {
  private readonly steps: Float64Array;
  private readonly previous: Float64Array;

  constructor(parameterCount: number) {
    this.steps = new Float64Array(parameterCount).fill(RPROP_INITIAL_STEP);
    this.previous = new Float64Array(parameterCount);
  }

  step(params: Float64Array, grad: Float64Array): void {
    const { steps, previous } = this;
    for (let i = 0; i < params.length; i++) {
      const g = grad[i];
      const agreement = g * previous[i];
      if (agreement > 0) steps[i] = Math.min(steps[i] * RPROP_INCREASE, RPROP_MAX_STEP);
      else if (agreement < 0) steps[i] = Math.max(steps[i] * RPROP_DECREASE, RPROP_MIN_STEP);
      if (agreement < 0) {
        previous[i] = 0;
        continue;
      }
      if (g > 0) params[i] -= steps[i];
      else if (g < 0) params[i] += steps[i];
      previous[i] = g;
    }
  }
}

const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPSILON = 1e-8;
export const ADAM_LEARNING_RATE = 0.05;

/** Adam with a cosine decay of the learning rate to a tenth over the training. */
export class Adam implements GradientOptimizer {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private steps = 0;

  constructor(
    parameterCount: number,
    private readonly learningRate = ADAM_LEARNING_RATE,
  ) {
    this.m = new Float64Array(parameterCount);
    this.v = new Float64Array(parameterCount);
  }

  step(params: Float64Array, grad: Float64Array, progress: number): void {
    this.steps++;
    const { m, v } = this;
    const schedule = 0.1 + 0.45 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
    const rate = (this.learningRate * schedule) / (1 - ADAM_BETA1 ** this.steps);
    const correction2 = 1 - ADAM_BETA2 ** this.steps;
    for (let i = 0; i < params.length; i++) {
      const g = grad[i];
      m[i] = ADAM_BETA1 * m[i] + (1 - ADAM_BETA1) * g;
      v[i] = ADAM_BETA2 * v[i] + (1 - ADAM_BETA2) * g * g;
      params[i] -= (rate * m[i]) / (Math.sqrt(v[i] / correction2) + ADAM_EPSILON);
    }
  }
}

export interface GeneticSettings {
  populationSize: number;
  /** Children made per generation; they replace the worst members when better. */
  childrenPerGeneration: number;
  /** Rprop steps each child takes before it is judged (0: a pure genetic algorithm). */
  childGradientSteps: number;
  /** Standard deviation of a mutation at the start; it shrinks tenfold over the training. */
  mutationSpread: number;
  /** Crossover copies whole units: a unit's incoming weights and bias come from one parent. */
  unitOf: Int32Array;
}

export const DEFAULT_POPULATION = 24;
const TOURNAMENT_SIZE = 3;

/**
 * A steady-state genetic algorithm: each generation picks parents by tournament, crosses them
 * unit by unit, mutates a few genes of the child with Gaussian noise, optionally refines it with
 * a few Rprop steps, and keeps it in place of the worst member when it beats that member.
 */
export class GeneticSearch {
  readonly population: Float64Array[];
  readonly losses: Float64Array;
  private readonly grad: Float64Array;
  /** Per unit: 1 when the child being made takes it from the first parent. */
  private readonly unitFromFirst: Uint8Array;

  constructor(
    private readonly objective: Objective,
    private readonly settings: GeneticSettings,
    private readonly random: Random,
    initial: (member: number) => Float64Array,
  ) {
    this.population = Array.from({ length: settings.populationSize }, (_, i) => initial(i));
    this.losses = Float64Array.from(this.population, (p) => objective.loss(p));
    this.grad = new Float64Array(objective.parameterCount);
    let units = 0;
    for (const u of settings.unitOf) units = Math.max(units, u + 1);
    this.unitFromFirst = new Uint8Array(units);
  }

  /** The best member and its loss. */
  best(): { params: Float64Array; loss: number } {
    let best = 0;
    for (let i = 1; i < this.losses.length; i++) if (this.losses[i] < this.losses[best]) best = i;
    return { params: this.population[best], loss: this.losses[best] };
  }

  generation(progress: number): void {
    const { settings, random, objective } = this;
    const spread = settings.mutationSpread * (1 - 0.9 * Math.min(1, progress));
    // About two genes per child, at least one.
    const mutationChance = 2 / objective.parameterCount;
    for (let c = 0; c < settings.childrenPerGeneration; c++) {
      const a = this.population[this.tournament()];
      const b = this.population[this.tournament()];
      const unitFromFirst = this.unitFromFirst;
      for (let u = 0; u < unitFromFirst.length; u++) unitFromFirst[u] = random.next() < 0.5 ? 1 : 0;
      const child = new Float64Array(objective.parameterCount);
      let mutated = false;
      for (let i = 0; i < child.length; i++) {
        child[i] = unitFromFirst[settings.unitOf[i]] ? a[i] : b[i];
        if (random.next() < mutationChance) {
          child[i] += spread * random.normal();
          mutated = true;
        }
      }
      if (!mutated) child[Math.floor(random.next() * child.length)] += spread * random.normal();
      if (settings.childGradientSteps > 0) {
        const rprop = new Rprop(child.length);
        for (let s = 0; s < settings.childGradientSteps; s++) {
          objective.lossAndGradient(child, this.grad);
          rprop.step(child, this.grad);
        }
      }
      const loss = objective.loss(child);
      let worst = 0;
      for (let i = 1; i < this.losses.length; i++) if (this.losses[i] > this.losses[worst]) worst = i;
      if (loss < this.losses[worst]) {
        this.population[worst] = child;
        this.losses[worst] = loss;
      }
    }
  }

  private tournament(): number {
    let winner = Math.floor(this.random.next() * this.population.length);
    for (let t = 1; t < TOURNAMENT_SIZE; t++) {
      const rival = Math.floor(this.random.next() * this.population.length);
      if (this.losses[rival] < this.losses[winner]) winner = rival;
    }
    return winner;
  }
}
