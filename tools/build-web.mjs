#!/usr/bin/env node
/**
 * Builds the browser files into dist/web/ with esbuild (npm run build:web, part of npm run build):
 *
 *   decoder.js       the decoder, `import { decode } from 'nnimg/decoder'` (src/web/decoder.ts)
 *
 * ES modules for browsers: no Node module may be reached (esbuild fails on one), and
 * src/wasm/kernels-source.ts (which reads build/kernels.wasm from disk) is replaced by
 * src/web/kernels-source.ts, which embeds it. Prints each file's size, raw and gzipped.
 */
import { build } from 'esbuild';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist/web');
mkdirSync(outdir, { recursive: true });
const entries = { decoder: 'src/web/decoder.ts' };

// tsc compiles src/web/ into dist/web/ too (for the .d.ts files): its .js files, which import
// unbundled modules, and their maps are not the browser files; they go.
for (const name of readdirSync(outdir, { withFileTypes: true }).map((e) => e.name)) {
  if (name.endsWith('.js') || name.endsWith('.js.map')) rmSync(join(outdir, name));
}

/** The browser's kernels-source in place of the Node one. */
const browserKernels = {
  name: 'browser-kernels',
  setup(b) {
    b.onResolve({ filter: /\/kernels-source\.js$/ }, () => ({ path: join(root, 'src/web/kernels-source.ts') }));
  },
};

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

for (const name of Object.keys(entries)) {
  const bytes = readFileSync(join(outdir, `${name}.js`));
  console.log(`dist/web/${name}.js: ${bytes.length} bytes, ${gzipSync(bytes, { level: 9 }).length} gzipped`);
}
