/**
 * The blog's questions, answered with measurements (issue 6). Writes a Markdown report with
 * tables and small side-by-side pictures:
 *
 *   npm run lab -- <images...> [--seconds N] [--out docs/experiments.md] [--side 96] [--only 1,4]
 *
 * Every image is first downscaled (Lanczos) to --side pixels on its longer side, so that a whole
 * run takes minutes. Timed trainings run for --seconds of wall time each, one after another.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { Command } from 'commander';
import sharp, { type KernelEnum } from 'sharp';
import { CoordinateMlpOptimizer, EncodeOptions, EncodeResult, RasterImage, decode, encode, readImage } from '../src/index.js';
import { BICUBIC, LANCZOS3, UpscaleKernel, upscaleCentred } from '../src/internals.js';
import { downscale } from '../src/report/baselines.js';
import { RgbImage, psnrRgb, ssimRgb, toRgb } from '../src/report/metrics.js';

const program = new Command('lab')
  .argument('<images...>', 'photos to use (PNG, JPEG, ...)')
  .option('--seconds <n>', 'wall time of each timed training', '15')
  .option('--out <file.md>', 'report to write; pictures go to a folder named after it', 'docs/experiments.md')
  .option('--side <n>', 'longer side the photos are downscaled to', '96')
  .option('--only <list>', 'questions to run, comma-separated (default 1,2,3,4,5)', '1,2,3,4,5')
  .option('--iterations <n>', 'latent-grid and fixed-count MLP iterations (default: the encoder defaults; 300 for the MLP)')
  .parse();
const options = program.opts<{ seconds: string; out: string; side: string; only: string; iterations?: string }>();
const seconds = Number(options.seconds);
const side = Number(options.side);
const only = new Set(options.only.split(',').map(Number));
const fixedIterations = options.iterations === undefined ? undefined : Number(options.iterations);
for (const [name, value] of [['--seconds', seconds], ['--side', side], ['--iterations', fixedIterations ?? 1]] as const) {
  if (!(value > 0)) {
    console.error(`lab: ${name} must be a positive number`);
    process.exit(2);
  }
}
const pictureFolder = join(dirname(options.out), basename(options.out, '.md'));
mkdirSync(pictureFolder, { recursive: true });

/** The blog's network and a bigger one with twice the width (about 3.5 times the parameters). */
const BLOG = [15, 15, 15];
const WIDER = [30, 30, 30];
const MLP_FIXED_ITERATIONS = fixedIterations ?? 300;
const GENETIC_CHILD_STEPS = 3;

interface Photo {
  name: string;
  image: RasterImage;
}

interface Measurement {
  bytes: number;
  psnr: number;
  ssim: number | null;
  seconds: number;
  iterations: number;
  decoded: RasterImage;
}

/** Longer side `side`, even sizes (so the 2x downscale of question 5 is exact), read as nnimg reads. */
async function loadPhoto(path: string): Promise<Photo> {
  const original = await readImage(path);
  const scale = Math.max(original.width, original.height) / side;
  const even = (n: number) => Math.max(2, 2 * Math.round(n / scale / 2));
  const png = await sharp(path).resize(even(original.width), even(original.height), { fit: 'fill', kernel: 'lanczos3' }).png().toBuffer();
  return { name: basename(path).replace(/\.[^.]+$/, ''), image: await readImage(new Uint8Array(png)) };
}

async function greyOf(image: RasterImage): Promise<RasterImage> {
  const png = await sharp(toRgb(image).data, { raw: { width: image.width, height: image.height, channels: 3 } }).greyscale().png().toBuffer();
  return readImage(new Uint8Array(png));
}

function quality(reference: RasterImage, decoded: RasterImage): { psnr: number; ssim: number | null } {
  return { psnr: psnrRgb(toRgb(reference), toRgb(decoded)), ssim: ssimRgb(toRgb(reference), toRgb(decoded)) };
}

