/**
 * Headless Chromium for the browser tests: Debian's `chromium` (/usr/bin/chromium, or the binary
 * NNIMG_CHROMIUM names) driven by puppeteer-core, which never downloads a browser; and a static
 * file server on 127.0.0.1 (an ephemeral port) serving the browser files, built fresh by
 * tools/build-web.mjs into a temporary folder, and the repository's files.
 *
 * Without Chromium the tests fail, saying how to install it; NNIMG_SKIP_BROWSER_TESTS=1 skips them
 * instead (never the default: CI installs Chromium, see .ci/run).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { Browser } from 'puppeteer-core';
// @ts-expect-error: a plain JavaScript build script, without types
import { buildWeb } from '../../tools/build-web.mjs';
// @ts-expect-error: plain JavaScript, without types
import { serveFolders as serve } from '../../tools/static-server.mjs';

/** Serves each URL prefix from a folder, on 127.0.0.1 only (tools/static-server.mjs). */
const serveFolders = serve as (mounts: Record<string, string>) => Promise<{ server: Server; origin: string }>;

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const skipBrowserTests = process.env.NNIMG_SKIP_BROWSER_TESTS === '1';
export const chromiumPath = process.env.NNIMG_CHROMIUM ?? '/usr/bin/chromium';

export interface BrowserEnvironment {
  browser: Browser;
  origin: string;
  /** The folder the browser files were built into, served at /web/, and their sizes. */
  webFolder: string;
  built: { file: string; bytes: number; gzipped: number }[];
  close(): Promise<void>;
}

export function missingChromiumMessage(): string {
  return (
    `the browser tests need Chromium, and ${chromiumPath} does not exist. Install it (Debian/Ubuntu: ` +
    `sudo apt-get install -y chromium), or point NNIMG_CHROMIUM at a Chromium binary; ` +
    `NNIMG_SKIP_BROWSER_TESTS=1 skips these tests instead`
  );
}

/**
 * Builds the browser files, serves them at /web/ (and the repository at /repo/, extra mounts as
 * given), and starts headless Chromium.
 */
export async function startBrowserEnvironment(mounts: Record<string, string> = {}): Promise<BrowserEnvironment> {
  if (!existsSync(chromiumPath)) throw new Error(missingChromiumMessage());
  const webFolder = mkdtempSync(join(tmpdir(), 'nnimg-web-'));
  const built = (await buildWeb(webFolder)) as BrowserEnvironment['built'];
  const { server, origin } = await serveFolders({ '/web': webFolder, '/repo': root, ...mounts });
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath: chromiumPath,
      headless: true,
      // CI runs as root, where Chromium's sandbox cannot start.
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions', '--disable-background-networking'],
    });
  } catch (error) {
    server.close();
    throw error;
  }
  return {
    browser,
    origin,
    webFolder,
    built,
    async close() {
      await browser.close();
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      rmSync(webFolder, { recursive: true, force: true });
    },
  };
}
