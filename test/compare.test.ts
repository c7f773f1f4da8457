/**
 * The `nnimg compare` pipeline on two tiny corpus crops (one RGB, one grey) and two budgets, nnimg
 * with 20 iterations: every codec present, files within budget, PSNR recomputed independently,
 * outputs written, failures reported, and an interrupted run resumed without redoing finished work.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.js';
import { decode } from '../src/index.js';
import { bdRate } from '../src/report/bd-rate.js';
import { lowestMargins } from '../src/report/markdown.js';
import { codeDigest } from '../src/report/cache.js';
import { CompareInterruptedError, runCompare } from '../src/report/runner.js';
import { meanCurve } from '../src/report/summary.js';
import type { CompareReport, Measurement } from '../src/report/types.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUDGETS = [500, 1000];
const CODECS = ['nnimg', 'jpeg', 'webp', 'avif'] as const;
const IMAGES = ['camera-crop.png', 'coffee-crop.png'];

let dir: string;
let images: string;
let out: string;
let report: CompareReport;
let run: { code: number; stdout: string; stderr: string };

function streams() {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    streams: { stdout: { write: (s: string) => stdout.push(s) }, stderr: { write: (s: string) => stderr.push(s) } } as never,
    text: () => ({ stdout: stdout.join(''), stderr: stderr.join('') }),
  };
}

async function cli(...args: string[]) {
  const io = streams();
  const code = await runCli(['node', 'nnimg', ...args], io.streams);
  return { code, ...io.text() };
}

/** RGB pixels of a file, read by sharp alone (grey spread to three channels), optionally resized. */
async function rgbPixels(file: string | Uint8Array, size?: { width: number; height: number }): Promise<Uint8Array> {
  let pipeline = sharp(file);
  if (size) {
    const meta = await pipeline.metadata();
    if (meta.width !== size.width || meta.height !== size.height) pipeline = pipeline.resize(size.width, size.height, { kernel: 'lanczos3', fit: 'fill' });
  }
  const { data } = await pipeline.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

/** PSNR computed here from scratch, in floating point. */
function independentPsnr(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let squared = 0;
  for (let i = 0; i < a.length; i++) squared += (a[i] - b[i]) ** 2;
  return Math.min(100, 10 * Math.log10(255 ** 2 / (squared / a.length))); // the report's value for a lossless result
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nnimg-compare-'));
  images = join(dir, 'images');
  out = join(dir, 'report');
  mkdirSync(images);
  await sharp(join(root, 'corpus', 'coffee.png')).extract({ left: 300, top: 150, width: 48, height: 32 }).png().toFile(join(images, 'coffee-crop.png'));
  await sharp(join(root, 'corpus', 'camera.png')).extract({ left: 200, top: 100, width: 40, height: 40 }).png().toFile(join(images, 'camera-crop.png'));
  writeFileSync(join(images, 'broken.png'), 'not an image');
  run = await cli('compare', images, '--bytes', BUDGETS.join(','), '--iterations', '20', '--out', out, '--crop', '32', '--publish', join(dir, 'docs', 'sample.md'));
  report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as CompareReport;
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('nnimg compare', () => {
  it('finishes the run despite an unreadable image, and reports it', () => {
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/\nnnimg: 1 measurement failed; see Failures in .*report\.md\n$/);
    // Without a terminal, progress is one line per measurement: image, budget, codec, result, time left.
    expect(run.stderr).toMatch(/^broken\.png: cannot read: /);
    expect(run.stderr).toMatch(/\n\[24\/24\] coffee-crop\.png 1000 B avif: \d+ B, \d+\.\d\d dB, q\d+ .*left\)\n/);
    expect(run.stdout).toMatch(/compared 3 images at 2 budgets: 16 measured, 0 from the cache, 1 failed/);
    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    expect(markdown).toMatch(/## Failures\n\n- broken\.png: could not be read: not a supported image/);
    expect(report.summary.images).toEqual(IMAGES);
    expect(report.summary.excluded.map((e) => e.image)).toEqual(['broken.png']);
  });

  it('measures every codec at every budget, each file within its budget', () => {
    for (const image of IMAGES) {
      for (const budget of BUDGETS) {
        for (const codec of CODECS) {
          const m = report.measurements.find((x) => x.image === image && x.budget === budget && x.codec === codec);
          expect(m, `${image} ${budget} ${codec}`).toBeDefined();
          expect(m!.status).toBe('ok');
          for (const point of [m!.best!, m!.full!]) {
            expect(point.bytes).toBeLessThanOrEqual(budget);
            expect(statSync(join(out, point.file)).size).toBe(point.bytes);
            expect(point.bitsPerPixel).toBeCloseTo((point.bytes * 8) / (image.startsWith('camera') ? 1600 : 1536), 12);
            expect(point.ssim).toBeGreaterThan(0);
            expect(point.ssim).toBeLessThanOrEqual(1);
          }
          if (codec !== 'nnimg') {
            expect(m!.candidates!.map((c) => c.scale)).toEqual([1, 2, 4, 8]);
            expect(m!.best!.psnr).toBe(Math.max(...m!.candidates!.map((c) => c.psnr ?? -Infinity)));
            // Downscaled and upscaled back, the crops still resemble the original (a channel mix-up would not).
            for (const c of m!.candidates!) if (c.psnr !== null) expect(c.psnr, `${image} ${codec} 1/${c.scale}`).toBeGreaterThan(20);
          }
        }
      }
    }
  });

  it('codes a grey image as a greyscale JPEG', async () => {
    const m = report.measurements.find((x) => x.image === 'camera-crop.png' && x.codec === 'jpeg')!;
    expect((await sharp(join(out, m.best!.file)).metadata()).channels).toBe(1);
  });

  it('reports PSNRs that an independent computation reproduces', async () => {
    for (const m of report.measurements as Measurement[]) {
      const original = await rgbPixels(join(images, m.image));
      const { width, height } = report.images.find((i) => i.name === m.image)! as { width: number; height: number };
      for (const point of [m.best!, m.full!]) {
        const file = new Uint8Array(readFileSync(join(out, point.file)));
        let decoded: Uint8Array;
        if (m.codec === 'nnimg') {
          const image = decode(file);
          decoded = image.channels === 3 ? image.data : Uint8Array.from({ length: image.data.length * 3 }, (_, i) => image.data[Math.floor(i / 3)]);
        } else {
          decoded = await rgbPixels(file, { width, height });
        }
        expect(independentPsnr(original, decoded)).toBeCloseTo(point.psnr, 9);
      }
    }
  });

  it('writes the tables, the plot as SVG and PNG, the crop page and the published page', async () => {
    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    expect(markdown).toContain('## BD-rate of nnimg');
    expect(markdown).toContain('## Mean PSNR over RGB (dB) per budget');
    expect(markdown).toMatch(/\| 500 \| \d+\.\d\d \| \d+\.\d\d \|/);
    expect(readFileSync(join(out, 'rd.svg'), 'utf8')).toMatch(/^<svg[^>]*>/);
    const png = await sharp(join(out, 'rd.png')).metadata();
    expect(png.format).toBe('png');
    expect(png.width).toBeGreaterThan(500);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const crops = [...html.matchAll(/src="(crops\/[^"]+)"/g)].map((x) => x[1]);
    expect(crops).toHaveLength(IMAGES.length * (1 + CODECS.length));
    for (const crop of crops) expect((await sharp(join(out, crop)).metadata()).width).toBe(32);
    expect(html).toContain('1000 bytes'); // the middle budget by default
    expect(readFileSync(join(dir, 'docs', 'sample.md'), 'utf8')).toContain('![Rate-distortion: bits per pixel against PSNR](sample-rd.png)');
    expect(existsSync(join(dir, 'docs', 'sample-rd.svg'))).toBe(true);
  });

  it('names, per budget, the image with the lowest margin of nnimg over JPEG', () => {
    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    expect(markdown).toContain('## Lowest per-image margin over JPEG');
    const rows = lowestMargins(report, 'jpeg');
    expect(rows.map((r) => r.budget)).toEqual(BUDGETS);
    for (const row of rows) {
      const margins = IMAGES.map((image) => {
        const at = (codec: string) => report.measurements.find((m) => m.image === image && m.budget === row.budget && m.codec === codec)!.best!.psnr;
        return { image, margin: at('nnimg') - at('jpeg') };
      });
      const lowest = margins.reduce((a, b) => (b.margin < a.margin ? b : a));
      expect(row).toEqual({ budget: row.budget, lowest: lowest.margin, image: lowest.image, images: IMAGES.length, below: margins.filter((m) => m.margin < 0).length });
      const sign = lowest.margin > 0 ? '+' : '';
      expect(markdown).toContain(`| ${row.budget} | ${sign}${lowest.margin.toFixed(2)} dB | ${lowest.image} |`);
    }
  });

  it('gives a BD-rate of 0 for a measured curve against itself', () => {
    for (const series of report.summary.series) {
      const curve = meanCurve(series);
      expect(curve).toHaveLength(2);
      const result = bdRate(curve, curve);
      expect(result.ok && result.percent).toBeCloseTo(0, 10);
    }
  });

  it('resumes an interrupted run without redoing finished work', async () => {
    const options = { inputs: [join(images, 'coffee-crop.png')], budgets: BUDGETS, outDir: join(dir, 'resume'), iterations: 20, version: 'test' };
    let finished = 0;
    await expect(
      runCompare({ ...options, shouldStop: () => finished >= 3, events: { taskEnd: () => void finished++ } }),
    ).rejects.toBeInstanceOf(CompareInterruptedError);
    expect(existsSync(join(dir, 'resume', 'report.json'))).toBe(false);
    expect(readdirSync(join(dir, 'resume', 'cache')).filter((f) => f.endsWith('.json'))).toHaveLength(3);

    const started: string[] = [];
    const resumed = await runCompare({ ...options, events: { taskEnd: (task, m) => void started.push(`${task.codec}${m.cached ? ' cached' : ''}`) } });
    expect(resumed.report.run).toMatchObject({ computed: 5, cached: 3, failed: 0 });
    expect(started.slice(0, 3)).toEqual(['nnimg cached', 'jpeg cached', 'webp cached']);

    const again = await runCompare(options);
    expect(again.report.run).toMatchObject({ computed: 0, cached: 8 });
    // Cached and computed results agree with the first run (same seed, same encoders).
    const strip = (ms: Measurement[]) => ms.map((m) => [m.codec, m.budget, m.best!.bytes, m.best!.psnr]);
    expect(strip(again.report.measurements)).toEqual(strip(resumed.report.measurements));
    expect(strip(again.report.measurements)).toEqual(strip(report.measurements.filter((m) => m.image === 'coffee-crop.png')));
  });

  it('keys nnimg results to the encoder code and kernels, in any folder added later, so a changed encoder is measured again', async () => {
    const code = join(dir, 'code');
    mkdirSync(join(code, 'report'), { recursive: true });
    writeFileSync(join(code, 'encode.js'), 'export const a = 1;');
    writeFileSync(join(code, 'encode.d.ts'), 'export declare const a: number;');
    writeFileSync(join(code, 'report', 'table.js'), 'export const t = 1;');
    const wasm = join(dir, 'kernels.wasm');
    writeFileSync(wasm, new Uint8Array([0, 97, 115, 109]));
    const digest = () => codeDigest(code, ['report'], [wasm]);
    const before = await digest();
    writeFileSync(join(code, 'encode.d.ts'), 'export declare const a: 1;');
    writeFileSync(join(code, 'report', 'table.js'), 'export const t = 2;');
    expect(await digest()).toBe(before);
    // A folder that did not exist when the list of folders was written.
    mkdirSync(join(code, 'synthesis'));
    writeFileSync(join(code, 'synthesis', 'render.js'), 'export const r = 1;');
    const withFolder = await digest();
    expect(withFolder).not.toBe(before);
    writeFileSync(wasm, new Uint8Array([0, 97, 115, 109, 1]));
    const withKernels = await digest();
    expect(withKernels).not.toBe(withFolder);
    writeFileSync(join(code, 'encode.js'), 'export const a = 2;');
    expect(await digest()).not.toBe(withKernels);
  });

  it('refuses bad flags with a usage error', async () => {
    expect((await cli('compare', images)).stderr).toMatch(/^nnimg: --bytes is required/);
    const bad = await cli('compare', images, '--bytes', '500', '--codecs', 'jpeg,gif');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown codec 'gif'/);
    expect((await cli('compare', images, '--bytes', '500,x')).code).toBe(2);
    expect((await cli('compare', images, '--bytes', '500', '--avif-effort', '4')).code).toBe(2);
    expect((await cli('compare', images, '--bytes', '500', '--view-budget', '700')).code).toBe(2);
    const missing = await cli('compare', join(dir, 'nowhere'), '--bytes', '500');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*nowhere: no such file or directory/);
  });
});