/** Encodes, decodes at `outputSize` (default native) and measures against `reference`. */
async function measure(image: RasterImage, settings: EncodeOptions, reference: RasterImage = image): Promise<Measurement> {
  const result: EncodeResult = await encode(image, { seed: 1, ...settings });
  const decoded = decode(result.file, { width: reference.width, height: reference.height });
  return { bytes: result.bytes, ...quality(reference, decoded), seconds: result.seconds, iterations: result.iterations, decoded };
}

const mlp = (hidden: number[], optimizer: CoordinateMlpOptimizer, extra: EncodeOptions = {}): EncodeOptions => ({
  model: 'coordinate-mlp',
  hidden,
  optimizer,
  ...(extra.iterations === undefined ? { seconds } : {}),
  ...extra,
});
const grid = (extra: EncodeOptions = {}): EncodeOptions => ({ iterations: fixedIterations, ...extra });

/** sharp's own enlargement (see centredUpscale for why it is not the only reference). */
async function sharpUpscale(image: RasterImage, width: number, height: number, kernel: keyof KernelEnum): Promise<RasterImage> {
  const rgb = toRgb(image);
  const { data } = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .resize(width, height, { kernel, fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width, height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Centre-aligned upscaling (src/image/resample.ts) of the image as RGB. */
function centredUpscale(image: RasterImage, width: number, height: number, kernel: UpscaleKernel): RasterImage {
  const { data } = upscaleCentred({ ...toRgb(image), channels: 3 }, width, height, kernel);
  return { width, height, channels: 3, data };
}

/** Pictures next to each other, each enlarged PICTURE_SCALE times (nearest neighbour), as one PNG. */
const PICTURE_SCALE = 3;
const GAP = 4;
async function sideBySide(file: string, images: RasterImage[]): Promise<string> {
  const tiles = await Promise.all(
    images.map((image) => {
      const rgb: RgbImage = toRgb(image);
      return sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
        .resize(rgb.width * PICTURE_SCALE, rgb.height * PICTURE_SCALE, { kernel: 'nearest' })
        .png()
        .toBuffer();
    }),
  );
  const tileWidth = images[0].width * PICTURE_SCALE;
  const height = Math.max(...images.map((i) => i.height)) * PICTURE_SCALE;
  const width = images.length * tileWidth + (images.length - 1) * GAP;
  const path = join(pictureFolder, file);
  await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite(tiles.map((input, i) => ({ input, left: i * (tileWidth + GAP), top: 0 })))
    .png({ compressionLevel: 9 })
    .toFile(path);
  return relative(dirname(options.out), path);
}

// ---------------------------------------------------------------------------------------------
// Report helpers

const lines: string[] = [];
const out = (...text: string[]) => lines.push(...text);
const db = (v: number) => v.toFixed(2);
const ssimText = (v: number | null) => (v === null ? '-' : v.toFixed(3));
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const imageArgs = program.args.join(' ');
const runSettings = `--seconds ${seconds} --side ${side}${fixedIterations ? ` --iterations ${fixedIterations}` : ''}`;
/** One question alone, into its own report (so that the full report is not replaced). */
const command = (question: number) => `npm run lab -- ${imageArgs} ${runSettings} --only ${question} --out bench-out/lab-q${question}.md`;
function table(header: string[], rows: (string | number)[][]): void {
  out(`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`), '');
}
function reproduce(question: number): void {
  out('Reproduce this table (and its pictures, into bench-out/) alone with', '', '```', command(question), '```', '');
}
const signed = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(2)}`;
/** "k of n" images where `better` holds. */
const countOf = (values: number[], better: (v: number) => boolean) => `${values.filter(better).length} of ${values.length}`;
function answer(text: string): void {
  out(`**Answer (from the numbers above):** ${text}`, '');
}
function log(message: string): void {
  console.error(`lab: ${message}`);
}

// ---------------------------------------------------------------------------------------------

const started = performance.now();
const photos = await Promise.all(program.args.map(loadPhoto));
const colourPhotos = photos.filter((p) => p.image.channels === 3);

out(
  '# The blog\'s questions, answered with measurements',
  '',
  'nnimg grew out of a blog post: a 2-15-15-15-3 coordinate MLP (x, y in [-1, 1] to r, g, b in',
  '[0, 1], sigmoid units) trained with Rprop for hours. This page measures its open questions',
  'against nnimg as it is now. Everything here was produced by one command,',
  '',
  '```',
  `npm run lab -- ${imageArgs} ${runSettings} --out ${options.out}`,
  '```',
  '',
  `on ${photos.map((p) => `${p.name} (${p.image.width}x${p.image.height}${p.image.channels === 1 ? ', grey' : ''})`).join(', ')}: the photos`,
  `downscaled with Lanczos to ${side} pixels on the longer side so that the whole run takes minutes`,
  `(machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores shared with other work, Node ${process.version}).`,
  `Timed trainings run for ${seconds} s of wall time each; times are wall-clock on a shared machine,`,
  'so expect a few percent of noise in anything measured at equal time. PSNR is over RGB, SSIM is',
  "Wang et al.'s (ssim.js), both of the decoded file against the photo. Pictures are enlarged",
  `${PICTURE_SCALE}x with nearest-neighbour so that pixels stay visible.`,
  '',
);

