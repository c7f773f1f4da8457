/**
 * The summary of a comparison: mean quality per budget per codec (PSNR per image, then the mean
 * over images, as CompressAI reports it) and the BD-rate of nnimg against each baseline.
 */
import { BdRateOutcome, RdPoint, bdRate } from './bd-rate.js';
import {
  BdRateEntry,
  BudgetMean,
  CODEC_LABELS,
  CodecName,
  ImageEntry,
  Measurement,
  Point,
  ReportSummary,
  SeriesId,
  SeriesSummary,
} from './types.js';

/** The curves of a run: nnimg, then for each baseline its best-of-scales and its full-size curve. */
export function seriesFor(codecs: readonly CodecName[]): SeriesId[] {
  const series: SeriesId[] = [];
  for (const codec of codecs) {
    if (codec === 'nnimg') {
      series.push({ id: 'nnimg', codec, pick: 'best', label: 'nnimg' });
    } else {
      series.push({ id: codec, codec, pick: 'best', label: CODEC_LABELS[codec] });
      series.push({ id: `${codec}-full`, codec, pick: 'full', label: `${CODEC_LABELS[codec]} full size` });
    }
  }
  return series;
}

export function pointOf(measurement: Measurement | undefined, pick: 'best' | 'full'): Point | null {
  if (!measurement || measurement.status !== 'ok') return null;
  return pick === 'best' ? measurement.best : measurement.full;
}

const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);

export class MeasurementIndex {
  private readonly map = new Map<string, Measurement>();
  constructor(measurements: readonly Measurement[]) {
    for (const m of measurements) this.map.set(MeasurementIndex.key(m.image, m.budget, m.codec), m);
  }
  static key(image: string, budget: number, codec: CodecName): string {
    return `${image}\u0000${budget}\u0000${codec}`;
  }
  get(image: string, budget: number, codec: CodecName): Measurement | undefined {
    return this.map.get(MeasurementIndex.key(image, budget, codec));
  }
}

function budgetMeans(index: MeasurementIndex, series: SeriesId, images: readonly string[], budgets: readonly number[]): BudgetMean[] {
  return budgets.map((budget) => {
    const points = images.map((image) => pointOf(index.get(image, budget, series.codec), series.pick)).filter((p): p is Point => p !== null);
    const ssims = points.map((p) => p.ssim).filter((s): s is number => s !== null);
    return {
      budget,
      images: points.length,
      of: images.length,
      meanBytes: mean(points.map((p) => p.bytes)),
      meanBitsPerPixel: mean(points.map((p) => p.bitsPerPixel)),
      meanPsnr: mean(points.map((p) => p.psnr)),
      meanSsim: ssims.length === points.length ? mean(ssims) : null,
    };
  });
}

/** The mean curve: budgets where every image has a point. */
export function meanCurve(summary: SeriesSummary): RdPoint[] {
  return summary.budgets
    .filter((b) => b.of > 0 && b.images === b.of && b.meanBitsPerPixel !== null && b.meanPsnr !== null)
    .map((b) => ({ rate: b.meanBitsPerPixel!, psnr: b.meanPsnr! }));
}

function imageCurve(index: MeasurementIndex, series: SeriesId, image: string, budgets: readonly number[]): RdPoint[] {
  return budgets
    .map((budget) => pointOf(index.get(image, budget, series.codec), series.pick))
    .filter((p): p is Point => p !== null)
    .map((p) => ({ rate: p.bitsPerPixel, psnr: p.psnr }));
}

function withReason(outcome: BdRateOutcome, test: RdPoint[], anchor: RdPoint[]): BdRateOutcome {
  if (outcome.ok) return outcome;
  if (test.length < 2) return { ok: false, reason: `nnimg has ${test.length} complete budget${test.length === 1 ? '' : 's'} (needs 2)` };
  if (anchor.length < 2) return { ok: false, reason: `the baseline has ${anchor.length} complete budget${anchor.length === 1 ? '' : 's'} (needs 2)` };
  return outcome;
}

export function summarize(
  images: readonly ImageEntry[],
  measurements: readonly Measurement[],
  budgets: readonly number[],
  codecs: readonly CodecName[],
): ReportSummary {
  const index = new MeasurementIndex(measurements);
  const excluded: { image: string; reason: string }[] = [];
  const included: string[] = [];
  for (const image of images) {
    if (image.error) {
      excluded.push({ image: image.name, reason: `could not be read: ${image.error}` });
      continue;
    }
    const failed = measurements.filter((m) => m.image === image.name && m.status === 'failed');
    if (failed.length) {
      excluded.push({ image: image.name, reason: failed.map((m) => `${m.codec} at ${m.budget} bytes failed: ${m.error ?? 'unknown error'}`).join('; ') });
      continue;
    }
    included.push(image.name);
  }
  const series = seriesFor(codecs).map((s) => ({ ...s, budgets: budgetMeans(index, s, included, budgets) }));
  const nnimg = series.find((s) => s.id === 'nnimg');
  const bdRates: BdRateEntry[] = [];
  if (nnimg) {
    const test = meanCurve(nnimg);
    for (const anchor of series.filter((s) => s.codec !== 'nnimg')) {
      const anchorCurve = meanCurve(anchor);
      bdRates.push({
        anchor: anchor.id,
        anchorLabel: anchor.label,
        meanCurve: withReason(bdRate(anchorCurve, test), test, anchorCurve),
        perImage: included.map((image) => {
          const a = imageCurve(index, anchor, image, budgets);
          const t = imageCurve(index, nnimg, image, budgets);
          return { image, outcome: withReason(bdRate(a, t), t, a) };
        }),
      });
    }
  }
  return { images: included, excluded, series, bdRate: bdRates };
}
