/**
 * Headless Chromium for the browser tests: Debian's `chromium` (/usr/bin/chromium, or the binary
 * NNIMG_CHROMIUM names) driven by puppeteer-core, which never downloads a browser; and a static
 * file server on 127.0.0.1 (an ephemeral port) serving the browser files, built fresh by
 * tools/build-web.mjs into a temporary folder, and the repository's files.
 *
 * Without Chromium the tests fail, saying how to install it; NNIMG_SKIP_BROWSER_TESTS=1 skips them
 * instead (never the default: CI installs Chromium, see .ci/run).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { Browser } from 'puppeteer-core';
// @ts-expect-error: a plain JavaScript build script, without types
import { buildWeb } from '../../tools/build-web.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const skipBrowserTests = process.env.NNIMG_SKIP_BROWSER_TESTS === '1';
export const chromiumPath = process.env.NNIMG_CHROMIUM ?? '/usr/bin/chromium';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.svg': 'image/svg+xml',
};

/** Serves each URL prefix from a folder, on 127.0.0.1 only; resolves to the server and its origin. */
export async function serveFolders(mounts: Record<string, string>): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    const prefix = Object.keys(mounts)
      .sort((a, b) => b.length - a.length)
      .find((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`));
    let file = prefix === undefined ? undefined : normalize(join(mounts[prefix], path.slice(prefix.length)));
    if (file !== undefined && !(file + sep).startsWith(normalize(mounts[prefix!]) + sep) && file !== normalize(mounts[prefix!])) file = undefined;
    if (file !== undefined && existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (file === undefined || !existsSync(file)) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    response.end(readFileSync(file));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export interface BrowserEnvironment {
  browser: Browser;
  origin: string;
  /** The folder the browser files were built into, served at /web/. */
  webFolder: string;
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
  await buildWeb(webFolder);
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
    async close() {
      await browser.close();
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      rmSync(webFolder, { recursive: true, force: true });
    },
  };
}
