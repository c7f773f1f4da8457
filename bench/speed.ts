/**
 * Speed benchmark (`npm run bench -- [image]`):
 *  1. training ms per iteration on the fixed reference workload (768x512, 7 grids, MLP 7-16-16-3,
 *     and the default 7-16-3), for the reference, generated and wasm kernels;
 *     and a whole Trainer.iterate() (quantization proxy, rate, network pass, Adam) per kernel,
 *     and with the wasm kernel on 1 and 2 threads, then a decode at width 4096 on 1 and 2 threads;
 *  2. decoding a random 768x512 model (7 grids, MLP 7-16-3) at width 4096, in memory, per kernel;
 *  3. with an image: default encode seconds and PSNR at 16000 bytes;
 *  4. with an image: decode at width 4096 against sharp decoding a JPEG of it and resizing.
 */
import { availableParallelism } from 'node:os';
import sharp from 'sharp';
import { decode, decodeInThreads, encode, readImage } from '../src/index.js';
import { createRenderer } from '../src/kinds/latent-grid/render.js';
import { stripRows } from '../src/decoder/decode.js';
import { KernelName, distortionKernel } from '../src/kernels/training.js';
import { Trainer } from '../src/encoder/trainer.js';
import { WorkloadShape, syntheticModel, syntheticWorkload } from '../src/encoder/workload.js';

const KERNELS: [KernelName, number][] = [
  ['reference', 3],
  ['generated', 5],
  ['wasm', 10],
];

function timeKernel(shape: WorkloadShape, name: KernelName, repeats: number): number {
  const pass = syntheticWorkload(shape);
  const kernel = distortionKernel([...pass.widths], name);
  const samples = pass.width * pass.height * pass.channels;
  for (let i = 0; i < 2; i++) kernel(pass, samples); // warm-up: let the engine optimise
  const started = performance.now();
  for (let i = 0; i < repeats; i++) kernel(pass, samples);
  return (performance.now() - started) / repeats;
}

async function timeIteration(shape: WorkloadShape, name: KernelName, repeats: number, threads = 1): Promise<number> {
  const { width, height, channels, target } = syntheticWorkload(shape);
  const trainer = new Trainer({ width, height, channels, pixels: target }, shape.levels, shape.hidden, shape.seed, name, threads);
  const settings = { lambda: 0.01, learningRate: 0.01, proxy: 'noise' } as const;
  try {
    for (let i = 0; i < 2; i++) await trainer.iterate(settings);
    const started = performance.now();
    for (let i = 0; i < repeats; i++) await trainer.iterate(settings);
    return (performance.now() - started) / repeats;
  } finally {
    await trainer.close();
  }
}

/** A 768x512 grey-gradient picture: only its size matters to the decode's speed. */
function syntheticDecodeImage() {
  const data = new Uint8Array(768 * 512 * 3).map((_, i) => (i * 7) % 256);
  return { width: 768, height: 512, channels: 3 as const, data };
}

function report(name: KernelName, ms: number, reference: number, unit: string): void {
  console.log(`  ${name.padEnd(9)}  ${ms.toFixed(0).padStart(5)} ${unit}  (${(reference / ms).toFixed(2)}x the reference)`);
}

for (const hidden of [[16, 16], [16]]) {
  const shape = { width: 768, height: 512, channels: 3, levels: 7, hidden, seed: 7 };
  console.log(`training kernel, forward + backward over 768x512 pixels, MLP ${[7, ...hidden, 3].join('-')}:`);
  const times = KERNELS.map(([name, repeats]) => [name, timeKernel(shape, name, repeats)] as const);
  for (const [name, ms] of times) report(name, ms, times[0][1], 'ms/iteration');
}

const defaultShape = { width: 768, height: 512, channels: 3, levels: 7, hidden: [16], seed: 7 };
console.log('training iteration (Trainer.iterate: proxy, rate, network pass, Adam) over 768x512 pixels, MLP 7-16-3:');
const iterationTimes: [KernelName, number][] = [];
for (const [name, repeats] of KERNELS) iterationTimes.push([name, await timeIteration(defaultShape, name, repeats)]);
for (const [name, ms] of iterationTimes) report(name, ms, iterationTimes[0][1], 'ms/iteration');

console.log(`threads (this machine: os.availableParallelism() = ${availableParallelism()}; a busy machine shows less):`);
const oneThread = await timeIteration(defaultShape, 'wasm', 10, 1);
const twoThreads = await timeIteration(defaultShape, 'wasm', 10, 2);
console.log(`  training iteration, wasm: 1 thread ${oneThread.toFixed(0)} ms, 2 threads ${twoThreads.toFixed(0)} ms (${(oneThread / twoThreads).toFixed(2)}x)`);

const model = syntheticModel(defaultShape, 0.4);
const outHeight = Math.round((4096 * 512) / 768);
console.log(`decode of a 768x512 model (MLP 7-16-3) at 4096x${outHeight}, in memory:`);
const decodeTimes = KERNELS.map(([name]) => {
  const started = performance.now();
  const renderer = createRenderer(model, 4096, outHeight, name);
  const rows = stripRows(4096, 3);
  const strip = new Uint8Array(rows * 4096 * 3);
  for (let y = 0; y < outHeight; y += rows) renderer.renderRows(y, Math.min(rows, outHeight - y), strip);
  return [name, performance.now() - started] as const;
});
for (const [name, ms] of decodeTimes) report(name, ms, decodeTimes[0][1], 'ms');

const modelFile = (await encode(syntheticDecodeImage(), { bytes: 4000, iterations: 1, threads: 1 })).file;
const decodeSeconds = async (threads: number) => {
  const started = performance.now();
  await decodeInThreads(modelFile, { width: 4096, threads });
  return (performance.now() - started) / 1000;
};
const [oneThreadDecode, twoThreadDecode] = [await decodeSeconds(1), await decodeSeconds(2)];
console.log(`  decode of a 768x512 file at width 4096 (default kernel): 1 thread ${oneThreadDecode.toFixed(2)} s, 2 threads ${twoThreadDecode.toFixed(2)} s (${(oneThreadDecode / twoThreadDecode).toFixed(2)}x)`);

const imagePath = process.argv[2];
if (imagePath) {
  const image = await readImage(imagePath);
  const result = await encode(image, { bytes: 16000 });
  console.log(`encode ${imagePath} --bytes 16000 (default settings): ${result.seconds.toFixed(1)} s, ${result.bytes} bytes, PSNR ${result.psnr.toFixed(2)} dB, ${result.iterations} iterations`);
  let started = performance.now();
  const decoded = decode(result.file, { width: 4096 });
  const ours = (performance.now() - started) / 1000;
  const jpeg = await sharp(imagePath).jpeg({ quality: 75 }).toBuffer();
  started = performance.now();
  await sharp(jpeg).resize({ width: 4096, kernel: 'lanczos3' }).raw().toBuffer();
  const theirs = (performance.now() - started) / 1000;
  console.log(`decode at 4096x${decoded.height}: nnimg ${ours.toFixed(2)} s; sharp JPEG decode + Lanczos resize ${theirs.toFixed(2)} s (${(ours / theirs).toFixed(1)}x)`);
}
