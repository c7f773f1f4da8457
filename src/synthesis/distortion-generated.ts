/**
 * A fast training kernel in plain JavaScript: the same computation as distortion.ts (the
 * reference), emitted as straight-line code specialised to one network shape, with every weight
 * and gradient accumulator in a local variable. V8 keeps these in registers or on the stack
 * instead of reloading typed arrays, which roughly halves the time per iteration.
 */
import { DistortionKernel, columnTapTables } from './distortion.js';

const cache = new Map<string, DistortionKernel>();

/** A kernel for the network widths [levels, hidden..., channels]; compiled once per shape. */
export function generatedDistortionKernel(widths: readonly number[]): DistortionKernel {
  const key = widths.join(',');
  let kernel = cache.get(key);
  if (!kernel) {
    const body = kernelSource(widths);
    const compiled = new Function('columnTapTables', body) as (tables: typeof columnTapTables) => DistortionKernel;
    kernel = compiled(columnTapTables);
    cache.set(key, kernel);
  }
  return kernel;
}

function kernelSource(widths: readonly number[]): string {
  const levels = widths[0];
  const layerCount = widths.length - 1;
  const lines: string[] = [];
  const emit = (line: string) => lines.push(line);
  // Variable names: a{k}_{i} activation i of layer k's input (a0 = latents), w{k}_{o}_{i}, b{k}_{o}.
  emit('return function generatedDistortionPass(pass, sampleCount) {');
  emit('const { width, channels, target, latents, latentGrad, gridOffsets, gridWidths, weights, biases, weightGrad, biasGrad, rows } = pass;');
  emit('const { col0, col1, colFrac } = columnTapTables(pass);');
  emit('const scale = 2 / sampleCount;');
  emit('let squaredError = 0;');
  let w = 0;
  let b = 0;
  for (let k = 0; k < layerCount; k++) {
    for (let o = 0; o < widths[k + 1]; o++) {
      for (let i = 0; i < widths[k]; i++) emit(`const w${k}_${o}_${i} = weights[${w++}];`);
      emit(`const b${k}_${o} = biases[${b++}];`);
    }
  }
  for (let l = 0; l < levels; l++) emit(`let r0_${l} = 0, r1_${l} = 0, fy_${l} = 0;`);
  emit('for (let r = 0; r < rows.length; r++) {');
  emit('const y = rows[r];');
  for (let l = 0; l < levels; l++) {
    emit(`{ const t = pass.rowTaps[${l}]; r0_${l} = gridOffsets[${l}] + t.first[y] * gridWidths[${l}]; r1_${l} = gridOffsets[${l}] + t.second[y] * gridWidths[${l}]; fy_${l} = t.frac[y]; }`);
  }
  emit('let pixel = y * width * channels;');
  emit('for (let x = 0; x < width; x++) {');
  for (let l = 0; l < levels; l++) {
    emit(`const t${l} = ${l} * width + x, c0_${l} = col0[t${l}], c1_${l} = col1[t${l}], fx_${l} = colFrac[t${l}];`);
    emit(`const p00_${l} = latents[r0_${l} + c0_${l}], p01_${l} = latents[r0_${l} + c1_${l}], p10_${l} = latents[r1_${l} + c0_${l}], p11_${l} = latents[r1_${l} + c1_${l}];`);
    emit(`const top_${l} = p00_${l} + fx_${l} * (p01_${l} - p00_${l});`);
    emit(`const a0_${l} = top_${l} + fy_${l} * (p10_${l} + fx_${l} * (p11_${l} - p10_${l}) - top_${l});`);
  }
  for (let k = 0; k < layerCount; k++) {
    const last = k === layerCount - 1;
    for (let o = 0; o < widths[k + 1]; o++) {
      const terms = [`b${k}_${o}`];
      for (let i = 0; i < widths[k]; i++) terms.push(`w${k}_${o}_${i} * a${k}_${i}`);
      emit(`const z${k + 1}_${o} = ${terms.join(' + ')};`);
      emit(last ? `const a${k + 1}_${o} = z${k + 1}_${o};` : `const a${k + 1}_${o} = z${k + 1}_${o} > 0 ? z${k + 1}_${o} : 0;`);
    }
  }
  const outputs = widths[layerCount];
  for (let c = 0; c < outputs; c++) {
    emit(`const e${c} = a${layerCount}_${c} + 0.5 - target[pixel++];`);
    emit(`squaredError += e${c} * e${c};`);
    emit(`const d${layerCount}_${c} = e${c} * scale;`);
  }
  const weightStart = [0];
  const biasStart = [0];
  for (let k = 0; k < layerCount; k++) {
    weightStart.push(weightStart[k] + widths[k] * widths[k + 1]);
    biasStart.push(biasStart[k] + widths[k + 1]);
  }
  for (let k = layerCount - 1; k >= 0; k--) {
    for (let o = 0; o < widths[k + 1]; o++) {
      emit(`biasGrad[${biasStart[k] + o}] += d${k + 1}_${o};`);
      for (let i = 0; i < widths[k]; i++) emit(`weightGrad[${weightStart[k] + o * widths[k] + i}] += d${k + 1}_${o} * a${k}_${i};`);
    }
    for (let i = 0; i < widths[k]; i++) {
      const terms: string[] = [];
      for (let o = 0; o < widths[k + 1]; o++) terms.push(`w${k}_${o}_${i} * d${k + 1}_${o}`);
      // Hidden activations pass gradient only where their ReLU was active.
      emit(k > 0 ? `const d${k}_${i} = a${k}_${i} > 0 ? ${terms.join(' + ')} : 0;` : `const d0_${i} = ${terms.join(' + ')};`);
    }
  }
  for (let l = 0; l < levels; l++) {
    emit(`{ const gBottom = d0_${l} * fy_${l}, gTop = d0_${l} - gBottom;`);
    emit(`latentGrad[r0_${l} + c0_${l}] += gTop - gTop * fx_${l}; latentGrad[r0_${l} + c1_${l}] += gTop * fx_${l};`);
    emit(`latentGrad[r1_${l} + c0_${l}] += gBottom - gBottom * fx_${l}; latentGrad[r1_${l} + c1_${l}] += gBottom * fx_${l}; }`);
  }
  emit('}');
  emit('}');
  emit('return squaredError;');
  emit('};');
  return lines.join('\n');
}
