/**
 * The rate-distortion plot: mean bits per pixel against mean PSNR, one curve per codec, drawn
 * by Vega-Lite (compiled to Vega, rendered headless to SVG) and rasterised to PNG by sharp.
 */
import sharp from 'sharp';
import { View, parse } from 'vega';
import { TopLevelSpec, compile } from 'vega-lite';
import { CODEC_LABELS } from './types.js';
import type { SeriesSummary } from './types.js';

export interface PlotRow {
  codec: string;
  variant: string;
  bitsPerPixel: number;
  psnr: number;
  budget: number;
}

const VARIANT_BEST = 'best of full size and 1/2, 1/4, 1/8';
const VARIANT_FULL = 'full size only';

/** One row per point of each series' mean curve (budgets where every image has a point). */
export function plotRows(series: readonly SeriesSummary[]): PlotRow[] {
  const rows: PlotRow[] = [];
  for (const s of series) {
    for (const b of s.budgets) {
      if (b.of === 0 || b.images !== b.of || b.meanBitsPerPixel === null || b.meanPsnr === null || !Number.isFinite(b.meanPsnr)) continue;
      rows.push({
        codec: CODEC_LABELS[s.codec],
        variant: s.codec === 'nnimg' ? VARIANT_BEST : s.pick === 'best' ? VARIANT_BEST : VARIANT_FULL,
        bitsPerPixel: b.meanBitsPerPixel,
        psnr: b.meanPsnr,
        budget: b.budget,
      });
    }
  }
  return rows;
}

export function plotSpec(rows: PlotRow[], title: string, imageCount: number): TopLevelSpec {
  const codecs = [...new Set(rows.map((r) => r.codec))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: `mean over ${imageCount} image${imageCount === 1 ? '' : 's'}; solid: the best of full size and downscales, dashed: full size only` },
    width: 560,
    height: 380,
    background: 'white',
    data: { values: rows as unknown as Record<string, unknown>[] },
    encoding: {
      x: {
        field: 'bitsPerPixel',
        type: 'quantitative',
        scale: { type: 'log', nice: false, padding: 12 },
        title: 'bits per pixel (log scale)',
      },
      y: { field: 'psnr', type: 'quantitative', scale: { zero: false }, title: 'PSNR over RGB (dB)' },
      color: {
        field: 'codec',
        type: 'nominal',
        title: 'codec',
        scale: { domain: codecs, range: codecs.map((c) => COLOURS[c] ?? '#888888') },
      },
    },
    layer: [
      {
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          strokeDash: {
            field: 'variant',
            type: 'nominal',
            title: 'baselines',
            scale: { domain: [VARIANT_BEST, VARIANT_FULL], range: [[1, 0], [6, 4]] },
            legend: { symbolType: 'stroke', symbolStrokeColor: '#444444', symbolStrokeWidth: 2, symbolSize: 400, labelLimit: 320 },
          },
          order: { field: 'bitsPerPixel', type: 'quantitative' },
        },
      },
      { mark: { type: 'point', filled: true, size: 40, opacity: 1 } },
    ],
  };
}

const COLOURS: Record<string, string> = { nnimg: '#d62728', JPEG: '#1f77b4', WebP: '#2ca02c', AVIF: '#9467bd' };

/** Renders the plot to SVG text. */
export async function renderPlotSvg(series: readonly SeriesSummary[], title: string, imageCount: number): Promise<string> {
  const vegaSpec = compile(plotSpec(plotRows(series), title, imageCount)).spec;
  const view = new View(parse(vegaSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises SVG text to PNG (at twice the SVG's size by default, for sharp text). */
export async function svgToPng(svg: string, density = 144): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density }).png().toBuffer();
}
