/**
 * `nnimg compare` without the command line: for every image, budget and codec, encode at the
 * budget, decode, measure; cache each result; then write report.json, report.md, the
 * rate-distortion plot (SVG and PNG), index.html with crops, and optionally a published page.
 *
 * A failure on one image or task is recorded and the run goes on; a stop request ends the run
 * with CompareInterruptedError, leaving every finished task in the cache for the next run.
 */
import { readdir, stat, mkdir, writeFile } from 'node:fs/promises';
import { cpus, platform, arch } from 'node:os';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { decode } from '../decoder/decode.js';
import { encode } from '../encoder/encode.js';
import { BudgetError, EncodeCancelledError } from '../encoder/types.js';
import { FORMAT_VERSION } from '../format/container.js';
import { RasterImage, readImage } from '../image/io.js';
import {
  BaselineCandidate,
  BaselineCodec,
  BaselineSettings,
  DEFAULT_BASELINE_SETTINGS,
  EncodeMemo,
  FILE_EXTENSIONS,
  SCALES,
  baselineCandidates,
  bestCandidate,
  encoderSettings,
} from './baselines.js';
import { ResultCache, codeDigest, imageDigest } from './cache.js';
import { writeViewer } from './html.js';
import { reportMarkdown } from './markdown.js';
import { RgbImage, psnrRgb, ssimRgb, toRgb } from './metrics.js';
import { renderPlotSvg, svgToPng } from './plot.js';
import { summarize } from './summary.js';
import { DEFAULT_CODECS, CodecName, CompareReport, ImageEntry, Measurement, Point, RunSettings } from './types.js';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff', '.avif', '.gif', '.ppm', '.pgm'];

export interface CompareOptions {
  /** Image files, or folders whose images (by extension, not recursive) are all used. */
  inputs: string[];
  /** Byte budgets. */
  budgets: number[];
  codecs?: CodecName[];
  /** Report folder (created). */
  outDir: string;
  /** Cache folder (default: cache/ in the report folder). */
  cacheDir?: string;
  /** Passed to nnimg's encoder. */
  iterations?: number;
  seed?: number;
  hidden?: number[];
  avifEffort?: number;
  /** Budget shown in index.html (default: the middle budget). */
  viewBudget?: number;
  /** Side of the crops in index.html (default 256). */
  cropSize?: number;
  title?: string;
  /** The command line, recorded in the report. */
  command?: string;
  /** nnimg's version (part of the cache key). */
  version: string;
  /** Also write a short page for publication to this .md path, with the plot beside it. */
  publish?: string;
  events?: RunEvents;
  shouldStop?: () => boolean;
}

export interface TaskInfo {
  /** 1-based position among all tasks. */
  index: number;
  total: number;
  image: string;
  budget: number;
  codec: CodecName;
  /** Estimated time for the tasks not yet done (this one included), or null before any sample. */
  secondsLeft: number | null;
}

export interface RunEvents {
  taskStart?(task: TaskInfo): void;
  taskEnd?(task: TaskInfo, measurement: Measurement): void;
  /** nnimg training progress within the current task. */
  iteration?(iteration: number, iterations: number): void;
  /** An image could not be read (its tasks are recorded as failed). */
  imageError?(image: string, message: string): void;
}

export interface CompareOutputs {
  report: CompareReport;
  paths: { json: string; markdown: string; svg: string; png: string; html: string; published?: string };
}

export class CompareInterruptedError extends Error {
  constructor(readonly cacheDir: string) {
    super(`interrupted; finished measurements are cached in ${cacheDir}: run the same command again to resume`);
    this.name = 'CompareInterruptedError';
  }
}

export const DEFAULT_SEED = 1;
export const DEFAULT_CROP = 256;

/** The images named by `inputs` (files as given; folders: their image files, sorted). Throws on a missing input. */
export async function listImages(inputs: readonly string[]): Promise<{ name: string; path: string }[]> {
  const paths: string[] = [];
  for (const input of inputs) {
    const info = await stat(input); // ENOENT goes to the caller
    if (info.isDirectory()) {
      const names = (await readdir(input)).filter((n) => IMAGE_EXTENSIONS.includes(extname(n).toLowerCase()) && !n.startsWith('.')).sort();
      paths.push(...names.map((n) => join(input, n)));
    } else {
      paths.push(input);
    }
  }
  const unique = [...new Set(paths.map((p) => resolve(p)))].map((abs) => paths.find((p) => resolve(p) === abs)!);
  const base = unique.map((p) => basename(p));
  const clash = new Set(base.filter((b, i) => base.indexOf(b) !== i));
  return unique.map((path, i) => ({ path, name: clash.has(base[i]) ? relative(process.cwd(), resolve(path)).split(sep).join('/') : base[i] }));
}

