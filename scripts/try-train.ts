import { readImage } from '../src/image/io.js';
import { Trainer } from '../src/training/trainer.js';
const img = await readImage(process.argv[2]);
const pixels = Float32Array.from(img.data, (v) => v / 255);
const t = new Trainer({ width: img.width, height: img.height, channels: img.channels, pixels }, 7, JSON.parse(process.argv[3] ?? '[16,16]'), 1);
const iters = Number(process.argv[4] ?? 50);
const lambda = Number(process.argv[5] ?? 0.002);
const t0 = performance.now();
for (let i = 0; i < iters; i++) {
  const frac = i / iters;
  const lr = 0.01 * (frac < 0.8 ? 0.5 * (1 + Math.cos(Math.PI * frac / 0.8)) * 0.9 + 0.1 : 0.1);
  const r = t.iterate({ lambda, learningRate: lr, proxy: frac < 0.8 ? 'noise' : 'round' });
  if (i % 25 === 0 || i === iters - 1) console.log(i, (10 * Math.log10(1 / r.mse)).toFixed(2), (r.latentBits / 8).toFixed(0), ((performance.now() - t0) / (i + 1)).toFixed(0) + 'ms/it');
}
