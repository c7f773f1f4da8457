/**
 * The <nnimg-img> element (dist/web/element.js and its worker) in headless Chromium: it renders
 * at its CSS size times devicePixelRatio (1 and 2) with the decoder's exact pixels, keeps the
 * file's aspect ratio, re-renders when resized, decodes in a Web Worker, shows a coarse frame
 * first, and turns a missing or damaged file into its error state with the alt text.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode } from '../src/index.js';
import { BrowserEnvironment, root, skipBrowserTests, startBrowserEnvironment } from './support/browser.js';

interface Report {
  state: string;
  cssWidth: number;
  cssHeight: number;
  canvasWidth: number;
  canvasHeight: number;
  canvasVisible: boolean;
  errorVisible: boolean;
  errorText: string;
  lastFrame: { width: number; height: number; coarse: boolean; kernel: string; scope: string; milliseconds: number } | null;
  naturalWidth: number;
  naturalHeight: number;
  devicePixelRatio: number;
  sha256: string | null;
  states: string[];
  loads: number;
  errors: number;
}

// 20x14 RGB.
const CAT = 'spec/vectors/chelsea-20x14-rgb.nnimg';
const catBytes = new Uint8Array(readFileSync(join(root, CAT)));
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
/** The hash of the Node decoder's pixels at a size (RGB, as the page hashes the canvas). */
const expectedHash = (width: number, height: number) => sha256(decode(catBytes, { width, height }).data);