// 1. The blog's MLP against the latent-grid model at the same bytes.
if (only.has(1)) {
  log('question 1');
  out('## 1. The blog\'s MLP against nnimg\'s latent-grid model at the same bytes', '');
  out(
    `The blog's setup (2-15-15-15-3, sigmoid, Rprop) trained for ${seconds} s, coded at the default`,
    "--quality 75; then nnimg's default latent-grid model with `--bytes` set to the MLP file's size",
    '(default training length).',
    '',
  );
  const rows: (string | number)[][] = [];
  const gains: number[] = [];
  const blogPsnrs: number[] = [];
  const blogSteps: number[] = [];
  for (const photo of photos) {
    const blog = await measure(photo.image, mlp(BLOG, 'rprop'));
    blogPsnrs.push(blog.psnr);
    blogSteps.push(blog.iterations);
    const latent = await measure(photo.image, grid({ bytes: blog.bytes }));
    gains.push(latent.psnr - blog.psnr);
    rows.push([photo.name, blog.bytes, db(blog.psnr), ssimText(blog.ssim), blog.iterations, latent.bytes, db(latent.psnr), ssimText(latent.ssim), latent.seconds.toFixed(1), db(latent.psnr - blog.psnr)]);
    const picture = await sideBySide(`q1-${photo.name}.png`, [photo.image, blog.decoded, latent.decoded]);
    out(`![${photo.name}: photo, blog MLP, latent grid](${picture})`, '');
  }
  out('Left to right: the photo, the blog MLP, the latent-grid model at the same bytes.', '');
  table(['image', 'MLP bytes', 'MLP PSNR', 'MLP SSIM', 'Rprop steps', 'grid bytes', 'grid PSNR', 'grid SSIM', 'grid s', 'grid - MLP dB'], rows);
  answer(
    `at the same bytes the latent-grid model is ${mean(gains) >= 0 ? 'ahead' : 'behind'} by ${Math.abs(mean(gains)).toFixed(2)} dB PSNR on average ` +
      `(ahead on ${countOf(gains, (g) => g > 0)} images). The blog's MLP reaches ${db(mean(blogPsnrs))} dB after ${seconds} s ` +
      `(${Math.round(mean(blogSteps))} Rprop steps on average); the blog trained for hours, so this measures the early part of its training.`,
  );
  reproduce(1);
}