/** The middle budget of the sorted list (the upper one of an even count). */
export function defaultViewBudget(budgets: readonly number[]): number {
  const sorted = [...budgets].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

interface Plan {
  name: string;
  path: string;
  digest?: string;
  error?: string;
}

interface CachedPoint extends Omit<Point, 'file'> {
  /** File name in the cache folder. */
  file: string;
}
type CachedMeasurement = Omit<Measurement, 'cached' | 'full' | 'best'> & { full: CachedPoint | null; best: CachedPoint | null };

function errorText(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}

export async function runCompare(options: CompareOptions): Promise<CompareOutputs> {
  const started = performance.now();
  const codecs = options.codecs ?? [...DEFAULT_CODECS];
  const budgets = [...options.budgets];
  const outDir = options.outDir;
  const cacheDir = options.cacheDir ?? join(outDir, 'cache');
  const cache = new ResultCache(cacheDir);
  const baselineSettings: BaselineSettings = { ...DEFAULT_BASELINE_SETTINGS, ...(options.avifEffort !== undefined ? { avifEffort: options.avifEffort } : {}) };
  const seed = options.seed ?? DEFAULT_SEED;
  const viewBudget = options.viewBudget ?? defaultViewBudget(budgets);
  const events = options.events ?? {};
  const stop = () => options.shouldStop?.() === true;
  await mkdir(outDir, { recursive: true });

  const settings: RunSettings = {
    budgets,
    codecs,
    scales: [...SCALES],
    nnimg: { iterations: options.iterations ?? null, seed, hidden: options.hidden ?? null },
    baselines: Object.fromEntries(codecs.filter((c): c is BaselineCodec => c !== 'nnimg').map((c) => [c, encoderSettings(c, baselineSettings)])),
    viewBudget,
    cropSize: options.cropSize ?? DEFAULT_CROP,
  };
  const versions = { nnimg: options.version, nnimgFormat: FORMAT_VERSION, node: process.versions.node, sharp: sharpVersions() };
  // The encoder's own code (this module's package: src/ or dist/, all but what only reports, runs
  // the command line or runs in browsers) and its WebAssembly kernels: a change to either
  // invalidates cached nnimg results.
  const here = dirname(fileURLToPath(import.meta.url));
  const encoderCode = await codeDigest(join(here, '..'), ['report', 'cli', 'web'], [join(here, '..', '..', 'build', 'kernels.wasm')]);

  /** The cache key of one task: image pixels, budget, codec, its settings and the versions that make it. */
  const taskKey = (digest: string, budget: number, codec: CodecName) =>
    cache.key({
      image: digest,
      budget,
      codec,
      settings: codec === 'nnimg' ? settings.nnimg : { ...settings.baselines[codec], scales: settings.scales, search: 'binary' },
      nnimg: `${versions.nnimg}/format ${FORMAT_VERSION}`,
      code: codec === 'nnimg' ? encoderCode : null,
      encoder: codec === 'nnimg' ? null : { sharp: versions.sharp.sharp, vips: versions.sharp.vips, [codec]: versions.sharp[codec === 'jpeg' ? 'mozjpeg' : codec === 'webp' ? 'webp' : 'aom'] },
    });

  // Planning pass: which tasks are cached already (for an honest time estimate).
  const listed = await listImages(options.inputs);
  const plans: Plan[] = [];
  const pending = new Map<CodecName, number>(codecs.map((c) => [c, 0]));
  for (const { name, path } of listed) {
    try {
      const digest = imageDigest(await readImage(path));
      plans.push({ name, path, digest });
      for (const budget of budgets) {
        for (const codec of codecs) {
          if ((await cache.get(taskKey(digest, budget, codec))) === undefined) pending.set(codec, pending.get(codec)! + 1);
        }
      }
    } catch (error) {
      plans.push({ name, path, error: errorText(error) });
    }
  }
  const timing = new Map<CodecName, { seconds: number; count: number }>();
  const secondsLeft = (): number | null => {
    let total = 0;
    const all = [...timing.values()];
    const overall = all.length ? all.reduce((a, t) => a + t.seconds, 0) / all.reduce((a, t) => a + t.count, 0) : null;
    for (const [codec, count] of pending) {
      if (count === 0) continue;
      const t = timing.get(codec);
      const each = t ? t.seconds / t.count : overall;
      if (each === null) return null;
      total += each * count;
    }
    return total;
  };

  const images: ImageEntry[] = [];
  const measurements: Measurement[] = [];
  const totalTasks = plans.length * budgets.length * codecs.length;
  let taskIndex = 0;
  let computed = 0;
  let cachedCount = 0;

  const toReportPoint = (point: CachedPoint | null): Point | null =>
    point ? { ...point, file: relative(outDir, join(cacheDir, point.file)).split(sep).join('/') } : null;
  const finish = (m: CachedMeasurement, cached: boolean): Measurement => ({ ...m, full: toReportPoint(m.full), best: toReportPoint(m.best), cached });

  for (const plan of plans) {
    let raster: RasterImage | undefined;
    let readError = plan.error;
    if (!readError) {
      try {
        raster = await readImage(plan.path);
      } catch (error) {
        readError = errorText(error);
      }
    }
    if (!raster || readError) {
      images.push({ name: plan.name, path: plan.path, width: null, height: null, channels: null, error: readError });
      events.imageError?.(plan.name, readError ?? 'unreadable');
      taskIndex += budgets.length * codecs.length;
      continue;
    }
    images.push({ name: plan.name, path: plan.path, width: raster.width, height: raster.height, channels: raster.channels });
    const digest = plan.digest ?? imageDigest(raster);
    const reference = toRgb(raster);
    const memo = new EncodeMemo(raster, baselineSettings);
    for (const budget of budgets) {
      for (const codec of codecs) {
        if (stop()) throw new CompareInterruptedError(cacheDir);
        taskIndex++;
        const info: TaskInfo = { index: taskIndex, total: totalTasks, image: plan.name, budget, codec, secondsLeft: secondsLeft() };
        events.taskStart?.(info);
        const key = taskKey(digest, budget, codec);
        const hit = await cache.get<CachedMeasurement>(key);
        let measurement: Measurement;
        if (hit) {
          measurement = finish(hit, true);
          cachedCount++;
        } else {
          const taskStarted = performance.now();
          const base = { image: plan.name, budget, codec, settings: codec === 'nnimg' ? { ...settings.nnimg } : { ...settings.baselines[codec] } };
          let result: { record: CachedMeasurement; files: Record<string, Uint8Array>; cacheable: boolean };
          try {
            result =
              codec === 'nnimg'
                ? await measureNnimg(raster, reference, budget, options, seed, events, stop, base)
                : await measureBaseline(memo, reference, codec, budget, base);
          } catch (error) {
            if (error instanceof EncodeCancelledError || error instanceof CompareInterruptedError) throw new CompareInterruptedError(cacheDir);
            result = { record: { ...base, status: 'failed', full: null, best: null, error: errorText(error), seconds: 0 }, files: {}, cacheable: false };
          }
          const seconds = (performance.now() - taskStarted) / 1000;
          result.record.seconds = seconds;
          const record = result.cacheable
            ? await cache.put(key, result.files, (names) => renameFiles(result.record, names))
            : result.record;
          measurement = finish(record, false);
          computed++;
          const t = timing.get(codec) ?? { seconds: 0, count: 0 };
          timing.set(codec, { seconds: t.seconds + seconds, count: t.count + 1 });
          pending.set(codec, Math.max(0, pending.get(codec)! - 1));
        }
        measurements.push(measurement);
        events.taskEnd?.({ ...info, secondsLeft: secondsLeft() }, measurement);
      }
    }
  }

  const summary = summarize(images, measurements, budgets, codecs);
  const failed = measurements.filter((m) => m.status === 'failed').length + images.filter((i) => i.error).length;
  const report: CompareReport = {
    title: options.title ?? 'nnimg against JPEG, WebP and AVIF at matched sizes',
    generated: new Date().toISOString(),
    versions,
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, platform: `${platform()} ${arch()}` },
    command: options.command ?? null,
    settings,
    images,
    measurements,
    summary,
    run: { computed, cached: cachedCount, failed, seconds: (performance.now() - started) / 1000 },
  };
  return { report, paths: await writeOutputs(report, outDir, options.publish) };
}

