/**
 * Camera-sized photos (issue 15): nnimg at bits-per-pixel budgets against JPEG, WebP and AVIF
 * (best of full size and downscales, `nnimg compare`), with the encode's time and peak memory per
 * thread count and a native-size decode's, each measured by `/usr/bin/time -v` around the
 * command line a user runs. Writes the page docs/results/large.md.
 *
 *   npm run bench:large -- [folder] [--bpp 0.1,0.25,0.5] [--threads 1,2] [--codecs jpeg,webp,avif]
 *                          [--cache report/large-cache] [--publish docs/results/large.md]
 *
 * Resumable: every finished measurement is cached (the nnimg ones under the encoder's code digest,
 * the baselines by `nnimg compare`'s own cache), so running the same command again continues.
 * Run it on an idle machine: the times are wall-clock.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import sharp from 'sharp';
import { ResultCache, codeDigest, digest } from '../src/report/cache.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'nnimg.js');

const program = new Command()
  .argument('[folder]', 'photos', '../shared/corpus/large')
  .option('--bpp <list>', 'budgets in bits per pixel', '0.1,0.25,0.5')
  .option('--threads <list>', 'encode thread counts', '1,2')
  .option('--codecs <list>', 'baselines', 'jpeg,webp,avif')
  .option('--cache <dir>', 'cache of finished measurements', 'report/large-cache')
  .option('--publish <file>', 'the page to write', 'docs/results/large.md')
  .parse();
const folder = program.args[0] ?? '../shared/corpus/large';
const options = program.opts<{ bpp: string; threads: string; codecs: string; cache: string; publish: string }>();
const bpps = options.bpp.split(',').map(Number);
const threadCounts = options.threads.split(',').map(Number);
const codecs = options.codecs.split(',').filter(Boolean);
const cacheDir = resolve(options.cache);
const cache = new ResultCache(join(cacheDir, 'nnimg'));

interface Timed {
  seconds: number;
  userSeconds: number;
  peakMegabytes: number;
}

/** Runs a command under /usr/bin/time -v; its stdout, and the wall time, CPU time and peak RSS. */
function timed(args: string[]): { stdout: string; time: Timed } {
  const run = spawnSync('/usr/bin/time', ['-v', process.execPath, cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`nnimg ${args.join(' ')} failed (${run.status}): ${run.stderr.slice(-2000)}`);
  const field = (name: string) => {
    const match = new RegExp(`${name}: (.+)`).exec(run.stderr);
    if (!match) throw new Error(`no "${name}" in the output of /usr/bin/time`);
    return match[1].trim();
  };
  const wall = field('Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)').split(':').map(Number);
  const seconds = wall.reduce((total, part) => total * 60 + part, 0);
  return {
    stdout: run.stdout,
    time: {
      seconds,
      userSeconds: Number(field('User time \\(seconds\\)')) + Number(field('System time \\(seconds\\)')),
      peakMegabytes: Number(field('Maximum resident set size \\(kbytes\\)')) / 1024,
    },
  };
}

function clock(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(2)} s`;
  return `${Math.floor(seconds / 60)}:${Math.round(seconds % 60).toString().padStart(2, '0')}`;
}

interface EncodeRecord {
  bytes: number;
  psnr: number;
  iterations: number;
  time: Timed;
  /** The file, in the cache folder. */
  file: string;
}

// What the command line runs: the built encoder (npm run bench:large builds it first).
const encoderCode = await codeDigest(join(root, 'dist'), ['report', 'cli', 'web'], [join(root, 'build', 'kernels.wasm')]);
const work = join(tmpdir(), `nnimg-large-${process.pid}`);
mkdirSync(work, { recursive: true });

const photos = readdirSync(folder)
  .filter((f) => /\.(jpe?g|png|webp|tiff?)$/i.test(f))
  .sort();
interface PhotoResult {
  name: string;
  width: number;
  height: number;
  budgets: { bpp: number; bytes: number; nnimg: Map<number, EncodeRecord>; baselines: Map<string, { psnr: number; bytes: number; scale: number } | null> }[];
  decode?: { bpp: number; time: Timed };
}
const results: PhotoResult[] = [];

for (const file of photos) {
  const path = join(folder, file);
  // The size after the EXIF orientation is applied, as the encoder reads the pixels.
  const { width, height } = (await sharp(path).metadata()).autoOrient;
  const name = basename(file).replace(/\.[^.]+$/, '');
  const photoKey = digest(readFileSync(path).toString('base64'));
  const budgets = bpps.map((bpp) => ({ bpp, bytes: Math.round((bpp * width * height) / 8) }));
  const result: PhotoResult = { name, width, height, budgets: budgets.map((b) => ({ ...b, nnimg: new Map(), baselines: new Map() })) };
  results.push(result);

  // Baselines: nnimg compare's best of scales, from its cache when already measured.
  if (codecs.length) {
    const out = join(cacheDir, 'compare', name);
    const run = spawnSync(process.execPath, [cli, 'compare', path, '--bytes', budgets.map((b) => b.bytes).join(','), '--codecs', codecs.join(','), '--cache', join(cacheDir, 'compare-cache'), '-o', out, '--quiet'], { stdio: 'inherit' });
    if (run.status !== 0) throw new Error(`nnimg compare failed on ${file}`);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { measurements: { budget: number; codec: string; best: { psnr: number; bytes: number; scale: number } | null }[] };
    for (const m of report.measurements) {
      const entry = result.budgets.find((b) => b.bytes === m.budget);
      entry?.baselines.set(m.codec, m.best && { psnr: m.best.psnr, bytes: m.best.bytes, scale: m.best.scale });
    }
  }

  for (const entry of result.budgets) {
    for (const threads of threadCounts) {
      const key = cache.key({ photo: photoKey, bytes: entry.bytes, threads, code: encoderCode });
      let record = await cache.get<EncodeRecord>(key);
      if (!record) {
        const output = join(work, `${name}-${entry.bytes}.nnimg`);
        console.error(`${name} ${entry.bpp} bpp (${entry.bytes} B), ${threads} thread(s)...`);
        const { stdout, time } = timed(['encode', path, '--bytes', String(entry.bytes), '--threads', String(threads), '--json', '-o', output]);
        const json = JSON.parse(stdout) as { bytes: number; psnr: number; iterations: number };
        const measured = { bytes: json.bytes, psnr: json.psnr, iterations: json.iterations, time };
        record = await cache.put(key, { 'file.nnimg': readFileSync(output) }, (names) => ({ ...measured, file: names['file.nnimg'] }));
        rmSync(output);
      }
      entry.nnimg.set(threads, record);
    }
  }

  // A native-size decode of the middle budget's file (any thread count's: the files are the same).
  const middle = result.budgets[Math.floor(result.budgets.length / 2)];
  const stored = middle.nnimg.get(threadCounts[0]);
  if (stored) {
    const png = join(work, `${name}.png`);
    const { time } = timed(['decode', cache.filePath(stored.file), '-o', png]);
    rmSync(png);
    result.decode = { bpp: middle.bpp, time };
  }
}
rmSync(work, { recursive: true, force: true });

const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
const dirty = spawnSync('git', ['status', '--porcelain', 'src', 'assembly'], { cwd: root, encoding: 'utf8' }).stdout.trim() !== '';
const command = `npm run bench:large -- ${folder} --bpp ${options.bpp} --threads ${options.threads} --codecs ${options.codecs || "''"}${options.cache === 'report/large-cache' ? '' : ` --cache ${options.cache}`} --publish ${options.publish}`;
const db = (v: number | undefined) => (v === undefined ? '-' : `${v.toFixed(2)} dB`);
const scaleName = (s: number) => (s === 1 ? '1/1' : `1/${s}`);
const lines: string[] = [
  '# nnimg on camera-sized photos (issue 15)',
  '',
  `Made at commit ${commit}${dirty ? ' (with uncommitted changes to the encoder)' : ''} on ${new Date().toISOString().slice(0, 10)} by \`${command}\`,`,
  `on ${photos.length} photo${photos.length === 1 ? '' : 's'} of \`${folder}\` (see its SOURCE.md for licenses). Budget = bits per pixel x pixels / 8.`,
  'Quality: PSNR over RGB against the decoded input. JPEG, WebP, AVIF: the best of full size and',
  'downscales by 2, 4, 8 then Lanczos up, as `nnimg compare` measures them. Times and peak memory:',
  '`/usr/bin/time -v` around `nnimg encode --threads N` and `nnimg decode -o out.png` (native size).',
  '',
  '## Quality',
  '',
  `| photo | bpp | budget (B) | nnimg bytes | nnimg PSNR | ${codecs.map((c) => `${c.toUpperCase()} best (scale)`).join(' | ')} | nnimg - ${codecs[0]?.toUpperCase() ?? ''} |`,
  `| --- | --- | --- | --- | --- | ${codecs.map(() => '---').join(' | ')} | --- |`,
];
for (const photo of results) {
  for (const b of photo.budgets) {
    const n = b.nnimg.get(threadCounts[0]);
    const cells = codecs.map((c) => {
      const m = b.baselines.get(c);
      return m ? `${db(m.psnr)} (${scaleName(m.scale)})` : 'does not fit';
    });
    const first = codecs.length ? b.baselines.get(codecs[0]) : undefined;
    const margin = n && first ? `${n.psnr - first.psnr >= 0 ? '+' : ''}${(n.psnr - first.psnr).toFixed(2)} dB` : '-';
    lines.push(`| ${photo.name} (${photo.width}x${photo.height}, ${((photo.width * photo.height) / 1e6).toFixed(1)} MP) | ${b.bpp} | ${b.bytes} | ${n?.bytes ?? '-'} | ${db(n?.psnr)} | ${cells.join(' | ')} | ${margin} |`);
  }
}
lines.push('', '## Encode time and memory', '', '| photo | bpp | threads | wall | CPU (user + sys) | peak RSS | iterations |', '| --- | --- | --- | --- | --- | --- | --- |');
for (const photo of results) {
  for (const b of photo.budgets) {
    for (const [threads, n] of b.nnimg) {
      lines.push(`| ${photo.name} | ${b.bpp} | ${threads} | ${clock(n.time.seconds)} | ${n.time.userSeconds.toFixed(0)} s | ${n.time.peakMegabytes.toFixed(0)} MB | ${n.iterations} |`);
    }
  }
}
lines.push('', '## Decode at native size', '', '| photo | file (bpp) | wall | peak RSS |', '| --- | --- | --- | --- |');
for (const photo of results) {
  if (photo.decode) lines.push(`| ${photo.name} (${photo.width}x${photo.height}) | ${photo.decode.bpp} | ${clock(photo.decode.time.seconds)} | ${photo.decode.time.peakMegabytes.toFixed(0)} MB |`);
}
mkdirSync(dirname(resolve(options.publish)), { recursive: true });
writeFileSync(options.publish, `${lines.join('\n')}\n`);
console.error(`wrote ${options.publish}`);
