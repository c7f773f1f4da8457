/**
 * index.html: at one chosen budget, the same crop of each image from every codec, side by side
 * with the original. The crops are PNG files in crops/, cut from the decoded (and, for a
 * downscaled baseline, upscaled) images.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { decode } from '../decoder/decode.js';
import { readImage } from '../image/io.js';
import { BaselineCodec, decodeBaseline } from './baselines.js';
import { RgbImage, toRgb } from './metrics.js';
import { MeasurementIndex } from './summary.js';
import { CODEC_LABELS, CompareReport, Point } from './types.js';

export interface CropBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The centred crop of at most size x size pixels. */
export function centreCrop(width: number, height: number, size: number): CropBox {
  const w = Math.min(size, width);
  const h = Math.min(size, height);
  return { left: Math.floor((width - w) / 2), top: Math.floor((height - h) / 2), width: w, height: h };
}

function cropRgb(image: RgbImage, box: CropBox): Uint8Array {
  const out = new Uint8Array(box.width * box.height * 3);
  for (let y = 0; y < box.height; y++) {
    const from = ((box.top + y) * image.width + box.left) * 3;
    out.set(image.data.subarray(from, from + box.width * 3), y * box.width * 3);
  }
  return out;
}

async function writeCropPng(path: string, image: RgbImage, box: CropBox): Promise<void> {
  await sharp(cropRgb(image, box), { raw: { width: box.width, height: box.height, channels: 3 } })
    .png()
    .toFile(path);
}

/** Decodes a measured file back to full-size RGB, as the measurement did. */
export async function decodePoint(outDir: string, codec: string, point: Point, width: number, height: number): Promise<RgbImage> {
  const file = new Uint8Array(await readFile(join(outDir, point.file)));
  if (codec === 'nnimg') return toRgb(decode(file));
  return decodeBaseline(file, width, height, codec as BaselineCodec);
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_');
}

function describePoint(point: Point): string {
  const parts = [`${point.bytes} B`, `${point.bitsPerPixel.toFixed(3)} bpp`, `${point.psnr.toFixed(2)} dB`];
  if (point.ssim !== null) parts.push(`SSIM ${point.ssim.toFixed(4)}`);
  if (point.quality !== null) parts.push(`q ${point.quality}`);
  if (point.scale !== 1) parts.push(`1/${point.scale} size, upscaled`);
  return parts.join(' · ');
}

/** Writes crops/ and index.html into `outDir`; returns the page's path. */
export async function writeViewer(outDir: string, report: CompareReport): Promise<string> {
  const budget = report.settings.viewBudget;
  const cropDir = join(outDir, 'crops');
  await mkdir(cropDir, { recursive: true });
  const index = new MeasurementIndex(report.measurements);
  const codecs = report.settings.codecs;
  const rows: string[] = [];
  for (const entry of report.images) {
    if (entry.error || entry.width === null || entry.height === null) continue;
    const { width, height } = entry;
    const box = centreCrop(width, height, report.settings.cropSize);
    const cells: string[] = [];
    const stem = safeName(entry.name);
    try {
      const original = toRgb(await readImage(entry.path));
      await writeCropPng(join(cropDir, `${stem}-original.png`), original, box);
      cells.push(figure(`crops/${stem}-original.png`, 'original', `${width}x${height}`, box));
    } catch (error) {
      cells.push(`<td class="missing">original: ${escapeHtml(String(error))}</td>`);
    }
    for (const codec of codecs) {
      const m = index.get(entry.name, budget, codec);
      const point = m?.status === 'ok' ? m.best : null;
      if (!m || !point) {
        const why = !m ? 'not measured' : m.status === 'does-not-fit' ? 'does not fit' : `failed: ${m.error ?? ''}`;
        cells.push(`<td class="missing"><div class="codec">${CODEC_LABELS[codec]}</div>${escapeHtml(why)}</td>`);
        continue;
      }
      try {
        const decoded = await decodePoint(outDir, codec, point, width, height);
        const name = `${stem}-${budget}-${codec}.png`;
        await writeCropPng(join(cropDir, name), decoded, box);
        cells.push(figure(`crops/${name}`, CODEC_LABELS[codec], describePoint(point), box));
      } catch (error) {
        cells.push(`<td class="missing"><div class="codec">${CODEC_LABELS[codec]}</div>${escapeHtml(String(error))}</td>`);
      }
    }
    rows.push(`<tr><th scope="row">${escapeHtml(entry.name)}<br><span class="dim">crop ${box.width}x${box.height} at ${box.left},${box.top}</span></th>${cells.join('')}</tr>`);
  }
  const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(report.title)}: crops at ${budget} bytes</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; }
th, td { padding: 6px; vertical-align: top; text-align: left; }
th { font-weight: 600; max-width: 12em; }
td figure { margin: 0; }
figcaption { font-size: 12px; color: #444; max-width: 40em; }
.codec { font-weight: 600; }
.dim { color: #777; font-weight: normal; font-size: 12px; }
.missing { color: #a00; font-size: 12px; }
img { image-rendering: pixelated; display: block; }
</style>
</head>
<body>
<h1>${escapeHtml(report.title)}</h1>
<p>Every image's centre crop at a budget of <b>${budget} bytes</b>, from every codec, shown at
<select id="zoom"><option value="1">1x</option><option value="2" selected>2x</option><option value="3">3x</option><option value="4">4x</option></select>
zoom. Baselines show their best setting at that budget: the highest quality that fits, at full size or
downscaled by 2, 4 or 8 and upscaled back with Lanczos (whichever gave the best PSNR).
Generated ${escapeHtml(report.generated)} by nnimg ${escapeHtml(report.versions.nnimg)}; see report.md for every budget.</p>
<table>
${rows.join('\n')}
</table>
<script>
const zoom = document.getElementById('zoom');
function applyZoom() {
  for (const img of document.querySelectorAll('img[data-w]')) {
    img.style.width = img.dataset.w * zoom.value + 'px';
    img.style.height = img.dataset.h * zoom.value + 'px';
  }
}
zoom.addEventListener('change', applyZoom);
applyZoom();
</script>
</body>
</html>
`;
  const path = join(outDir, 'index.html');
  await writeFile(path, page);
  return path;
}

function figure(src: string, title: string, caption: string, box: CropBox): string {
  return `<td><figure><img src="${escapeHtml(src)}" data-w="${box.width}" data-h="${box.height}" width="${box.width * 2}" height="${box.height * 2}" alt="${escapeHtml(title)}"><figcaption><span class="codec">${escapeHtml(title)}</span><br>${escapeHtml(caption)}</figcaption></figure></td>`;
}