/** Writes every output of a finished run. */
export async function writeOutputs(report: CompareReport, outDir: string, publish?: string): Promise<CompareOutputs['paths']> {
  const imageCount = report.summary.images.length;
  const svg = await renderPlotSvg(report.summary.series, report.title, imageCount);
  const png = await svgToPng(svg);
  const paths = {
    json: join(outDir, 'report.json'),
    markdown: join(outDir, 'report.md'),
    svg: join(outDir, 'rd.svg'),
    png: join(outDir, 'rd.png'),
    html: join(outDir, 'index.html'),
    published: undefined as string | undefined,
  };
  await writeFile(paths.json, `${JSON.stringify(report, null, 1)}\n`);
  await writeFile(paths.svg, svg);
  await writeFile(paths.png, png);
  await writeFile(paths.markdown, reportMarkdown(report, { plotSvg: 'rd.svg', plotPng: 'rd.png', full: true }));
  await writeViewer(outDir, report);
  if (publish) {
    const stem = basename(publish, extname(publish));
    const folder = dirname(publish);
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, `${stem}-rd.svg`), svg);
    await writeFile(join(folder, `${stem}-rd.png`), png);
    await writeFile(
      publish,
      reportMarkdown(report, {
        plotSvg: `${stem}-rd.svg`,
        plotPng: `${stem}-rd.png`,
        full: false,
        regenerate: 'How to regenerate this page, and what it measures: [README.md](README.md).',
      }),
    );
    paths.published = publish;
  }
  return paths;
}