describe.skipIf(skipBrowserTests)('<nnimg-img> in Chromium', () => {
  let environment: BrowserEnvironment;
  let fixtures: string;

  beforeAll(async () => {
    fixtures = mkdtempSync(join(tmpdir(), 'nnimg-element-'));
    const damaged = catBytes.slice();
    damaged[damaged.length - 10] ^= 0x20;
    writeFileSync(join(fixtures, 'damaged.nnimg'), damaged);
    writeFileSync(join(fixtures, 'not-nnimg.nnimg'), 'hello');
    environment = await startBrowserEnvironment({ '/fixtures': fixtures });
  }, 120_000);

  afterAll(async () => {
    await environment?.close();
    if (fixtures) rmSync(fixtures, { recursive: true, force: true });
  });

  async function openPage(devicePixelRatio: number): Promise<{ page: Page; errors: string[] }> {
    const page = await environment.browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.setViewport({ width: 800, height: 600, deviceScaleFactor: devicePixelRatio });
    await page.goto(`${environment.origin}/repo/test/browser/element.html`);
    await page.waitForFunction('window.harnessReady === true', { timeout: 30_000 });
    return { page, errors };
  }

  const place = (page: Page, id: string, attributes: Record<string, string>, style = '') =>
    page.evaluate(`window.place(${JSON.stringify(id)}, ${JSON.stringify(attributes)}, ${JSON.stringify(style)})`);
  const report = async (page: Page, id: string) => (await page.evaluate(`window.report(${JSON.stringify(id)})`)) as Report;
  /** Waits until the element shows a sharp frame of the given device-pixel width, or fails. */
  const sharpAt = (page: Page, id: string, width: number) =>
    page.waitForFunction(
      (elementId: string, w: number) => {
        const e = document.getElementById(elementId) as (HTMLElement & { state: string; lastFrame?: { width: number; coarse: boolean } }) | null;
        return e !== null && e.state === 'ready' && e.lastFrame?.width === w && !e.lastFrame.coarse;
      },
      { timeout: 20_000, polling: 50 },
      id,
      width,
    );

  it.each([1, 2])('renders at its CSS size x devicePixelRatio %i, the decoder\'s pixels, in a worker', async (ratio) => {
    const { page, errors } = await openPage(ratio);
    await place(page, 'styled', { src: `/repo/${CAT}`, alt: 'a cat' }, 'width: 200px');
    await place(page, 'natural', { src: `/repo/${CAT}`, alt: 'a cat' });
    await sharpAt(page, 'styled', 200 * ratio);
    await sharpAt(page, 'natural', 20 * ratio);

    const styled = await report(page, 'styled');
    expect(styled).toMatchObject({
      devicePixelRatio: ratio,
      state: 'ready',
      // The height follows the file's aspect ratio, 20:14.
      cssWidth: 200,
      cssHeight: 140,
      canvasWidth: 200 * ratio,
      canvasHeight: 140 * ratio,
      naturalWidth: 20,
      naturalHeight: 14,
      canvasVisible: true,
      errorVisible: false,
      errors: 0,
    });
    expect(styled.lastFrame).toMatchObject({ width: 200 * ratio, height: 140 * ratio, coarse: false, kernel: 'wasm', scope: 'DedicatedWorkerGlobalScope' });
    expect(styled.sha256).toBe(expectedHash(200 * ratio, 140 * ratio));
    // Progressive: a coarse frame (an eighth of the size) showed before the sharp one.
    expect(styled.states[0]).toBe('loading');
    expect(styled.states.indexOf('coarse')).toBeGreaterThan(0);
    expect(styled.states.lastIndexOf('coarse')).toBeLessThan(styled.states.indexOf('ready'));
    expect(styled.states.at(-1)).toBe('ready');

    // Unstyled, like <img>: the file's native size in CSS pixels.
    const natural = await report(page, 'natural');
    expect(natural).toMatchObject({ cssWidth: 20, cssHeight: 14, canvasWidth: 20 * ratio, canvasHeight: 14 * ratio });
    expect(natural.sha256).toBe(expectedHash(20 * ratio, 14 * ratio));

    // The decoding ran in a worker.
    expect(page.workers().map((w) => w.url())).toEqual([`${environment.origin}/web/nnimg-worker.js`]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('re-renders when its size changes, and keeps the aspect ratio in a box of another shape', async () => {
    const { page, errors } = await openPage(1);
    await place(page, 'resized', { src: `/repo/${CAT}`, alt: 'a cat' }, 'width: 100px');
    await sharpAt(page, 'resized', 100);
    expect(await report(page, 'resized')).toMatchObject({ canvasWidth: 100, canvasHeight: 70, loads: 1 });

    await page.evaluate(`document.getElementById('resized').style.width = '300px'`);
    await sharpAt(page, 'resized', 300);
    const resized = await report(page, 'resized');
    expect(resized).toMatchObject({ cssWidth: 300, cssHeight: 210, canvasWidth: 300, canvasHeight: 210, loads: 2 });
    expect(resized.sha256).toBe(expectedHash(300, 210));

    // A square box: the image is drawn contained, 20:14, not stretched.
    await place(page, 'square', { src: `/repo/${CAT}`, alt: 'a cat' }, 'width: 200px; height: 200px');
    await sharpAt(page, 'square', 200);
    expect(await report(page, 'square')).toMatchObject({ cssWidth: 200, cssHeight: 200, canvasWidth: 200, canvasHeight: 140 });
    expect(errors).toEqual([]);
    await page.close();
  });

  it.each([
    ['a missing file', '/fixtures/missing.nnimg', /HTTP 404/],
    ['a damaged file', '/fixtures/damaged.nnimg', /NnimgFormatError: checksum mismatch/],
    ['a file that is not .nnimg', '/fixtures/not-nnimg.nnimg', /NnimgFormatError/],
  ])('shows %s as its error state with the alt text, no uncaught exception', async (_name, src, message) => {
    const { page, errors } = await openPage(1);
    await place(page, 'broken', { src, alt: 'a cat on a sofa' }, 'width: 200px');
    await page.waitForFunction(`document.getElementById('broken').state === 'error'`, { timeout: 20_000, polling: 50 });
    const broken = await report(page, 'broken');
    expect(broken).toMatchObject({ state: 'error', errorVisible: true, canvasVisible: false, errorText: 'a cat on a sofa', errors: 1, loads: 0 });
    expect(broken.cssWidth).toBe(200);
    expect(broken.cssHeight).toBeGreaterThan(0);
    expect(await page.evaluate(`document.getElementById('broken').shadowRoot.querySelector('.error').title`)).toMatch(message);
    expect(errors).toEqual([]);
    await page.close();
  });
});
