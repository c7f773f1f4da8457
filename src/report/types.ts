/** The data of a comparison report, as written to report.json. */
import type { BdRateOutcome } from './bd-rate.js';
import type { PlaceholderCodec } from './placeholders.js';

/** The codecs nnimg is compared against. */
/** Through sharp, plus the tiny placeholders (placeholders.ts), only compared when asked for. */
export type BaselineCodec = 'jpeg' | 'webp' | 'avif' | PlaceholderCodec;
export type CodecName = 'nnimg' | BaselineCodec;
/** Every codec compare knows; DEFAULT_CODECS those it compares unless told. */
export const CODECS: readonly CodecName[] = ['nnimg', 'jpeg', 'webp', 'avif', 'thumbhash', 'blurhash'];
export const DEFAULT_CODECS: readonly CodecName[] = ['nnimg', 'jpeg', 'webp', 'avif'];
export const CODEC_LABELS: Record<CodecName, string> = { nnimg: 'nnimg', jpeg: 'JPEG', webp: 'WebP', avif: 'AVIF', thumbhash: 'ThumbHash', blurhash: 'BlurHash' };

/** One decoded result measured against the original. */
export interface Point {
  /** Real file size, container included. */
  bytes: number;
  /** bytes * 8 / (original width * height). */
  bitsPerPixel: number;
  /** PSNR over RGB of the decoded (and, for a downscaled baseline, upscaled) image, dB. */
  psnr: number;
  /** SSIM (Wang et al.'s reference method, on luma); null for images under 11 pixels a side. */
  ssim: number | null;
  /** The image was encoded at 1/scale of its size and upscaled back with Lanczos (nnimg: 1). */
  scale: number;
  /** The codec's quality setting (baselines) or null (nnimg, which takes the budget itself). */
  quality: number | null;
  /** The encoded file, relative to the report folder. */
  file: string;
}

/** What one baseline achieved at one scale. */
export interface CandidateSummary {
  scale: number;
  width: number;
  height: number;
  quality: number | null;
  bytes: number | null;
  psnr: number | null;
}

export type MeasurementStatus = 'ok' | 'does-not-fit' | 'failed';

/** One (image, budget, codec) task. */
export interface Measurement {
  image: string;
  budget: number;
  codec: CodecName;
  /** ok: `best` is set; does-not-fit: no setting meets the budget; failed: see `error`. */
  status: MeasurementStatus;
  /** At full size (for a baseline, may be null while `best` is set: it fits only downscaled). */
  full: Point | null;
  /** The best PSNR over full size and the downscales (nnimg: the same as full). */
  best: Point | null;
  /** Baselines: every scale tried. */
  candidates?: CandidateSummary[];
  /** The codec's fixed settings. */
  settings: Record<string, unknown>;
  /** nnimg: what the encoder reported. */
  encoder?: { iterations: number; psnr: number | null; seconds: number; model: unknown; breakdown: unknown };
  note?: string;
  error?: string;
  /** Time spent computing this measurement (when it was computed, not when read from the cache). */
  seconds: number;
  /** True when this run read it from the cache. */
  cached: boolean;
}

export interface ImageEntry {
  name: string;
  path: string;
  width: number | null;
  height: number | null;
  channels: number | null;
  /** Set when the image could not be read. */
  error?: string;
}

/** A curve of the summary: a codec, at full size only or at the best of full size and downscales. */
export interface SeriesId {
  id: string;
  codec: CodecName;
  pick: 'best' | 'full';
  label: string;
}

export interface BudgetMean {
  budget: number;
  /** Images with a point at this budget, of `of` images in the summary. */
  images: number;
  of: number;
  meanBytes: number | null;
  meanBitsPerPixel: number | null;
  meanPsnr: number | null;
  meanSsim: number | null;
}

export interface SeriesSummary extends SeriesId {
  budgets: BudgetMean[];
}

export interface BdRateEntry {
  /** The baseline series nnimg is compared against. */
  anchor: string;
  anchorLabel: string;
  /** On the mean curves (mean bits per pixel, mean PSNR over the images, budgets where every image has a point). */
  meanCurve: BdRateOutcome;
  /** Per image, on that image's own points. */
  perImage: { image: string; outcome: BdRateOutcome }[];
}

export interface ReportSummary {
  /** Images in the means and BD-rates: read and measured without failure by every codec. */
  images: string[];
  /** Images left out, with the reason. */
  excluded: { image: string; reason: string }[];
  series: SeriesSummary[];
  bdRate: BdRateEntry[];
}

export interface RunSettings {
  budgets: number[];
  codecs: CodecName[];
  scales: number[];
  nnimg: { iterations: number | null; seed: number; hidden: number[] | null };
  baselines: Record<string, Record<string, unknown>>;
  viewBudget: number;
  cropSize: number;
}

export interface CompareReport {
  title: string;
  generated: string;
  versions: { nnimg: string; nnimgFormat: number; node: string; sharp: Record<string, string | undefined> };
  machine: { cpu: string; cores: number; platform: string };
  command: string | null;
  settings: RunSettings;
  images: ImageEntry[];
  measurements: Measurement[];
  summary: ReportSummary;
  run: { computed: number; cached: number; failed: number; seconds: number };
}
