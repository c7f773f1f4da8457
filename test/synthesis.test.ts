/**
 * The synthesis network (src/synthesis/): its definition, the upsampling of the latent grids, the
 * training pass's fast variants against the reference, and the decode's evaluators and renderers,
 * which must give the reference's pixels exactly.
 */
import { describe, expect, it } from 'vitest';
import { KernelName } from '../src/kernels/select.js';
import { generatedEvaluator, referenceEvaluator } from '../src/synthesis/forward.js';
import { MAX_ACTIVATION, initialWeights, synthesisShapes } from '../src/synthesis/network.js';
import { largestMagnitude, sumsBelow } from '../src/synthesis/render-wasm.js';
import { MemoryPlan, instantiateKernels } from '../src/kernels/wasm-module.js';
import { createRenderer } from '../src/synthesis/render.js';
import { axisTaps } from '../src/synthesis/upsampling.js';
import { DistortionKernel, DistortionPass, runDistortionPass } from '../src/synthesis/distortion.js';
import { distortionKernel } from '../src/synthesis/distortion-kernel.js';
import { generatedDistortionKernel } from '../src/synthesis/distortion-generated.js';
import { wasmDistortionKernel } from '../src/synthesis/distortion-wasm.js';
import { syntheticModel, syntheticWorkload } from '../src/encoder/workload.js';
import { Random } from '../src/optimizer/random.js';

/** The image `model` renders at width x height with the named kernels. */
function rendered(model: Parameters<typeof createRenderer>[0], width: number, height: number, kernel: KernelName): Uint8Array {
  const out = new Uint8Array(width * height * model.channels);
  createRenderer(model, width, height, kernel).renderRows(0, height, out);
  return out;
}

describe('the network (synthesis/network.ts)', () => {
  it('runs from one input per latent level through the hidden widths to the channels', () => {
    expect(synthesisShapes(7, [16, 8], 3)).toEqual([
      { inputs: 7, outputs: 16 },
      { inputs: 16, outputs: 8 },
      { inputs: 8, outputs: 3 },
    ]);
    expect(synthesisShapes(4, [], 1)).toEqual([{ inputs: 4, outputs: 1 }]);
  });

  it('starts training from one weight per connection, drawn from the seed, the output layer damped', () => {
    const shapes = synthesisShapes(7, [16], 3);
    const weights = initialWeights(shapes, new Random(5));
    expect(weights.length).toBe(7 * 16 + 16 * 3);
    expect(initialWeights(shapes, new Random(5))).toEqual(weights);
    const spread = (values: Float32Array) => Math.sqrt(values.reduce((sum, v) => sum + v * v, 0) / values.length);
    const hidden = spread(weights.subarray(0, 7 * 16)) / Math.sqrt(2 / 7);
    const output = spread(weights.subarray(7 * 16)) / Math.sqrt(2 / 16);
    expect(output).toBeLessThan(hidden / 2);
  });
});

describe('the upsampling (synthesis/upsampling.ts)', () => {
  it('reads its own cell where the grid is as long as the output', () => {
    const taps = axisTaps(5, 5);
    expect(Array.from(taps.first)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(taps.second)).toEqual([1, 2, 3, 4, 4]);
    expect(Array.from(taps.frac)).toEqual([0, 0, 0, 0, 0]);
  });

  it('interpolates between cell centres and holds the edge cells outside them', () => {
    // Output centres at (k + 0.5) / 6, cell centres at (j + 0.5) / 3: grid positions k / 2 - 0.25.
    const taps = axisTaps(6, 3);
    expect(Array.from(taps.first)).toEqual([0, 0, 0, 1, 1, 2]);
    expect(Array.from(taps.second)).toEqual([1, 1, 1, 2, 2, 2]);
    expect(Array.from(taps.frac)).toEqual([0, 0.25, 0.75, 0.25, 0.75, 0]);
  });

  it("gives a strip of rows the whole axis's taps for those rows, never decreasing down the axis", () => {
    const whole = axisTaps(97, 13);
    const strip = axisTaps(97, 13, 40, 17);
    for (const key of ['first', 'second', 'frac'] as const) expect(Array.from(strip[key])).toEqual(Array.from(whole[key].subarray(40, 57)));
    // touchedLatentRanges (distortion.ts) relies on this: the outermost rows bound every row's cells.
    for (let k = 1; k < 97; k++) {
      expect(whole.first[k]).toBeGreaterThanOrEqual(whole.first[k - 1]);
      expect(whole.second[k]).toBeGreaterThanOrEqual(whole.second[k - 1]);
    }
  });
});

