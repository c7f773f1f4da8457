/**
 * nnimg against JPEG (sharp + mozjpeg, 4:2:0, the highest quality whose file fits) at fixed byte
 * budgets, on a folder of images (for example the Kodak suite).
 *
 *   npm run bench:jpeg -- <folder> [--bytes 8000,16000,32000] [--images kodim01,kodim04] [--json out.json]
 *
 * Prints a Markdown table per image and the means; also times a decode at --width 4096.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Command } from 'commander';
import { RasterImage, decode, encode, readImage } from '../src/index.js';
import { DEFAULT_BASELINE_SETTINGS, EncodeMemo, baselineCandidates } from '../src/report/baselines.js';
import { toRgb } from '../src/report/metrics.js';

const program = new Command()
  .argument('<folder>')
  .option('--bytes <list>', 'budgets', '8000,16000,32000')
  .option('--images <list>', 'image names (without .png) to use; default all')
  .option('--json <path>', 'write every measurement here')
  .parse();
const folder = program.args[0];
const options = program.opts<{ bytes: string; images?: string; json?: string }>();
const budgets = options.bytes.split(',').map(Number);
const wanted = options.images?.split(',');
const files = readdirSync(folder)
  .filter((f) => /\.(png|jpe?g|webp|tiff?)$/i.test(f))
  .filter((f) => !wanted || wanted.includes(basename(f).replace(/\.[^.]+$/, '')))
  .sort();

/** JPEG at full size, the highest quality that fits (the search `nnimg compare` uses). */
async function jpegAtBudget(image: RasterImage, budget: number) {
  const [candidate] = await baselineCandidates(new EncodeMemo(image, DEFAULT_BASELINE_SETTINGS), toRgb(image), 'jpeg', budget, [1]);
  return candidate.quality === null ? null : { quality: candidate.quality, bytes: candidate.bytes!, psnr: candidate.psnr! };
}

interface Row {
  image: string;
  budget: number;
  nnimg: { bytes: number; psnr: number; seconds: number; iterations: number };
  jpeg: { quality: number; bytes: number; psnr: number } | null;
}
const rows: Row[] = [];
let decodeSeconds: number | undefined;
console.log('| image | budget | nnimg bytes | nnimg PSNR | encode s | JPEG q | JPEG bytes | JPEG PSNR |');
console.log('|---|---|---|---|---|---|---|---|');
for (const file of files) {
  const path = join(folder, file);
  const image = await readImage(path);
  for (const budget of budgets) {
    const result = await encode(image, { bytes: budget });
    if (decodeSeconds === undefined) {
      const started = performance.now();
      decode(result.file, { width: 4096 });
      decodeSeconds = (performance.now() - started) / 1000;
    }
    const jpeg = await jpegAtBudget(image, budget);
    const row: Row = {
      image: file,
      budget,
      nnimg: { bytes: result.bytes, psnr: result.psnr, seconds: result.seconds, iterations: result.iterations },
      jpeg,
    };
    rows.push(row);
    console.log(
      `| ${file} | ${budget} | ${result.bytes} | ${result.psnr.toFixed(2)} | ${result.seconds.toFixed(1)} | ` +
        (jpeg ? `${jpeg.quality} | ${jpeg.bytes} | ${jpeg.psnr.toFixed(2)} |` : 'does not fit | - | - |'),
    );
  }
}
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
console.log('\n| budget | images | nnimg mean PSNR | JPEG fits | JPEG mean PSNR (where it fits) | nnimg mean PSNR (same images) | mean encode s |');
console.log('|---|---|---|---|---|---|---|');
for (const budget of budgets) {
  const at = rows.filter((r) => r.budget === budget);
  const fits = at.filter((r) => r.jpeg);
  console.log(
    `| ${budget} | ${at.length} | ${mean(at.map((r) => r.nnimg.psnr)).toFixed(2)} | ${fits.length} | ` +
      `${fits.length ? mean(fits.map((r) => r.jpeg!.psnr)).toFixed(2) : '-'} | ${fits.length ? mean(fits.map((r) => r.nnimg.psnr)).toFixed(2) : '-'} | ` +
      `${mean(at.map((r) => r.nnimg.seconds)).toFixed(1)} |`,
  );
}
console.log(`\ndecode of the first file at --width 4096 (in memory, library decode): ${decodeSeconds?.toFixed(2)} s`);
if (options.json) writeFileSync(options.json, JSON.stringify({ budgets, rows, decodeSeconds }, null, 2));