// 2. A bigger plain MLP.
if (only.has(2)) {
  log('question 2');
  out('## 2. Does a bigger plain MLP help?', '');
  out(
    `2-15-15-15-3 (573 parameters for RGB) against 2-30-30-30-3 (2073), both Rprop for ${seconds} s. At`,
    'equal time each is coded at --quality 75; at equal bytes the wider network gets `--bytes` equal',
    "to the blog network's file (its weights then take a coarser step, or do not fit at all).",
    '',
  );
  const rows: (string | number)[][] = [];
  const equalTime: number[] = [];
  const equalBytes: number[] = [];
  for (const photo of photos) {
    const small = await measure(photo.image, mlp(BLOG, 'rprop'));
    const wide = await measure(photo.image, mlp(WIDER, 'rprop'));
    equalTime.push(wide.psnr - small.psnr);
    let sameBytes: string[];
    try {
      const fitted = await measure(photo.image, mlp(WIDER, 'rprop', { bytes: small.bytes }));
      equalBytes.push(fitted.psnr - small.psnr);
      sameBytes = [String(fitted.bytes), db(fitted.psnr)];
    } catch (error) {
      sameBytes = ['does not fit', error instanceof Error ? error.message.replace(/^--bytes \d+ /, '').split(';')[0] : String(error)];
    }
    rows.push([photo.name, small.iterations, small.bytes, db(small.psnr), wide.iterations, wide.bytes, db(wide.psnr), ...sameBytes]);
    if (photo === photos[0]) {
      const picture = await sideBySide(`q2-${photo.name}.png`, [photo.image, small.decoded, wide.decoded]);
      out(`![${photo.name}: photo, 15x3, 30x3 at equal time](${picture})`, '', 'Left to right: the photo, 2-15-15-15-3, 2-30-30-30-3 (equal time).', '');
    }
  }
  table(['image', '15x3 steps', '15x3 bytes', '15x3 PSNR', '30x3 steps', '30x3 bytes', '30x3 PSNR', '30x3 at 15x3 bytes: bytes', 'PSNR'], rows);
  answer(
    `at equal time the wider MLP is ${mean(equalTime) > 0 ? 'better' : 'not better'}: ${signed(mean(equalTime))} dB on average, ahead on ` +
      `${countOf(equalTime, (g) => g > 0)} images. At equal bytes it ` +
      (equalBytes.length === 0
        ? `does not fit on any image: its weights cannot be quantized into the blog network's file size without losing more than 3 dB.`
        : `fits on ${equalBytes.length} of ${photos.length} images, at ${signed(mean(equalBytes))} dB against the blog network where it fits.`),
  );
  reproduce(2);
}

// 3. Greyscale against colour.
if (only.has(3)) {
  log('question 3');
  out('## 3. Greyscale against colour at equal quality', '');
  out(
    'Each colour photo and its greyscale version (sharp, Rec. 709 luma), encoded with the same',
    `settings: the latent-grid model at --quality 75, and the blog MLP for a fixed ${MLP_FIXED_ITERATIONS} Rprop steps at`,
    '--quality 75. "Equal quality" is the same quality setting; the PSNR columns show how close that is.',
    '',
  );
  const rows: (string | number)[][] = [];
  const ratios = new Map<string, { bytes: number[]; time: number[] }>();
  for (const photo of colourPhotos) {
    const grey = await greyOf(photo.image);
    for (const [label, settings] of [
      ['latent grid', grid({ quality: 75 })],
      ['blog MLP', mlp(BLOG, 'rprop', { iterations: MLP_FIXED_ITERATIONS, quality: 75 })],
    ] as const) {
      const colour = await measure(photo.image, settings);
      const mono = await measure(grey, settings);
      const ratio = ratios.get(label) ?? { bytes: [], time: [] };
      ratio.bytes.push(mono.bytes / colour.bytes);
      ratio.time.push(mono.seconds / colour.seconds);
      ratios.set(label, ratio);
      rows.push([
        photo.name,
        label,
        colour.bytes,
        mono.bytes,
        `${((100 * mono.bytes) / colour.bytes).toFixed(0)}%`,
        db(colour.psnr),
        db(mono.psnr),
        colour.seconds.toFixed(1),
        mono.seconds.toFixed(1),
      ]);
    }
  }
  table(['image', 'model', 'colour bytes', 'grey bytes', 'grey / colour', 'colour PSNR', 'grey PSNR', 'colour s', 'grey s'], rows);
  answer(
    [...ratios]
      .map(([label, r]) => `with the ${label}, a grey file takes ${(100 * mean(r.bytes)).toFixed(0)}% of the colour file's bytes and ${(100 * mean(r.time)).toFixed(0)}% of its encode time`)
      .join('; ') +
      '. Grey changes only the output layer of either network (3 outputs become 1); the latent grids are the same size, and the MLP goes from 573 to 541 parameters.',
  );
  reproduce(3);
}