function workload(width: number, height: number, channels: number, hidden: number[], seed: number, levels = 4): DistortionPass {
  return syntheticWorkload({ width, height, channels, levels, hidden, seed });
}

function withFreshGradients(pass: DistortionPass): DistortionPass {
  return {
    ...pass,
    latentGrad: new Float64Array(pass.latentGrad.length),
    weightGrad: new Float64Array(pass.weightGrad.length),
    biasGrad: new Float64Array(pass.biasGrad.length),
  };
}

function expectClose(actual: Float64Array, expected: Float64Array, relative: number): void {
  const scale = Math.max(...expected.map(Math.abs));
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(relative * scale);
}

/** Runs the kernel and the reference on copies of the pass and compares error and gradients. */
function expectMatchesReference(kernel: DistortionKernel, pass: DistortionPass, relative: number): void {
  const samples = pass.rows.length * pass.width * pass.channels;
  const reference = withFreshGradients(pass);
  const fast = withFreshGradients(pass);
  const errorReference = runDistortionPass(reference, samples);
  const errorFast = kernel(fast, samples);
  expect(Math.abs(errorFast - errorReference)).toBeLessThan(relative * errorReference);
  expectClose(fast.weightGrad, reference.weightGrad, relative);
  expectClose(fast.biasGrad, reference.biasGrad, relative);
  expectClose(fast.latentGrad, reference.latentGrad, relative);
}

const fastKernels: [string, (widths: number[]) => DistortionKernel, number][] = [
  ['generated', generatedDistortionKernel, 1e-6],
  // Sums in float32 where the reference sums in float64.
  ['wasm', () => wasmDistortionKernel(), 1e-5],
];

describe('the training pass (synthesis/distortion*.ts)', () => {
  const shapes: [string, DistortionPass][] = [
    ['hidden [8], 3 channels', workload(23, 17, 3, [8], 3)],
    ['hidden [6, 5], 1 channel', workload(23, 17, 1, [6, 5], 3)],
    ['no hidden layer', workload(23, 17, 3, [], 3)],
    ['hidden [16, 16], 7 levels', workload(61, 40, 3, [16, 16], 4, 7)],
    ['the widest network, 12 levels', workload(37, 29, 1, [64, 13, 64, 7], 5, 12)],
    ['a subsample of rows', { ...workload(30, 21, 3, [9, 3], 6), rows: Int32Array.from([0, 4, 5, 11, 20]) }],
  ];
  for (const [kernelName, makeKernel, relative] of fastKernels) {
    for (const [shapeName, pass] of shapes) {
      it(`${kernelName} kernel matches the reference (${shapeName})`, () => {
        expectMatchesReference(makeKernel([...pass.widths]), pass, relative);
      });
    }
  }

  it('distortionKernel gives each kernel by name', () => {
    const pass = workload(19, 13, 3, [7], 8);
    expect(distortionKernel([...pass.widths], 'reference')).toBe(runDistortionPass);
    expect(distortionKernel([...pass.widths], 'generated')).toBe(generatedDistortionKernel([...pass.widths]));
    expectMatchesReference(distortionKernel([...pass.widths], 'wasm'), pass, 1e-5);
  });

  it('the wasm kernel follows new latents, weights and rows on the same pass', () => {
    const pass = workload(19, 13, 3, [7], 8);
    const kernel = wasmDistortionKernel();
    kernel(withFreshGradients(pass), 1);
    const random = new Random(9);
    for (const values of [pass.latents, pass.weights, pass.biases]) for (let i = 0; i < values.length; i++) values[i] += 0.1 * random.normal();
    expectMatchesReference(kernel, pass, 1e-5);
    expectMatchesReference(kernel, { ...pass, rows: Int32Array.from([2, 7, 12]) }, 1e-5);
  });

  const checkedKernels: [string, () => DistortionKernel][] = [
    ['reference', () => runDistortionPass],
    ['wasm', wasmDistortionKernel],
  ];
  for (const [kernelName, makeKernel] of checkedKernels) {
    it(`${kernelName} gradients agree with finite differences of the loss`, () => {
      const kernel = makeKernel();
      const pass = workload(11, 9, 3, [5], 5);
      const samples = 11 * 9 * 3;
      const analytic = withFreshGradients(pass);
      kernel(analytic, samples);
      const loss = (p: DistortionPass) => kernel(withFreshGradients(p), samples) / samples;
      const checks: [Float32Array, Float64Array, number][] = [
        [pass.weights, analytic.weightGrad, 3],
        [pass.biases, analytic.biasGrad, 1],
        [pass.latents, analytic.latentGrad, 40],
      ];
      for (const [values, gradient, index] of checks) {
        const original = values[index];
        const h = 1e-3;
        values[index] = original + h;
        const up = loss(pass);
        values[index] = original - h;
        const down = loss(pass);
        values[index] = original;
        const numeric = (up - down) / (2 * h);
        // Activations are float32, so the loss itself is only good to ~1e-7 relative.
        expect(Math.abs(gradient[index] - numeric), `index ${index}: ${gradient[index]} vs ${numeric}`).toBeLessThan(2e-3 * Math.abs(numeric) + 1e-7);
      }
    });
  }
});

