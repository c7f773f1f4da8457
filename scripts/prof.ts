import { readImage } from '../src/image/io.js';
import { Trainer } from '../src/training/trainer.js';
const img = await readImage('/work/shared/corpus/kodak/kodim01.png');
const pixels = Float32Array.from(img.data, (v) => v / 255);
const t: any = new Trainer({ width: img.width, height: img.height, channels: img.channels, pixels }, 7, [16], 1);
for (let i = 0; i < 10; i++) {
  let a = performance.now();
  for (const p of t.params) p.grad.fill(0);
  t.applyQuantizationProxy('noise'); let b = performance.now();
  t.accumulateRate(0.001); let c = performance.now();
  t.kernel(t.pass, 768*512*3); let d = performance.now();
  t.adamUpdate(0.01); let e = performance.now();
  console.log((b-a).toFixed(0), (c-b).toFixed(0), (d-c).toFixed(0), (e-d).toFixed(0));
}
