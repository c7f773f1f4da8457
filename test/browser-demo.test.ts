/**
 * The demo page (docs/demo/, `npm run demo`) in headless Chromium: the sample renders fitted with
 * its decode time, the zoom re-renders at the new size, a picked file replaces it, and a served
 * `nnimg compare` report shows nnimg beside JPEG, WebP and AVIF. The page's screenshot is written
 * to $NNIMG_SCREENSHOTS (default: the system's temporary folder) as nnimg-demo.png, to look at.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode } from '../src/index.js';
import { BrowserEnvironment, root, skipBrowserTests, startBrowserEnvironment } from './support/browser.js';

const CAT = join(root, 'spec/vectors/chelsea-20x14-rgb.nnimg');

/** A report folder shaped as `nnimg compare` writes it, for the 20x14 cat at "300 bytes". */
async function writeReport(folder: string): Promise<void> {
  mkdirSync(join(folder, 'cache'), { recursive: true });
  writeFileSync(join(folder, 'cache/cat.nnimg'), readFileSync(CAT));
  const raster = decode(new Uint8Array(readFileSync(CAT)));
  const raw = sharp(Buffer.from(raster.data), { raw: { width: raster.width, height: raster.height, channels: 3 } });
  await raw.clone().jpeg({ quality: 50 }).toFile(join(folder, 'cache/cat.jpg'));
  await raw.clone().webp({ quality: 50 }).toFile(join(folder, 'cache/cat.webp'));
  await raw.clone().avif({ quality: 50 }).toFile(join(folder, 'cache/cat.avif'));
  const point = (file: string, bytes: number, psnr: number) => ({ bytes, bitsPerPixel: (bytes * 8) / 280, psnr, ssim: null, scale: 1, quality: null, file });
  const report = {
    title: 'test',
    images: [{ name: 'cat', path: 'cat.png', width: 20, height: 14, channels: 3 }],
    settings: { budgets: [300], codecs: ['nnimg', 'jpeg', 'webp', 'avif'], viewBudget: 300 },
    measurements: [
      { image: 'cat', budget: 300, codec: 'nnimg', status: 'ok', best: point('cache/cat.nnimg', 296, 31.5) },
      { image: 'cat', budget: 300, codec: 'jpeg', status: 'does-not-fit', best: null },
      { image: 'cat', budget: 300, codec: 'webp', status: 'ok', best: point('cache/cat.webp', 280, 30.25) },
      { image: 'cat', budget: 300, codec: 'avif', status: 'ok', best: point('cache/cat.avif', 290, 33) },
    ],
  };
  writeFileSync(join(folder, 'report.json'), JSON.stringify(report));
}