describe('the decode: evaluators and renderers (synthesis/forward.ts, render*.ts)', () => {
  it('the generated evaluator gives bit-identical outputs to the reference', () => {
    const random = new Random(11);
    const shapes = synthesisShapes(7, [16, 8], 3);
    const layers = shapes.map((shape) => ({
      shape,
      weights: Float32Array.from({ length: shape.inputs * shape.outputs }, () => (random.next() < 0.2 ? 0 : random.normal())),
      biases: Float32Array.from({ length: shape.outputs }, () => random.normal()),
    }));
    const fast = generatedEvaluator(layers);
    const reference = referenceEvaluator(layers);
    const a = new Float32Array(16);
    const b = new Float32Array(16);
    for (let n = 0; n < 2000; n++) {
      const inputs = Float32Array.from({ length: 7 }, () => 3 * random.normal());
      fast(Float32Array.from(inputs), a);
      reference(Float32Array.from(inputs), b);
      expect(Array.from(a.subarray(0, 3))).toEqual(Array.from(b.subarray(0, 3)));
    }
  });

  const renderShapes: [string, number, number[], number, number][] = [
    ['7 levels, hidden [16], RGB', 7, [16], 3, 1],
    ['4 levels, hidden [6, 5], grey', 4, [6, 5], 1, 1],
    ['5 levels, hidden [8], RGB (one hidden layer into RGB: fused)', 5, [8], 3, 1],
    ['7 levels, hidden [16], grey', 7, [16], 1, 1],
    ['7 levels, hidden [18], RGB (not a multiple of four)', 7, [18], 3, 1],
    ['no hidden layer', 3, [], 3, 1],
    ['12 levels, the widest network', 12, [64, 13, 64, 7], 3, 0.3],
    ['saturating outputs', 5, [9], 3, 4],
  ];
  for (const [name, levels, hidden, channels, spread] of renderShapes) {
    it(`every kernel renders the same pixels (${name})`, () => {
      const model = syntheticModel({ width: 45, height: 31, channels, levels, hidden, seed: levels + hidden.length }, spread);
      // Wider and narrower than the model, with widths that are not multiples of four.
      for (const [width, height] of [[45, 31], [103, 70], [13, 9]]) {
        const render = (kernel: KernelName) => rendered(model, width, height, kernel);
        const reference = render('reference');
        expect(new Set(reference).size).toBeGreaterThan(2);
        expect(render('generated')).toEqual(reference);
        expect(render('wasm')).toEqual(reference);
      }
    });
  }
});

