/**
 * The browser decoder (nnimg/decoder, dist/web/decoder.js) in headless Chromium: every conformance
 * vector decodes to its pixel hash, with the WebAssembly renderer and with the plain-JavaScript
 * fallback. See test/support/browser.ts for the browser and the server; test/browser/vectors.html
 * for the page's half.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserEnvironment, root, skipBrowserTests, startBrowserEnvironment } from './support/browser.js';
import { VectorManifest } from '../spec/vectors.js';

interface BrowserResult {
  width: number;
  height: number;
  channels: number;
  kernel: string;
  isClamped: boolean;
  opaque: boolean;
  grey: boolean;
  sha256: string;
}

describe.skipIf(skipBrowserTests)('the browser decoder in Chromium', () => {
  let environment: BrowserEnvironment;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    environment = await startBrowserEnvironment();
    page = await environment.browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    await page.goto(`${environment.origin}/repo/test/browser/vectors.html`);
    await page.waitForFunction('window.harnessReady === true', { timeout: 30_000 });
  }, 120_000);

  afterAll(async () => {
    await environment?.close();
  });

  describe.each([
    ['spec/vectors', 'wasm'],
    ['spec/vectors', 'reference'],
    ['spec/vectors', 'generated'],
    ['spec/vectors/v1', 'wasm'],
  ])('%s, the %s renderer', (folder, kernel) => {
    it('decodes every vector to its pixel hash', async () => {
      const manifest = JSON.parse(readFileSync(join(root, folder, 'vectors.json'), 'utf8')) as VectorManifest;
      expect(manifest.vectors.length).toBeGreaterThanOrEqual(5);
      // The default renderer (no kernel option) must be WebAssembly in Chromium.
      const option = kernel === 'wasm' ? undefined : kernel;
      const results = (await page.evaluate(
        `window.decodeVectors(${JSON.stringify(`/repo/${folder}`)}, ${JSON.stringify(manifest.vectors)}, ${JSON.stringify(option)})`,
      )) as BrowserResult[];
      expect(results).toHaveLength(manifest.vectors.length);
      results.forEach((result, i) => {
        const vector = manifest.vectors[i];
        const label = `${vector.file} at ${vector.width}x${vector.height}`;
        expect({ label, ...result }).toEqual({
          label,
          width: vector.width,
          height: vector.height,
          channels: vector.channels,
          // Coordinate-MLP files have one renderer, reported as the reference.
          kernel: vector.file.includes('-mlp-') ? 'reference' : kernel,
          isClamped: true,
          opaque: true,
          grey: true,
          sha256: vector.sha256,
        });
      });
    });
  });

  it('is one module of at most 40 KB gzipped, the WebAssembly module included', () => {
    const decoder = environment.built.find((f) => f.file === 'decoder.js');
    expect(decoder?.gzipped).toBeLessThanOrEqual(40 * 1024);
    expect(decoder?.bytes).toBeGreaterThan(9000); // the embedded module alone is 9 KB in base64
  });

  it('reports a damaged file as NnimgFormatError', async () => {
    const bytes = [...readFileSync(join(root, 'spec/vectors/coffee-16x12-rgb.nnimg'))];
    bytes[20] ^= 0x40;
    expect(await page.evaluate(`window.decodeError(${JSON.stringify(bytes)})`)).toBe('NnimgFormatError checksum');
    expect(await page.evaluate(`window.decodeError([1, 2, 3])`)).toMatch(/^NnimgFormatError /);
  });

  it('raised no uncaught error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
