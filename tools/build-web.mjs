#!/usr/bin/env node
/**
 * Builds the browser files with esbuild (npm run build:web, part of npm run build), into
 * dist/web/ or the folder given as the argument:
 *
 *   decoder.js       the decoder, `import { decode } from 'nnimg/decoder'` (src/web/decoder.ts)
 *   element.js       the <nnimg-img> element, `import 'nnimg/element'` (src/web/element.ts)
 *   nnimg-worker.js  its decoding worker (src/web/worker.ts), loaded from next to element.js
 *
 * ES modules for browsers: no Node module may be reached (esbuild fails on one), and
 * src/kernels/kernels-source.ts (which reads build/kernels.wasm from disk) is replaced by
 * src/web/kernels-source.ts, which embeds it. Prints each file's size, raw and gzipped.
 */
import { build } from 'esbuild';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entries = { decoder: 'src/web/decoder.ts', element: 'src/web/element.ts', 'nnimg-worker': 'src/web/worker.ts' };

/** The browser's kernels-source in place of the Node one. */
const browserKernels = {
  name: 'browser-kernels',
  setup(b) {
    b.onResolve({ filter: /\/kernels-source\.js$/ }, () => ({ path: join(root, 'src/web/kernels-source.ts') }));
  },
};

/** Builds every browser file into outdir; resolves to [{file, bytes, gzipped}]. */
export async function buildWeb(outdir = join(root, 'dist/web')) {
  mkdirSync(outdir, { recursive: true });
  await build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(Object.entries(entries).map(([name, file]) => [name, join(root, file)])),
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    legalComments: 'none',
    loader: { '.wasm': 'binary' },
    plugins: [browserKernels],
    logLevel: 'warning',
  });
  return Object.keys(entries).map((name) => {
    const bytes = readFileSync(join(outdir, `${name}.js`));
    return { file: `${name}.js`, bytes: bytes.length, gzipped: gzipSync(bytes, { level: 9 }).length };
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdir = resolve(process.argv[2] ?? join(root, 'dist/web'));
  for (const { file, bytes, gzipped } of await buildWeb(outdir)) {
    console.log(`${join(outdir, file)}: ${bytes} bytes, ${gzipped} gzipped`);
  }
}
