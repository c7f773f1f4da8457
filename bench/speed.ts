/**
 * Speed benchmark (`npm run bench -- [image]`):
 *  1. training ms per iteration on a fixed reference workload (768x512, 7 grids, MLP 7-16-16-3),
 *     reference kernel against the generated one;
 *  2. with an image: default encode seconds and PSNR at 16000 bytes;
 *  3. with an image: decode at width 4096 against sharp decoding a JPEG of it and resizing.
 */
import sharp from 'sharp';
import { decode, encode, readImage } from '../src/index.js';
import { KernelName, distortionKernel } from '../src/training/kernels.js';
import { syntheticWorkload } from '../src/training/workload.js';

function timeKernel(name: KernelName, repeats: number): number {
  const pass = syntheticWorkload({ width: 768, height: 512, channels: 3, levels: 7, hidden: [16, 16], seed: 7 });
  const kernel = distortionKernel([...pass.widths], name);
  const samples = pass.width * pass.height * pass.channels;
  for (let i = 0; i < 3; i++) kernel(pass, samples); // warm-up: let the engine optimise
  const started = performance.now();
  for (let i = 0; i < repeats; i++) kernel(pass, samples);
  return (performance.now() - started) / repeats;
}

const reference = timeKernel('reference', 5);
const generated = timeKernel('generated', 10);
console.log('training kernel, forward + backward over 768x512 pixels, MLP 7-16-16-3:');
console.log(`  reference  ${reference.toFixed(0)} ms/iteration`);
console.log(`  generated  ${generated.toFixed(0)} ms/iteration  (${(reference / generated).toFixed(2)}x faster)`);

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