describe.skipIf(skipBrowserTests)('the demo page in Chromium', () => {
  let environment: BrowserEnvironment;
  let report: string;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    report = mkdtempSync(join(tmpdir(), 'nnimg-demo-report-'));
    await writeReport(report);
    environment = await startBrowserEnvironment({ '/': join(root, 'docs/demo'), '/compare': report });
    page = await environment.browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    await page.setViewport({ width: 1280, height: 1000, deviceScaleFactor: 1 });
    await page.goto(`${environment.origin}/`);
  }, 120_000);

  afterAll(async () => {
    await environment?.close();
    if (report) rmSync(report, { recursive: true, force: true });
  });

  const text = (id: string) => page.$eval(`#${id}`, (e) => e.textContent);
  const stats = async () => ({
    file: await text('stat-file'),
    native: await text('stat-native'),
    rendered: await text('stat-rendered'),
    time: await text('stat-time'),
    kernel: await text('stat-kernel'),
  });
  /** Waits for the viewer's sharp frame at a width, in device pixels. */
  const renderedAt = (width: number) =>
    page.waitForFunction(
      (w: number) => {
        const e = document.getElementById('image') as (HTMLElement & { state: string; lastFrame?: { width: number; coarse: boolean } }) | null;
        return e?.state === 'ready' && e.lastFrame?.width === w && !e.lastFrame.coarse && document.getElementById('stat-rendered')?.textContent?.startsWith(`${w} `);
      },
      { timeout: 30_000, polling: 50 },
      width,
    );

  it('shows the sample fitted to the stage, with its decode time', async () => {
    await page.waitForFunction(`document.getElementById('image').state === 'ready' && document.getElementById('stat-native').textContent.includes('×')`, { timeout: 30_000, polling: 50 });
    const stage = await page.$eval('#stage', (e) => ({ width: e.clientWidth, height: e.clientHeight }));
    const frame = await page.$eval('#image', (e) => (e as HTMLElement & { lastFrame: { width: number; height: number } }).lastFrame);
    // Fitted: as large as the stage allows (16 px padding each side), never larger.
    const room = { width: stage.width - 32, height: stage.height - 32 };
    expect(frame.width <= room.width && frame.height <= room.height, JSON.stringify({ frame, room })).toBe(true);
    expect(room.width - frame.width <= 2 || room.height - frame.height <= 2, JSON.stringify({ frame, room })).toBe(true);
    expect(await stats()).toEqual({
      file: 'coffee.nnimg',
      native: '600 × 400',
      rendered: `${frame.width} × ${frame.height}`,
      time: expect.stringMatching(/^\d+(\.\d)? ms$/),
      kernel: 'WASM SIMD, worker',
    });
  });

  it('re-renders at the zoom asked for', async () => {
    await page.click('#actual');
    await renderedAt(600);
    expect(await text('zoom-value')).toBe('100%');
    await page.$eval('#zoom', (e) => {
      const input = e as HTMLInputElement;
      input.value = '1';
      input.dispatchEvent(new Event('input'));
    });
    await renderedAt(1200);
    expect(await text('zoom-value')).toBe('200%');
    expect(await stats()).toMatchObject({ rendered: '1200 × 800' });
  });

  it('shows nnimg beside JPEG, WebP and AVIF from a compare report', async () => {
    await page.waitForFunction(`!document.getElementById('compare').hidden`, { timeout: 10_000 });
    const captions = await page.$$eval('#panels figcaption', (all) => all.map((c) => c.textContent));
    expect(captions).toEqual(['nnimg296 B · 31.50 dB', 'JPEGdoes not fit', 'WebP280 B · 30.25 dB', 'AVIF290 B · 33.00 dB']);
    await page.waitForFunction(
      `[...document.querySelectorAll('#panels img')].every((i) => i.complete && i.naturalWidth === 20) && document.querySelector('#panels nnimg-img').state === 'ready'`,
      { timeout: 20_000, polling: 50 },
    );
  });

  it('opens a picked file, and its screenshot is written', async () => {
    await page.click('#fit');
    const input = await page.$('#file');
    await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(CAT);
    await page.waitForFunction(`document.getElementById('stat-native').textContent === '20 × 14' && document.getElementById('image').state === 'ready'`, { timeout: 30_000, polling: 50 });
    expect(await stats()).toMatchObject({ file: 'chelsea-20x14-rgb.nnimg', kernel: 'WASM SIMD, worker' });
    const folder = process.env.NNIMG_SCREENSHOTS ?? tmpdir();
    mkdirSync(folder, { recursive: true });
    // The sample again, fitted, for the screenshot.
    await page.evaluate(`fetch('coffee.nnimg').then((r) => r.blob()).then((b) => {
      const t = new DataTransfer(); t.items.add(new File([b], 'coffee.nnimg'));
      const input = document.getElementById('file'); input.files = t.files; input.dispatchEvent(new Event('change'));
    })`);
    await page.waitForFunction(`document.getElementById('stat-native').textContent === '600 × 400' && document.getElementById('image').state === 'ready' && document.getElementById('stat-rendered').textContent.startsWith(document.getElementById('image').lastFrame.width + ' ')`, { timeout: 30_000, polling: 50 });
    const path = join(folder, 'nnimg-demo.png');
    await page.screenshot({ path, fullPage: true });
    const { width, height } = await sharp(path).metadata();
    expect(width).toBe(1280);
    expect(height).toBeGreaterThan(900);
    console.log(`demo screenshot: ${path}`);
    expect(pageErrors).toEqual([]);
  });
});
