/**
 * Forward evaluation of the synthesis network for one pixel, behind one interface: the plain
 * reference loop, and a fast version generated for one decoded model with its weights as
 * literals. Both round every layer's outputs to float32 at the same points and clamp hidden
 * activations to MAX_ACTIVATION, so they give bit-identical pixels (as does the WebAssembly row
 * renderer, render-wasm.ts), the ones spec section 8 defines.
 */
import { Layer, MAX_ACTIVATION } from './network.js';

/** Reads inputs (the sampled latents), writes the network's outputs; may clobber inputs. */
export type NetworkEvaluator = (inputs: Float32Array, outputs: Float32Array) => void;

export function referenceEvaluator(layers: readonly Layer[]): NetworkEvaluator {
  const widest = Math.max(...layers.map((l) => Math.max(l.shape.inputs, l.shape.outputs)));
  const a = new Float32Array(widest);
  const b = new Float32Array(widest);
  return (inputs, outputs) => {
    let current = a;
    let next = b;
    current.set(inputs.subarray(0, layers[0].shape.inputs));
    for (let k = 0; k < layers.length; k++) {
      const { weights, biases, shape } = layers[k];
      const last = k === layers.length - 1;
      for (let o = 0; o < shape.outputs; o++) {
        let acc = biases[o];
        const row = o * shape.inputs;
        for (let i = 0; i < shape.inputs; i++) acc += weights[row + i] * current[i];
        next[o] = last ? acc : acc > 0 ? (acc < MAX_ACTIVATION ? acc : MAX_ACTIVATION) : 0;
      }
      const swap = current;
      current = next;
      next = swap;
    }
    outputs.set(current.subarray(0, layers[layers.length - 1].shape.outputs));
  };
}

export function generatedEvaluator(layers: readonly Layer[]): NetworkEvaluator {
  const lines = ['const f = Math.fround;'];
  let previous = layers[0].shape.inputs;
  for (let i = 0; i < previous; i++) lines.push(`const v0_${i} = inputs[${i}];`);
  layers.forEach(({ weights, biases, shape }, k) => {
    const last = k === layers.length - 1;
    for (let o = 0; o < shape.outputs; o++) {
      const terms = [String(biases[o])];
      for (let i = 0; i < shape.inputs; i++) if (weights[o * shape.inputs + i] !== 0) terms.push(`${weights[o * shape.inputs + i]} * v${k}_${i}`);
      const sum = terms.join(' + ');
      const z = `s${k + 1}_${o}`;
      lines.push(last ? `outputs[${o}] = ${sum};` : `const ${z} = ${sum}; const v${k + 1}_${o} = ${z} > 0 ? (${z} < ${MAX_ACTIVATION} ? f(${z}) : ${MAX_ACTIVATION}) : 0;`);
    }
    previous = shape.outputs;
  });
  return new Function('inputs', 'outputs', lines.join('\n')) as NetworkEvaluator;
}
