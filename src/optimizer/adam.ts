/** Trainable tensors and the Adam step the trainer applies to them. */

const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPSILON = 1e-8;

/** A trainable tensor with its gradient and Adam moments (the arrays may live elsewhere, e.g. in WebAssembly memory). */
export class Parameter {
  constructor(
    readonly value: Float32Array,
    readonly learningRateScale = 1,
    readonly grad = new Float64Array(value.length),
    readonly m = new Float32Array(value.length),
    readonly v = new Float32Array(value.length),
  ) {}
}

/** Bias corrections and step size of Adam step `step` (1 for the first). */
export interface AdamStep {
  readonly learningRate: number;
  readonly correction1: number;
  readonly correction2: number;
}

export function adamStep(step: number, learningRate: number): AdamStep {
  return { learningRate, correction1: 1 - ADAM_BETA1 ** step, correction2: 1 - ADAM_BETA2 ** step };
}

/** The step for one parameter: its learning rate over the first bias correction. */
export function parameterRate(parameter: Parameter, step: AdamStep): number {
  return (step.learningRate * parameter.learningRateScale) / step.correction1;
}

export function adamUpdate(parameter: Parameter, step: AdamStep): void {
  const { value, grad, m, v } = parameter;
  const rate = parameterRate(parameter, step);
  for (let i = 0; i < value.length; i++) {
    const g = grad[i];
    m[i] = ADAM_BETA1 * m[i] + (1 - ADAM_BETA1) * g;
    v[i] = ADAM_BETA2 * v[i] + (1 - ADAM_BETA2) * g * g;
    value[i] -= (rate * m[i]) / (Math.sqrt(v[i] / step.correction2) + ADAM_EPSILON);
  }
}