function sharpVersions(): Record<string, string | undefined> {
  const v = sharp.versions as Record<string, string | undefined>;
  return { sharp: v.sharp, vips: v.vips, mozjpeg: v.mozjpeg, webp: v.webp, aom: v.aom, heif: v.heif };
}

/** Replaces the file suffixes in a record's points by the names the cache gave them. */
function renameFiles(record: CachedMeasurement, names: Record<string, string>): CachedMeasurement {
  const rename = (p: CachedPoint | null) => (p ? { ...p, file: names[p.file] } : null);
  return { ...record, full: rename(record.full), best: rename(record.best) };
}

type Base = Pick<Measurement, 'image' | 'budget' | 'codec' | 'settings'>;
type TaskResult = { record: CachedMeasurement; files: Record<string, Uint8Array>; cacheable: boolean };

async function measureNnimg(
  raster: RasterImage,
  reference: RgbImage,
  budget: number,
  options: CompareOptions,
  seed: number,
  events: RunEvents,
  stop: () => boolean,
  base: Base,
): Promise<TaskResult> {
  try {
    const result = await encode(raster, {
      bytes: budget,
      iterations: options.iterations,
      seed,
      hidden: options.hidden,
      shouldStop: stop,
      onProgress: (p) => events.iteration?.(p.iteration, p.iterations),
    });
    if (result.file.length > budget) throw new Error(`nnimg wrote ${result.file.length} bytes for a budget of ${budget}`);
    const decoded = toRgb(decode(result.file));
    const suffix = `x1.${FILE_EXTENSIONS.nnimg}`;
    const point: CachedPoint = {
      bytes: result.file.length,
      bitsPerPixel: (result.file.length * 8) / (raster.width * raster.height),
      psnr: psnrRgb(reference, decoded),
      ssim: ssimRgb(reference, decoded),
      scale: 1,
      quality: null,
      file: suffix,
    };
    return {
      record: {
        ...base,
        status: 'ok',
        full: point,
        best: point,
        encoder: {
          iterations: result.iterations,
          psnr: Number.isFinite(result.psnr) ? result.psnr : null,
          seconds: result.seconds,
          model: result.model,
          breakdown: result.breakdown,
        },
        seconds: 0,
      },
      files: { [suffix]: result.file },
      cacheable: true,
    };
  } catch (error) {
    if (error instanceof BudgetError) {
      return { record: { ...base, status: 'does-not-fit', full: null, best: null, note: error.message, seconds: 0 }, files: {}, cacheable: true };
    }
    throw error;
  }
}

async function measureBaseline(memo: EncodeMemo, reference: RgbImage, codec: BaselineCodec, budget: number, base: Base): Promise<TaskResult> {
  const candidates = await baselineCandidates(memo, reference, codec, budget);
  const best = bestCandidate(candidates);
  const full = candidates.find((c) => c.scale === 1 && c.file) ?? null;
  const files: Record<string, Uint8Array> = {};
  const pixels = reference.width * reference.height;
  const toPoint = (c: BaselineCandidate): CachedPoint => {
    const suffix = `x${c.scale}.${FILE_EXTENSIONS[codec]}`;
    files[suffix] = c.file!;
    return {
      bytes: c.bytes!,
      bitsPerPixel: (c.bytes! * 8) / pixels,
      psnr: c.psnr!,
      ssim: ssimRgb(reference, c.decoded!),
      scale: c.scale,
      quality: c.quality,
      file: suffix,
    };
  };
  const fullPoint = full ? toPoint(full) : null;
  const bestPoint = best ? (best === full ? fullPoint : toPoint(best)) : null;
  return {
    record: {
      ...base,
      status: bestPoint ? 'ok' : 'does-not-fit',
      full: fullPoint,
      best: bestPoint,
      candidates: candidates.map(({ scale, width, height, quality, bytes, psnr }) => ({ scale, width, height, quality, bytes, psnr })),
      note: bestPoint ? (fullPoint ? undefined : 'fits only downscaled') : 'even quality 1 at 1/8 size is over the budget',
      seconds: 0,
    },
    files,
    cacheable: true,
  };
}