describe('the wasm render rounds and clamps as the reference', () => {
  it('at and around every half step, below 0, above 255, and for NaN and infinities', () => {
    // One level, a grid exactly as wide as the output (so each pixel's input is its latent), one
    // ReLU unit passing it on, and outputs latent - 1/2: each pixel is toByte(latent).
    const values: number[] = [-1, -0, 0, 1e-9, 1.2, 255, NaN, Infinity, -Infinity];
    for (let k = 0; k <= 256; k++) {
      for (const offset of [-1e-7, 0, 1e-7]) values.push((k - 0.5) / 255 + offset, k / 255 + offset);
    }
    const width = values.length;
    expect(width % 4).not.toBe(0); // the last pixels take the one-at-a-time path
    const model = {
      kind: 'latent-grid' as const,
      width,
      height: 1,
      channels: 3,
      grids: [{ width, height: 1 }],
      latents: [Float32Array.from(values)],
      layers: [
        { shape: { inputs: 1, outputs: 1 }, weights: Float32Array.of(1), biases: Float32Array.of(0) },
        { shape: { inputs: 1, outputs: 3 }, weights: Float32Array.of(1, 1, 1), biases: Float32Array.of(-0.5, -0.5, -0.5) },
      ],
    };
    const render = (kernel: KernelName) => rendered(model, width, 1, kernel);
    const reference = render('reference');
    expect(new Set(reference).size).toBe(256);
    expect(render('wasm')).toEqual(reference);
  });
});

describe('the wasm render skips zero inputs as if it added them', () => {
  // Files' fine grids are mostly zeros: a level wholly (often level 0), rows of it, or patches.
  // The render skips a level for a row whose blended row is all zeros, and a level's input for
  // four pixels whose cells are all zeros (assembly/synthesis.ts renderRow); the pixels must stay
  // the reference's, which adds every product.
  const zeroed = (seed: number, nonFiniteWeight?: number, layer = 0) => {
    const model = syntheticModel({ width: 45, height: 31, channels: 3, levels: 5, hidden: [16], seed }, 1);
    const random = new Random(seed);
    const [level0, level1, level2, level3] = model.latents;
    level0.fill(0); // a level wholly zero
    const width1 = model.grids[1].width;
    for (let y = 0; y < model.grids[1].height; y++) if (y % 3 !== 1) level1.fill(y % 2 ? -0 : 0, y * width1, (y + 1) * width1); // rows of zeros, some -0
    for (let i = 0; i < level2.length; i++) if (random.next() < 0.7) level2[i] = 0; // scattered zeros
    level3.fill(0, 0, level3.length >> 1); // the top half
    if (nonFiniteWeight !== undefined) model.layers[layer].weights[3] = nonFiniteWeight;
    // Hidden unit 3 dead everywhere (its ReLU output 0): its output weights multiply only zeros.
    if (layer === 1) (model.layers[0].biases as Float32Array)[3] = -1e6;
    return model;
  };
  const cases: [string, ReturnType<typeof zeroed>][] = [
    ['zero levels, rows and cells', zeroed(3)],
    ['another seed', zeroed(4)],
    ['an infinite first-layer weight (0 x Infinity is NaN: nothing skipped)', zeroed(5, Infinity)],
    ['a NaN first-layer weight', zeroed(6, NaN)],
    ['an infinite output weight of a dead hidden unit', zeroed(7, Infinity, 1)],
  ];
  for (const [name, model] of cases) {
    it(name, () => {
      for (const [width, height] of [[45, 31], [211, 150], [13, 9]]) {
        const render = (kernel: KernelName) => rendered(model, width, height, kernel);
        const reference = render('reference');
        expect(new Set(reference).size).toBeGreaterThan(2);
        expect(render('wasm')).toEqual(reference);
      }
    });
  }
});

describe('the wasm render leaves out hidden units that stay 0 over a segment of a row', () => {
  // renderRow bounds each hidden unit's sums over 64 pixels from its weights and the range of each
  // level's cells there, and skips the units that cannot be positive (liveUnits). Units dead
  // everywhere, dead in parts of the image, and at the edge of it must give the reference's pixels.
  it('dead, partly dead and barely live units', () => {
    const random = new Random(21);
    for (const seed of [1, 2, 3]) {
      const model = syntheticModel({ width: 61, height: 37, channels: 3, levels: 5, hidden: [16], seed }, 1);
      const [first] = model.layers;
      const biases = first.biases as Float32Array;
      const weights = first.weights as Float32Array;
      // Units 0-3: dead everywhere; 4-9: dead where their inputs are low (biases near the bound);
      // 10: all weights 0 and bias 0, a sum of exactly 0; 11: a sum of 0 at its largest input.
      for (let o = 0; o < 4; o++) biases[o] = -1000;
      for (let o = 4; o < 10; o++) biases[o] = -(0.5 + 2 * random.next()) * weights.subarray(o * 5, o * 5 + 5).reduce((n, w) => n + Math.abs(w), 0);
      weights.fill(0, 50, 55);
      biases[10] = 0;
      weights.fill(0, 55, 60);
      weights[55] = 1;
      biases[11] = -Math.max(...model.latents[0]);
      for (const [width, height] of [[61, 37], [300, 182], [17, 11]]) {
        const render = (kernel: KernelName) => rendered(model, width, height, kernel);
        const reference = render('reference');
        expect(new Set(reference).size).toBeGreaterThan(2);
        expect(render('wasm')).toEqual(reference);
      }
    }
  });
});