// 4. Optimizers at equal wall time.
if (only.has(4)) {
  log('question 4');
  out('## 4. Genetic algorithm against Adam and Rprop at equal wall time', '');
  out(
    `The blog network (2-15-15-15-3) trained for ${seconds} s by each optimizer, coded at --quality 75. The`,
    `genetic algorithm runs pure (mutation and crossover only) and with ${GENETIC_CHILD_STEPS} Rprop steps per child;`,
    '"steps" are gradient steps or generations. Adam uses a learning rate of 0.05 with a cosine decay to a',
    'tenth (the best of 0.003, 0.01, 0.03 and 0.1 after 200 steps on one 64x64 photo was 0.1; 0.05 is the',
    'compromise for longer runs); Rprop has no learning rate.',
    '',
  );
  const runs: [string, EncodeOptions][] = [
    ['Rprop', mlp(BLOG, 'rprop')],
    ['Adam', mlp(BLOG, 'adam')],
    ['genetic', mlp(BLOG, 'genetic')],
    [`genetic + ${GENETIC_CHILD_STEPS} Rprop steps`, mlp(BLOG, 'genetic', { childSteps: GENETIC_CHILD_STEPS })],
  ];
  const rows: (string | number)[][] = [];
  const psnrs = new Map<string, number[]>(runs.map(([label]) => [label, []]));
  for (const photo of photos) {
    const decoded: RasterImage[] = [];
    for (const [label, settings] of runs) {
      const m = await measure(photo.image, settings);
      psnrs.get(label)!.push(m.psnr);
      decoded.push(m.decoded);
      rows.push([photo.name, label, m.iterations, db(m.psnr), ssimText(m.ssim), m.bytes]);
    }
    if (photo === photos[0]) {
      const picture = await sideBySide(`q4-${photo.name}.png`, [photo.image, ...decoded]);
      out(`![${photo.name}: photo, ${runs.map(([l]) => l).join(', ')}](${picture})`, '', `Left to right: the photo, ${runs.map(([l]) => l).join(', ')}.`, '');
    }
  }
  table(['image', 'optimizer', 'steps', 'PSNR', 'SSIM', 'bytes'], rows);
  table(['optimizer', 'mean PSNR'], runs.map(([label]) => [label, db(mean(psnrs.get(label)!))]));
  const ranked = runs.map(([label]) => ({ label, psnr: mean(psnrs.get(label)!) })).sort((a, b) => b.psnr - a.psnr);
  answer(
    `ranked by mean PSNR at equal wall time: ${ranked.map((r) => `${r.label} (${db(r.psnr)} dB)`).join(', ')}. ` +
      `The pure genetic algorithm is ${signed(mean(psnrs.get('genetic')!) - mean(psnrs.get('Rprop')!))} dB against Rprop.`,
  );
  reproduce(4);
}

