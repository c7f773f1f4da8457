import { readImage } from '../src/image/io.js';
import { encode } from '../src/codec/encode.js';
const img = await readImage(process.argv[2]);
const bytes = process.argv[3] ? Number(process.argv[3]) : undefined;
const iterations = process.argv[4] ? Number(process.argv[4]) : undefined;
let last = 0;
const r = await encode(img, { bytes, iterations, hidden: process.argv[5] ? JSON.parse(process.argv[5]) : undefined, onProgress: (p) => {
  if (p.iteration % 50 === 0 || p.iteration === p.iterations) console.log(p.iteration, p.psnr.toFixed(2), p.estimatedBytes, p.elapsedSeconds.toFixed(1));
} });
console.log({ ...r, file: undefined });