describe('the wasm render clamps hidden sums at MAX_ACTIVATION only where one can reach it', () => {
  // One level as wide as the output, one ReLU unit passing each latent on, outputs latent / 2^66 - 1/2
  // (and two more mixes): latents up to 80 x 2^60 pass 2^64, where the clamp shows (a pixel of
  // 2^64 / 2^66 - 1/2 = -1/4, not 1/2); latents up to 80 x 2^55 do not (sumsBelow true).
  for (const [name, unit, below] of [
    ['sums beyond 2^64', 2 ** 60, false],
    ['sums below 2^64', 2 ** 55, true],
  ] as const) {
    it(name, () => {
      const width = 81;
      const model = {
        kind: 'latent-grid' as const,
        width,
        height: 1,
        channels: 3,
        grids: [{ width, height: 1 }],
        latents: [Float32Array.from({ length: width }, (_, k) => k * unit)],
        layers: [
          { shape: { inputs: 1, outputs: 2 }, weights: Float32Array.of(1, 0.5), biases: Float32Array.of(0, 0) },
          { shape: { inputs: 2, outputs: 3 }, weights: Float32Array.of(2 ** -66, 0, 0, 2 ** -65, 2 ** -67, 2 ** -66), biases: Float32Array.of(-0.5, -0.5, -0.25) },
        ],
      };
      expect(sumsBelow(MAX_ACTIVATION / 2, model)).toBe(below);
      const render = (kernel: KernelName) => rendered(model, width, 1, kernel);
      const reference = render('reference');
      expect(new Set(reference).size).toBeGreaterThan(20);
      expect(render('wasm')).toEqual(reference);
    });
  }

  it("the kernel's largest latent magnitude is the reference's, NaN and infinities included", () => {
    const kernels = instantiateKernels();
    const plan = new MemoryPlan(kernels);
    const at = plan.reserve(4 * 64);
    const buffer = plan.commit();
    const random = new Random(3);
    for (const special of [undefined, NaN, Infinity, -Infinity, -0, -7.5]) {
      for (const count of [0, 1, 3, 4, 5, 17, 64]) {
        const values = Float32Array.from({ length: count }, () => 4 * random.normal());
        if (special !== undefined && count > 0) values[Math.floor(random.next() * count)] = special;
        new Float32Array(buffer, at, count).set(values);
        expect(kernels.largestMagnitude(at, count)).toBe(largestMagnitude([values]));
      }
    }
  });

  it('sumsBelow bounds every hidden sum the reference computes', () => {
    const random = new Random(5);
    for (let n = 0; n < 20; n++) {
      const model = syntheticModel({ width: 9, height: 7, channels: 3, levels: 3, hidden: [6, 5], seed: n }, 1 + 3 * random.next());
      let largest = 0;
      const [first, second] = model.layers;
      const sums = (layer: typeof first, inputs: number[]) =>
        Array.from({ length: layer.shape.outputs }, (_, o) => inputs.reduce((acc, x, i) => acc + layer.weights[o * layer.shape.inputs + i] * x, layer.biases[o]));
      for (let k = 0; k < 200; k++) {
        const inputs = model.latents.map((grid) => grid[Math.floor(random.next() * grid.length)]);
        const hidden = sums(first, inputs).map((z) => Math.fround(Math.max(0, z)));
        largest = Math.max(largest, ...sums(first, inputs).map(Math.abs), ...sums(second, hidden).map(Math.abs));
      }
      expect(sumsBelow(largest, model)).toBe(false);
      expect(sumsBelow(largest * 1.01 + 1e3, model)).toBe(sumsBelow(Infinity, model));
    }
  });
});