// 5. Upscaling.
if (only.has(5)) {
  log('question 5');
  out('## 5. Upscaling: decoding a 2x-downscaled photo at full size', '');
  out(
    'Each photo is downscaled 2x (Lanczos), encoded, and decoded at the full size; the result is',
    'compared with the full-size photo, next to Lanczos-3 and bicubic (Catmull-Rom) upscaling of the',
    'same downscaled pixels (which, unlike nnimg, start from the uncompressed downscale). The Lanczos-3',
    'and bicubic columns are centre-aligned resamplers written in bench/lab.ts; sharp\'s own `resize` is',
    'shown too, but when enlarging libvips uses one bicubic interpolator whatever the kernel asked for',
    '(its two columns are identical) and places output pixel 2k+1 on input pixel k, a quarter of an',
    'input pixel off the centre-aligned position, which costs it PSNR here. nnimg',
    `uses the latent-grid model at --quality 95 and the blog MLP (${seconds} s of Rprop, --quality 95); "native + Lanczos"`,
    "decodes the latent-grid file at its own size and upscales that with Lanczos, to separate the codec's",
    'loss from the upscaling method.',
    '',
  );
  const rows: (string | number)[][] = [];
  const methods = [
    'latent grid at full size',
    'blog MLP at full size',
    'latent grid native + Lanczos',
    'Lanczos-3',
    'bicubic',
    "sharp resize 'lanczos3'",
    "sharp resize 'cubic'",
  ];
  const scores = methods.map(() => ({ psnr: [] as number[], ssim: [] as number[] }));
  for (const photo of photos) {
    const { width, height } = photo.image;
    const small = await downscale(photo.image, 2);
    const latent = await measure(small, grid({ quality: 95 }), photo.image);
    const blog = await measure(small, mlp(BLOG, 'rprop', { quality: 95 }), photo.image);
    const latentNative = await encode(small, { seed: 1, ...grid({ quality: 95 }) });
    const nativeThenLanczos = centredUpscale(decode(latentNative.file), width, height, LANCZOS3);
    const lanczos = centredUpscale(small, width, height, LANCZOS3);
    const bicubic = centredUpscale(small, width, height, BICUBIC);
    const sharpLanczos = await sharpUpscale(small, width, height, 'lanczos3');
    const sharpBicubic = await sharpUpscale(small, width, height, 'cubic');
    const cells = [latent.decoded, blog.decoded, nativeThenLanczos, lanczos, bicubic, sharpLanczos, sharpBicubic].map((d) => quality(photo.image, d));
    rows.push([photo.name, latent.bytes, ...cells.map((c) => `${db(c.psnr)} / ${ssimText(c.ssim)}`)]);
    cells.forEach((c, i) => {
      scores[i].psnr.push(c.psnr);
      if (c.ssim !== null) scores[i].ssim.push(c.ssim);
    });
    if (photo === photos[0]) {
      const picture = await sideBySide(`q5-${photo.name}.png`, [photo.image, latent.decoded, blog.decoded, lanczos, bicubic]);
      out(`![${photo.name}: photo, nnimg latent grid, blog MLP, Lanczos, bicubic](${picture})`, '', 'Left to right: the full-size photo, latent grid decoded at full size, blog MLP decoded at full size, Lanczos, bicubic.', '');
    }
  }
  table(['image', 'grid bytes', 'grid at full size: PSNR / SSIM', 'blog MLP', 'grid native + Lanczos', 'Lanczos-3', 'bicubic', "sharp 'lanczos3'", "sharp 'cubic'"], rows);
  table(['method', 'mean PSNR', 'mean SSIM'], methods.map((m, i) => [m, db(mean(scores[i].psnr)), scores[i].ssim.length ? mean(scores[i].ssim).toFixed(3) : '-']));
  const [gridFull, , gridNative, lanczos] = scores.map((s) => mean(s.psnr));
  answer(
    `decoding the latent-grid file at full size is ${signed(gridFull - lanczos)} dB PSNR against centre-aligned Lanczos-3 upscaling of the uncompressed downscale ` +
      `and ${signed(gridFull - gridNative)} dB against decoding it at its own size and upscaling that with Lanczos: ` +
      (gridFull >= gridNative
        ? 'rendering the continuous model at the larger size is at least as good as resampling its pixels.'
        : "the model's own rendering at the larger size is no better than resampling its native-size pixels; the \"any resolution\" decode does not invent detail."),
  );
  reproduce(5);
}

const minutes = (performance.now() - started) / 60000;
out(`This run took ${minutes.toFixed(1)} minutes.`, '');
writeFileSync(options.out, `${lines.join('\n')}\n`);
log(`wrote ${options.out} in ${minutes.toFixed(1)} min`);
