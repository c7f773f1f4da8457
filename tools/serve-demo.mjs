#!/usr/bin/env node
/**
 * npm run demo -- [--port N] [report-folder]: builds the browser files and serves the demo page
 * (docs/demo/) on http://127.0.0.1:N/ (default 8080), the browser files at /web/, and, when given,
 * a `nnimg compare` report folder at /compare/ for the side-by-side view. Ctrl-C stops it.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWeb } from './build-web.mjs';
import { serveFolders } from './static-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let port = 8080;
let report;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--port') port = Number(args[++i]);
  else report = resolve(args[i]);
}
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad --port ${port}`);
if (report && !existsSync(join(report, 'report.json'))) {
  console.error(`${report} has no report.json: give a folder written by nnimg compare`);
  process.exit(2);
}

const web = join(root, 'dist/web');
await buildWeb(web);
const mounts = { '/': join(root, 'docs/demo'), '/web': web, ...(report ? { '/compare': report } : {}) };
const { origin } = await serveFolders(mounts, port);
console.log(`nnimg demo: ${origin}/${report ? `  (comparison: ${report})` : ''}`);
