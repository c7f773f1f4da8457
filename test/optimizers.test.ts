/** The coordinate MLP's optimizers (src/optimizer/optimizers.ts) on a convex problem with a known minimum. */
import { describe, expect, it } from 'vitest';
import { Adam, GeneticSearch, GradientOptimizer, Objective, Rprop } from '../src/optimizer/optimizers.js';
import { Random } from '../src/optimizer/random.js';

/** sum_i w_i (x_i - t_i)^2: minimum 0 at t. */
const target = Float64Array.from([0.7, -1.3, 0.05, 2.2, -0.4, 1]);
const weights = Float64Array.from([1, 4, 0.5, 2, 8, 1]);
const bowl: Objective = {
  parameterCount: target.length,
  loss: (x) => x.reduce((sum, v, i) => sum + weights[i] * (v - target[i]) ** 2, 0),
  lossAndGradient(x, grad) {
    for (let i = 0; i < x.length; i++) grad[i] = 2 * weights[i] * (x[i] - target[i]);
    return this.loss(x);
  },
};

function descend(optimizer: GradientOptimizer, steps: number): number {
  const x = new Float64Array(target.length);
  const grad = new Float64Array(target.length);
  for (let s = 0; s < steps; s++) {
    bowl.lossAndGradient(x, grad);
    optimizer.step(x, grad, s / steps);
  }
  return bowl.loss(x);
}

describe('optimizers', () => {
  const start = bowl.loss(new Float64Array(target.length));

  it('Rprop finds the minimum from the gradient signs alone', () => {
    expect(descend(new Rprop(target.length), 300)).toBeLessThan(1e-6 * start);
  });

  it('Adam finds the minimum', () => {
    expect(descend(new Adam(target.length), 3000)).toBeLessThan(1e-3 * start);
  });

  it('the genetic search keeps its best member and improves it, the same way for a seed', () => {
    const run = () => {
      const random = new Random(9);
      const search = new GeneticSearch(
        bowl,
        { populationSize: 12, childrenPerGeneration: 4, childGradientSteps: 0, mutationSpread: 1, unitOf: Int32Array.from(target, (_, i) => i % 3) },
        random,
        () => Float64Array.from(target, () => 2 * random.normal()),
      );
      const first = search.best().loss;
      let previous = first;
      for (let g = 0; g < 200; g++) {
        search.generation(g / 200);
        expect(search.best().loss).toBeLessThanOrEqual(previous);
        previous = search.best().loss;
      }
      return { first, last: previous };
    };
    const { first, last } = run();
    expect(last).toBeLessThan(0.1 * first);
    expect(run().last).toBe(last);
  });
});
