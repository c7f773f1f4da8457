/**
 * The latent-grid encoder's rate control (src/encoder/rate-control.ts) and training schedule
 * (src/encoder/schedule.ts), on their own; encoder.test.ts and small-budgets.test.ts hold them
 * against real budgets end to end.
 */
import { describe, expect, it } from 'vitest';
import { minimumFileBytes } from '../src/encoder/budget.js';
import { RateControl, defaultHidden, lambdaForQuality } from '../src/encoder/rate-control.js';
import { coarseLearningRateAt, learningRateAt, proxyAt, settleLimit, trainingPlan, weightCheckpoints } from '../src/encoder/schedule.js';
import { BudgetError } from '../src/encoder/types.js';
import { NnimgHeader } from '../src/format/container.js';

const header: NnimgHeader = { model: 'latent-grid', width: 96, height: 64, channels: 3, levels: 6, hidden: [12] };
const PARAMETERS = (6 + 1) * 12 + (12 + 1) * 3;
const iteration = (roundedLatentBits: number) => ({ mse: 0.01, latentBits: roundedLatentBits, roundedLatentBits });

describe('RateControl', () => {
  it('refuses a budget below the smallest file of the header, and takes the smallest', () => {
    const minimum = minimumFileBytes(header);
    expect(() => new RateControl(header, PARAMETERS, { bytes: minimum - 1 })).toThrow(BudgetError);
    expect(new RateControl(header, PARAMETERS, { bytes: minimum }).budget).toBe(minimum);
  });

  it('aims the latents at what 96% of the budget leaves after the container, the weights and 8 bytes of slack', () => {
    const rate = new RateControl(header, PARAMETERS, { bytes: 2000 });
    expect(rate.estimateBytes(rate.latentTargetBits())).toBeCloseTo(0.96 * 2000 - 8, 9);
    expect(rate.estimateBytes(0)).toBeCloseTo(rate.containerBytes + (7 * PARAMETERS) / 8, 9);
  });

  it('steers lambda up while the latents are over their target and down while under, by at most 4% a step', () => {
    const rate = new RateControl(header, PARAMETERS, { bytes: 2000 });
    const target = rate.latentTargetBits();
    const start = rate.lambda;
    rate.steer(iteration(target * 1.01));
    expect(rate.lambda).toBeGreaterThan(start);
    const raised = rate.lambda;
    rate.steer(iteration(target * 100));
    expect(rate.lambda / raised).toBeCloseTo(Math.exp(0.04), 12);
    rate.steer(iteration(target / 100));
    rate.steer(iteration(target / 100));
    expect(rate.lambda).toBeLessThan(raised);
  });

  it('at a constant quality: lambda from the quality, never steered, never settled', () => {
    const rate = new RateControl(header, PARAMETERS, { quality: 40 });
    expect(rate.budget).toBeUndefined();
    expect(rate.lambda).toBe(lambdaForQuality(40));
    rate.steer(iteration(1e9));
    expect(rate.lambda).toBe(lambdaForQuality(40));
    expect(rate.needsSettling(iteration(1e9))).toBe(false);
    expect(new RateControl(header, PARAMETERS, {}).lambda).toBe(lambdaForQuality(75));
    expect(lambdaForQuality(1)).toBeCloseTo(0.02, 15);
    expect(lambdaForQuality(100)).toBeCloseTo(0.0001, 15);
  });

  it('settles while the estimated file is over 99% of the budget, each step raising lambda by 15%', () => {
    const rate = new RateControl(header, PARAMETERS, { bytes: 2000 });
    const bitsAt = (bytes: number) => (bytes - rate.containerBytes) * 8 - 7 * PARAMETERS;
    expect(rate.needsSettling(iteration(bitsAt(1985)))).toBe(true);
    expect(rate.needsSettling(iteration(bitsAt(1975)))).toBe(false);
    const before = rate.lambda;
    rate.tighten();
    expect(rate.lambda / before).toBeCloseTo(1.15, 12);
  });

  it('takes smaller networks for small budgets', () => {
    expect(defaultHidden(500)).toEqual([6]);
    expect(defaultHidden(2000)).toEqual([12]);
    expect(defaultHidden(8000)).toEqual([16]);
    expect(defaultHidden(undefined)).toEqual([16]);
  });
});

describe('the training schedule', () => {
  it('trains large images at half size first, smaller ones not', () => {
    expect(trainingPlan(768, 512, 200).coarseIterations).toBe(0);
    const large = trainingPlan(2000, 1500, 200);
    expect(large.coarseIterations).toBeGreaterThan(0);
    expect(large.rowStride).toBeGreaterThan(1);
    expect(trainingPlan(768, 512, 200, { iterations: 7, coarseIterations: 3 })).toMatchObject({ iterations: 7, coarseIterations: 3 });
    expect(() => trainingPlan(768, 512, 200, { rowStride: 0 })).toThrow(RangeError);
  });

  it('cosine-decays the learning rate over the noise phase, then trains rounded latents at a small flat rate', () => {
    expect(learningRateAt(0, false)).toBeCloseTo(0.03, 15);
    expect(learningRateAt(0.5, false)).toBeLessThan(learningRateAt(0.2, false));
    expect(learningRateAt(0.96, false)).toBe(learningRateAt(0.99, false));
    expect(learningRateAt(0.96, false)).toBeLessThan(learningRateAt(0.94, false));
    expect(learningRateAt(0.3, true)).toBe(0.5 * learningRateAt(0.3, false));
    expect(proxyAt(0.94)).toBe('noise');
    expect(proxyAt(0.95)).toBe('round');
    expect(coarseLearningRateAt(0)).toBeCloseTo(0.03, 15);
    expect(coarseLearningRateAt(1)).toBeCloseTo(0.003, 15);
  });

  it('measures the weights three times and settles for at most a tenth of the iterations (10 at least)', () => {
    expect([...weightCheckpoints(100)]).toEqual([30, 60, 95]);
    expect(settleLimit(40)).toBe(10);
    expect(settleLimit(500)).toBe(50);
  });
});
