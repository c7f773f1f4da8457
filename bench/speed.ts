/**
 * Speed benchmark (`npm run bench -- [image]`):
 *  1. training ms per iteration on the fixed reference workload (768x512, 7 grids, MLP 7-16-16-3,
 *     and the default 7-16-3), for the reference, generated and wasm kernels;
 *     and a whole Trainer.iterate() (quantization proxy, rate, network pass, Adam) per kernel,
 *     and with the wasm kernel on 1 and 2 threads, then a decode at width 4096 on 1 and 2 threads;
 *  2. decoding a random 768x512 model (7 grids, MLP 7-16-3) at width 4096, in memory, per kernel;
 *  3. with an image: default encode seconds and PSNR at 16000 bytes;
 *  4. with an image: decode at width 4096 against sharp decoding a JPEG of it and resizing, in
 *     memory; then the whole command (bench/cli-decode.ts): `nnimg decode FILE --width 4096` as a
 *     fresh process against a sharp script doing JPEG decode + Lanczos resize + PNG write, in
 *     alternation, median of 5 each (without an image: docs/demo/coffee.nnimg against
 *     corpus/coffee.png, its source); `--nnimg FILE` takes that file instead of encoding the image;
 *  5. where Chromium is (/usr/bin/chromium or NNIMG_CHROMIUM): the same file decoded in memory at
 *     768 and 2048 wide by Node and by the browser decoder (bench/browser-decode.ts);
 *  6. how fast bad input is refused and Ctrl-C obeyed by the command, run as its own process
 *     (timed here, not asserted by npm test, whose results must not depend on the machine's load).
 *
 *   npm run bench -- [image] [--nnimg file.nnimg] [--decode]
 *
 * --decode times the decoding only (sections 2, 4 and 5; with an image, pass --nnimg too to skip
 * the encode), e.g. `npm run bench -- corpus.png --nnimg file.nnimg --decode`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import sharp from 'sharp';
import { buildCommandLine, compareDecodeCommand } from './cli-decode.js';
import { decodeCase, fuzzCases, seedFiles } from './support/nnimg-fuzz.js';
import { decode, decodeInThreads, encode, parseNnimg, readImage } from '../src/index.js';
import {
  KernelName,
  Trainer,
  WorkloadShape,
  crc32,
  createRenderer,
  distortionKernel,
  stripRows,
  syntheticModel,
  syntheticWorkload,
  writeContainer,
} from '../src/internals.js';

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

const decodeOnly = process.argv.includes('--decode');

for (const hidden of decodeOnly ? [] : [[16, 16], [16]]) {
  const shape = { width: 768, height: 512, channels: 3, levels: 7, hidden, seed: 7 };
  console.log(`training kernel, forward + backward over 768x512 pixels, MLP ${[7, ...hidden, 3].join('-')}:`);
  const times = KERNELS.map(([name, repeats]) => [name, timeKernel(shape, name, repeats)] as const);
  for (const [name, ms] of times) report(name, ms, times[0][1], 'ms/iteration');
}

const defaultShape = { width: 768, height: 512, channels: 3, levels: 7, hidden: [16], seed: 7 };
if (!decodeOnly) {
  console.log('training iteration (Trainer.iterate: proxy, rate, network pass, Adam) over 768x512 pixels, MLP 7-16-3:');
  const iterationTimes: [KernelName, number][] = [];
  for (const [name, repeats] of KERNELS) iterationTimes.push([name, await timeIteration(defaultShape, name, repeats)]);
  for (const [name, ms] of iterationTimes) report(name, ms, iterationTimes[0][1], 'ms/iteration');

  console.log(`threads (this machine: os.availableParallelism() = ${availableParallelism()}; a busy machine shows less):`);
  const oneThread = await timeIteration(defaultShape, 'wasm', 10, 1);
  const twoThreads = await timeIteration(defaultShape, 'wasm', 10, 2);
  console.log(`  training iteration, wasm: 1 thread ${oneThread.toFixed(0)} ms, 2 threads ${twoThreads.toFixed(0)} ms (${(oneThread / twoThreads).toFixed(2)}x)`);
}

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

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2).filter((arg) => arg !== '--decode');
const nnimgAt = args.indexOf('--nnimg');
const givenFile = nnimgAt >= 0 ? args.splice(nnimgAt, 2)[1] : undefined;
const imagePath = args[0];
const benchFolder = mkdtempSync(join(tmpdir(), 'nnimg-speed-'));
// The file of sections 4 and 5: the image's encoding, or the demo file and its source image.
let filePath = join(root, 'docs/demo/coffee.nnimg');
let sourcePath = join(root, 'corpus/coffee.png');
if (imagePath) {
  sourcePath = imagePath;
  let file: Uint8Array;
  if (givenFile) {
    file = new Uint8Array(readFileSync(givenFile));
    filePath = givenFile;
    console.log(`${givenFile}: ${file.length} bytes, taken as the encoding of ${imagePath}`);
  } else {
    const result = await encode(await readImage(imagePath), { bytes: 16000 });
    console.log(`encode ${imagePath} --bytes 16000 (default settings): ${result.seconds.toFixed(1)} s, ${result.bytes} bytes, PSNR ${result.psnr.toFixed(2)} dB, ${result.iterations} iterations`);
    file = result.file;
    filePath = join(benchFolder, 'image.nnimg');
    writeFileSync(filePath, file);
  }
  // Three of each, alternated; their medians (the first decode also parses in a fresh process).
  const jpeg = await sharp(imagePath).jpeg({ quality: 75 }).toBuffer();
  const [ours, theirs]: number[][] = [[], []];
  let height = 0;
  for (let round = 0; round < 3; round++) {
    let started = performance.now();
    height = decode(file, { width: 4096 }).height;
    ours.push((performance.now() - started) / 1000);
    started = performance.now();
    await sharp(jpeg).resize({ width: 4096, kernel: 'lanczos3' }).raw().toBuffer();
    theirs.push((performance.now() - started) / 1000);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[1];
  const list = (values: number[]) => values.map((v) => v.toFixed(2)).join(', ');
  console.log(
    `decode at 4096x${height}, in memory (median of 3): nnimg ${median(ours).toFixed(2)} s (${list(ours)}); sharp JPEG decode + Lanczos resize ${median(theirs).toFixed(2)} s (${list(theirs)}) (${(median(ours) / median(theirs)).toFixed(1)}x)`,
  );
}
// The command runs from dist/: built from the current sources first.
buildCommandLine();
await compareDecodeCommand(sourcePath, filePath, 4096);

const chromium = process.env.NNIMG_CHROMIUM ?? '/usr/bin/chromium';
if (existsSync(chromium)) {
  console.log(`browser decode (bench/browser-decode.ts, ${chromium}):`);
  const browser = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench/browser-decode.ts'), filePath, '--widths', '768,2048'], { stdio: 'inherit' });
  if (browser.status !== 0) console.log(`  bench/browser-decode.ts failed (exit ${browser.status})`);
} else {
  console.log(`browser decode: skipped, no Chromium at ${chromium} (set NNIMG_CHROMIUM)`);
}
rmSync(benchFolder, { recursive: true, force: true });

console.log('refusals and interrupts (timed here; npm test checks only that they happen):');
const msOf = async (work: () => unknown): Promise<number> => {
  const started = performance.now();
  await work();
  return performance.now() - started;
};
// A 25-byte file whose header claims 65535x2048 pixels: refused before the model is allocated.
const claim = writeContainer({ model: 'latent-grid', width: 65535, height: 2048, channels: 3, levels: 12, hidden: [64, 64, 64, 64] }, new Uint8Array(0));
const claimMs = await msOf(() => {
  try {
    parseNnimg(claim);
  } catch {
    // NnimgDecodeError 'limit', as expected.
  }
});
console.log(`  parseNnimg of a ${claim.length}-byte file claiming 2^27 pixels: ${claimMs.toFixed(1)} ms`);
// A PNG whose header claims 30000x30000 over 1 kB of data: refused from its header.
const chunk = (type: string, data: Uint8Array) => {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(30000, 0);
ihdr.writeUInt32BE(30000, 4);
ihdr[8] = 8;
ihdr[9] = 2;
const bomb = new Uint8Array(
  Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(new Uint8Array(1024))), chunk('IEND', new Uint8Array(0))]),
);
const bombMs = await msOf(() => readImage(bomb).catch(() => undefined));
console.log(`  readImage of a ${bomb.length}-byte PNG claiming 30000x30000: ${bombMs.toFixed(1)} ms`);
// The fuzz cases of npm test: the slowest one (npm run fuzz runs many more, with a hang watchdog).
let slowestCase = 0;
for (const fuzzCase of fc.sample(fuzzCases(seedFiles()), { numRuns: 4000, seed: 1 })) {
  slowestCase = Math.max(slowestCase, await msOf(() => decodeCase(fuzzCase)));
}
console.log(`  4000 fuzzed files: the slowest decoded or refused in ${slowestCase.toFixed(1)} ms`);
// Ctrl-C: from SIGINT to the command's exit, during a long encode and a long decode, each the
// real command (bin/nnimg.js, built above) in its own process, signalled once its work has begun.
const folder = mkdtempSync(join(tmpdir(), 'nnimg-bench-'));
const bin = join(root, 'bin', 'nnimg.js');
try {
  await sharp({ create: { width: 24, height: 16, channels: 3, background: '#608040' } }).png().toFile(join(folder, 'crop.png'));
  const made = spawnSync(process.execPath, [bin, 'encode', join(folder, 'crop.png'), '-o', join(folder, 'crop.nnimg'), '--iterations', '5', '--quiet'], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`nnimg encode failed (exit ${made.status}): ${made.stderr}`);
  const interrupted = async (args: string[], begun: () => boolean) => {
    const child = spawn(process.execPath, [bin, ...args, '--quiet'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    while (!begun() && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 20));
    if (child.exitCode !== null) return `ended before its work began (exit ${child.exitCode})`;
    const signalled = performance.now();
    child.kill('SIGINT');
    const code = await exited;
    return `${(performance.now() - signalled).toFixed(0)} ms (exit ${code})`;
  };
  // Training has begun once the first snapshot is written; rendering, once its temporary file is there.
  const frames = join(folder, 'frames');
  const encodeStop = await interrupted(
    ['encode', join(folder, 'crop.png'), '-o', join(folder, 'long.nnimg'), '--iterations', '10000000', '--frames', frames, '--every', '100'],
    () => existsSync(join(frames, 'frame-00001.png')),
  );
  const decodeStop = await interrupted(['decode', join(folder, 'crop.nnimg'), '-o', join(folder, 'poster.png'), '--width', '30000'], () =>
    readdirSync(folder).some((name) => name.includes('nnimg-tmp')),
  );
  console.log(`  Ctrl-C during a long encode: stopped in ${encodeStop}; during a 30000-wide decode: ${decodeStop}`);
} finally {
  rmSync(folder, { recursive: true, force: true });
}

