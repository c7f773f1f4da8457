/**
 * Browser decode speed (`npm run bench:web -- [file.nnimg] [--widths 768,2048]`): a file decoded
 * in memory at each width by the Node decoder (decode()) and by the browser decoder
 * (dist/web/decoder.js's decode(), RGBA) in headless Chromium, median of 5 each after a warm-up.
 * Default file: docs/demo/coffee.nnimg. Needs Chromium, as the browser tests do.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from '../src/index.js';
import { root, startBrowserEnvironment } from '../test/support/browser.js';

const args = process.argv.slice(2);
const widthsAt = args.indexOf('--widths');
const widths = widthsAt >= 0 ? args.splice(widthsAt, 2)[1].split(',').map(Number) : [768, 2048];
const file = args[0] ?? join(root, 'docs/demo/coffee.nnimg');
const bytes = new Uint8Array(readFileSync(file));
const RUNS = 5;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const environment = await startBrowserEnvironment({ '/bench': file });
try {
  const page = await environment.browser.newPage();
  await page.goto(`${environment.origin}/repo/test/browser/vectors.html`);
  await page.waitForFunction('window.harnessReady === true', { timeout: 30_000 });
  console.log(`${file} (${bytes.length} bytes), ${process.versions.node ? `Node ${process.version}` : ''}, ${await environment.browser.version()}`);
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
  await environment.close();
}
