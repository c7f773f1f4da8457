/**
 * report.md (every table) and the shorter published page (plot, BD-rates, means), from the data
 * of report.json.
 */
import { BdRateOutcome } from './bd-rate.js';
import { MeasurementIndex } from './summary.js';
import { BudgetMean, CODEC_LABELS, CodecName, CompareReport, Measurement, SeriesSummary } from './types.js';

export interface MarkdownOptions {
  /** Paths of the plot relative to the Markdown file. */
  plotSvg: string;
  plotPng: string;
  /** The full report adds per-image tables and every setting; the published page does not. */
  full: boolean;
  /** A line telling how the page is regenerated. */
  regenerate?: string;
}

const fixed = (value: number | null | undefined, digits: number) => (value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits));

export function formatBdRate(outcome: BdRateOutcome): string {
  if (!outcome.ok) return `n/a (${outcome.reason})`;
  const sign = outcome.percent > 0 ? '+' : '';
  const fit = outcome.degree < 3 ? ` (degree-${outcome.degree} fit: fewer than 4 points)` : '';
  return `${sign}${outcome.percent.toFixed(1)} %${fit}`;
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function meanCell(b: BudgetMean, value: number | null, digits: number): string {
  if (b.images === 0) return '–';
  const text = fixed(value, digits);
  return b.images === b.of ? text : `${text} (${b.images}/${b.of})`;
}

function meanTable(series: SeriesSummary[], budgets: number[], pick: (b: BudgetMean) => number | null, digits: number): string {
  return table(
    ['budget (bytes)', ...series.map((s) => s.label)],
    budgets.map((budget, i) => [String(budget), ...series.map((s) => meanCell(s.budgets[i], pick(s.budgets[i]), digits))]),
  );
}

function bdTable(report: CompareReport): string {
  const { summary } = report;
  const rows = summary.bdRate.map((entry) => {
    const wins = entry.perImage.filter((p) => p.outcome.ok && p.outcome.percent < 0).length;
    const measured = entry.perImage.filter((p) => p.outcome.ok).length;
    const range = entry.meanCurve.ok ? `${entry.meanCurve.psnrLow.toFixed(2)}–${entry.meanCurve.psnrHigh.toFixed(2)} dB` : '–';
    return [entry.anchorLabel, formatBdRate(entry.meanCurve), range, measured ? `${wins} of ${measured}` : '–'];
  });
  return table(['nnimg against', 'BD-rate (mean curves)', 'PSNR range shared', 'images where nnimg needs fewer bytes'], rows);
}

function perImageBdTable(report: CompareReport): string {
  const entries = report.summary.bdRate;
  return table(
    ['image', ...entries.map((e) => `vs ${e.anchorLabel}`)],
    report.summary.images.map((image) => [image, ...entries.map((e) => formatBdRate(e.perImage.find((p) => p.image === image)!.outcome))]),
  );
}

export interface MarginRow {
  budget: number;
  /** The lowest nnimg PSNR minus the baseline's best-of-scales PSNR over the images, dB; null when no image has both. */
  lowest: number | null;
  image: string | null;
  /** Images with both points, and of those the ones where nnimg is below the baseline. */
  images: number;
  below: number;
}

/**
 * Per budget, the lowest per-image margin of nnimg over a baseline (best of scales): a collapse of
 * one image shows at a glance. An image where the baseline does not fit at all is nnimg's win and
 * is not a margin.
 */
export function lowestMargins(report: CompareReport, baseline: Exclude<CodecName, 'nnimg'>): MarginRow[] {
  const index = new MeasurementIndex(report.measurements);
  return report.settings.budgets.map((budget) => {
    const row: MarginRow = { budget, lowest: null, image: null, images: 0, below: 0 };
    for (const image of report.summary.images) {
      const ours = index.get(image, budget, 'nnimg')?.best;
      const theirs = index.get(image, budget, baseline)?.best;
      if (!ours || !theirs) continue;
      const margin = ours.psnr - theirs.psnr;
      row.images++;
      if (margin < 0) row.below++;
      if (row.lowest === null || margin < row.lowest) [row.lowest, row.image] = [margin, image];
    }
    return row;
  });
}

function marginTable(report: CompareReport): string {
  const rows = lowestMargins(report, 'jpeg').map((r) => [
    String(r.budget),
    r.lowest === null ? '–' : `${r.lowest > 0 ? '+' : ''}${r.lowest.toFixed(2)} dB`,
    r.image ?? '–',
    r.images ? `${r.below} of ${r.images}` : '–',
  ]);
  return table(['budget (bytes)', 'lowest margin of nnimg over JPEG', 'on', 'images where nnimg is below JPEG'], rows);
}

function cell(m: Measurement | undefined, pick: 'best' | 'full'): string {
  if (!m) return '–';
  if (m.status === 'failed') return 'failed';
  const point = pick === 'best' ? m.best : m.full;
  if (m.status === 'does-not-fit' || !point) return 'does not fit';
  const setting = [point.quality !== null ? `q${point.quality}` : '', point.scale !== 1 ? `1/${point.scale}` : ''].filter(Boolean).join(' ');
  return `${point.bytes} B, ${point.psnr.toFixed(2)} dB${point.ssim !== null ? `, ${point.ssim.toFixed(3)}` : ''}${setting ? ` (${setting})` : ''}`;
}

function perImageTables(report: CompareReport): string {
  const index = new MeasurementIndex(report.measurements);
  const parts: string[] = [];
  const columns: { codec: (typeof report.settings.codecs)[number]; pick: 'best' | 'full'; label: string }[] = [];
  for (const codec of report.settings.codecs) {
    if (codec === 'nnimg') columns.push({ codec, pick: 'best', label: 'nnimg' });
    else columns.push({ codec, pick: 'full', label: `${CODEC_LABELS[codec]} full size` }, { codec, pick: 'best', label: `${CODEC_LABELS[codec]} best` });
  }
  for (const image of report.images) {
    if (image.error) continue;
    parts.push(`### ${image.name} (${image.width}x${image.height}${image.channels === 1 ? ', grey' : ''})\n`);
    parts.push(
      table(
        ['budget', ...columns.map((c) => c.label)],
        report.settings.budgets.map((budget) => [String(budget), ...columns.map((c) => cell(index.get(image.name, budget, c.codec), c.pick))]),
      ),
    );
    parts.push('');
  }
  return parts.join('\n');
}

function failures(report: CompareReport): string {
  const lines: string[] = [];
  for (const image of report.images) if (image.error) lines.push(`- ${image.name}: could not be read: ${image.error}`);
  for (const m of report.measurements) if (m.status === 'failed') lines.push(`- ${m.image}, ${m.budget} bytes, ${m.codec}: ${m.error ?? 'unknown error'}`);
  return lines.length ? lines.join('\n') : 'None.';
}

function settingsText(report: CompareReport): string {
  const s = report.settings;
  const n = s.nnimg;
  const lines = [
    `- Budgets (bytes): ${s.budgets.join(', ')}. Codecs: ${s.codecs.map((c) => CODEC_LABELS[c]).join(', ')}.`,
    `- nnimg ${report.versions.nnimg} (format ${report.versions.nnimgFormat}): \`--bytes\` at each budget, ` +
      `iterations ${n.iterations ?? 'default (chosen from the image size)'}, seed ${n.seed}${n.hidden ? `, hidden ${n.hidden.join(',')}` : ''}.`,
  ];
  for (const [codec, settings] of Object.entries(s.baselines)) {
    const text = Object.entries(settings)
      .map(([k, v]) => `${k} ${String(v)}`)
      .join(', ');
    lines.push(`- ${CODEC_LABELS[codec as keyof typeof CODEC_LABELS] ?? codec}: ${text}; the highest quality (1–100, binary search) whose file fits the budget.`);
  }
  lines.push(
    `- Downscales: each baseline is also encoded after a Lanczos (lanczos3) downscale by ${s.scales.filter((x) => x !== 1).join(', ')} ` +
      'and upscaled back with Lanczos after decoding; "best" is the highest PSNR of full size and these.',
    `- Sizes are the real file sizes, container included; bits per pixel = bytes x 8 / (width x height of the original).`,
    '- Quality is measured on the decoded pixels (upscaled where downscaled) against the original: PSNR over the RGB samples of each image, ' +
      'then the mean over images (as CompressAI reports it; an exact reconstruction counts as 100 dB); SSIM by ssim.js with the reference ' +
      "method (Gaussian 11x11 window on luma, automatic downsampling as in Wang et al.'s ssim.m). Grey images are coded as grey where the " +
      'codec can (nnimg, JPEG) and compared as RGB with three equal channels.',
    '- BD-rate: Bjontegaard delta rate of nnimg against each baseline, from cubic fits of log-rate against PSNR (a lower degree for a curve of fewer than 4 points) ' +
      'integrated over the PSNR range both curves cover; negative means nnimg needs fewer bytes for the same PSNR. Mean curves use the budgets at which every image has a point.',
    `- Machine: ${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.platform}; Node ${report.versions.node}; ` +
      `sharp ${report.versions.sharp.sharp ?? '?'} (libvips ${report.versions.sharp.vips ?? '?'}, mozjpeg ${report.versions.sharp.mozjpeg ?? '?'}, ` +
      `libwebp ${report.versions.sharp.webp ?? '?'}, aom ${report.versions.sharp.aom ?? '?'}).`,
  );
  return lines.join('\n');
}

export function reportMarkdown(report: CompareReport, options: MarkdownOptions): string {
  const { summary, settings } = report;
  const parts: string[] = [];
  parts.push(`# ${report.title}\n`);
  parts.push(
    `Generated ${report.generated}${report.command ? ` by \`${report.command}\`` : ''}. ` +
      `${summary.images.length} image${summary.images.length === 1 ? '' : 's'} in the means` +
      (summary.excluded.length ? `, ${summary.excluded.length} left out (see Failures)` : '') +
      '.\n',
  );
  if (options.regenerate) parts.push(`${options.regenerate}\n`);
  parts.push(`![Rate-distortion: bits per pixel against PSNR](${options.plotPng})\n\n(SVG: [${options.plotSvg}](${options.plotSvg}))\n`);
  parts.push(
    `JPEG, WebP and AVIF: at each budget, the best PSNR of the image at full size and downscaled by ${settings.scales.filter((x) => x !== 1).join(', ')} ` +
      '(Lanczos) then upscaled back after decoding, which is what a user short of bytes would do; "full size": without downscaling, ' +
      'missing where even the lowest quality setting is over the budget.\n',
  );
  parts.push('## BD-rate of nnimg\n');
  parts.push('Negative: nnimg needs that much fewer bytes than the baseline for the same PSNR; positive: that much more.\n');
  parts.push(bdTable(report) + '\n');
  parts.push('## Mean PSNR over RGB (dB) per budget\n');
  parts.push('A cell with (n/N) averages only the n images at which the codec fits the budget.\n');
  parts.push(meanTable(summary.series, settings.budgets, (b) => b.meanPsnr, 2) + '\n');
  if (report.settings.codecs.includes('nnimg') && report.settings.codecs.includes('jpeg')) {
    parts.push('## Lowest per-image margin over JPEG\n');
    parts.push('Per budget, the image where nnimg is furthest below (or least above) JPEG, best of scales; an image where JPEG does not fit at any scale counts as no margin.\n');
    parts.push(marginTable(report) + '\n');
  }
  parts.push('## Mean SSIM per budget\n');
  parts.push(meanTable(summary.series, settings.budgets, (b) => b.meanSsim, 4) + '\n');
  parts.push('## Mean bits per pixel per budget\n');
  parts.push(meanTable(summary.series, settings.budgets, (b) => b.meanBitsPerPixel, 4) + '\n');
  parts.push('## BD-rate per image\n');
  parts.push(perImageBdTable(report) + '\n');
  if (options.full) {
    parts.push('## Per image\n');
    parts.push('Each cell: bytes, PSNR, SSIM (quality setting, downscale).\n');
    parts.push(perImageTables(report));
  }
  parts.push('## Settings and method\n');
  parts.push(settingsText(report) + '\n');
  parts.push('## Failures\n');
  parts.push(failures(report) + '\n');
  if (summary.excluded.length) {
    parts.push('Left out of the means and BD-rates:\n');
    parts.push(summary.excluded.map((e) => `- ${e.image}: ${e.reason}`).join('\n') + '\n');
  }
  const run = report.run;
  parts.push(`Run: ${run.computed} measurements computed, ${run.cached} read from the cache, ${run.failed} failed, ${run.seconds.toFixed(0)} s.\n`);
  return parts.join('\n');
}
