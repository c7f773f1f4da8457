/**
 * Browser decode speed (`npm run bench:web -- [file.nnimg] [--widths 768,2048]`): a file decoded
 * in memory at each width by the Node decoder (decode()) and by the browser decoder
 * (dist/web/decoder.js's decode(), RGBA) in headless Chromium, median of 5 each after a warm-up.
 * Default file: docs/demo/coffee.nnimg. Needs Chromium, as the browser tests do.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import { decode } from '../src/index.js';
// @ts-expect-error a JavaScript module without declarations
import { buildWeb } from '../tools/build-web.mjs';
// @ts-expect-error a JavaScript module without declarations
import { serveFolders } from '../tools/static-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const chromiumPath = process.env.NNIMG_CHROMIUM ?? '/usr/bin/chromium';

const args = process.argv.slice(2);
const widthsAt = args.indexOf('--widths');
const widths = widthsAt >= 0 ? args.splice(widthsAt, 2)[1].split(',').map(Number) : [768, 2048];
const file = args[0] ?? join(root, 'docs/demo/coffee.nnimg');
const bytes = new Uint8Array(readFileSync(file));
const RUNS = 5;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// The browser files built into a temporary folder, served at /web/, the file at /bench, headless Chromium.
const webFolder = mkdtempSync(join(tmpdir(), 'nnimg-web-'));
await buildWeb(webFolder);
const { server, origin } = await serveFolders({ '/web': webFolder, '/repo': root, '/bench': file });
const browser = await puppeteer.launch({
  executablePath: chromiumPath,
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions', '--disable-background-networking'],
});
try {
  const page = await browser.newPage();
  await page.goto(`${origin}/repo/docs/demo/demo.css`);
  console.log(`${file} (${bytes.length} bytes), Node ${process.version}, ${await browser.version()}`);
  console.log('width    height   Node ms   browser ms   browser renderer');
  for (const width of widths) {
    decode(bytes, { width });
    const node: number[] = [];
    let height = 0;
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      height = decode(bytes, { width }).height;
      node.push(performance.now() - started);
    }
    const browser = (await page.evaluate(`(async () => {
      const { decode } = await import('/web/decoder.js');
      const bytes = new Uint8Array(await (await fetch('/bench')).arrayBuffer());
      const image = await decode(bytes, { width: ${width} });
      const times = [];
      for (let i = 0; i < ${RUNS}; i++) {
        const started = performance.now();
        await decode(bytes, { width: ${width} });
        times.push(performance.now() - started);
      }
      return { times, kernel: image.kernel };
    })()`)) as { times: number[]; kernel: string };
    console.log(
      `${String(width).padEnd(8)} ${String(height).padEnd(8)} ${median(node).toFixed(0).padStart(7)}   ${median(browser.times).toFixed(0).padStart(10)}   ${browser.kernel}`,
    );
  }
} finally {
  await browser.close();
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  rmSync(webFolder, { recursive: true, force: true });
}
