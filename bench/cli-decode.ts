/**
 * The whole `nnimg decode` command timed against sharp doing the same job on a JPEG (issue 14):
 * each a fresh process (start-up, module loading, file read, render or resize, PNG write), run in
 * alternation (A, B, A, B, ...) so that a busy machine slows both alike; the medians and their
 * ratio are reported, and each side's peak memory where /usr/bin/time exists.
 *
 *   npm run bench -- IMAGE [--nnimg FILE]   (part of bench/speed.ts)
 *   tsx bench/cli-decode.ts IMAGE FILE.nnimg [--width 4096] [--runs 5] [--bin other/bin/nnimg.js]
 *
 * Runs bin/nnimg.js, that is dist/: build first (`npm run build`; bench/speed.ts does).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TIME = '/usr/bin/time';

export interface CommandTiming {
  name: string;
  /** Wall seconds of each run, in order. */
  seconds: number[];
  median: number;
  /** Peak resident memory of the last run in kB (from /usr/bin/time), when measured. */
  peakKb?: number;
  outputBytes: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Runs `argv` once; its wall time, and its peak memory when /usr/bin/time is there. */
function runOnce(argv: string[]): { seconds: number; peakKb?: number } {
  const timed = existsSync(TIME);
  const command = timed ? [TIME, '-f', '%M', ...argv] : argv;
  const started = performance.now();
  const run = spawnSync(command[0], command.slice(1), { encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`${argv.join(' ')} failed (${run.status}): ${run.stderr}`);
  const peak = timed ? Number(run.stderr.trim().split('\n').pop()) : NaN;
  return { seconds, peakKb: Number.isFinite(peak) ? peak : undefined };
}

/**
 * Times commands in alternation, `runs` rounds after one warm-up round (disk cache, JIT'd
 * nothing: each run is a new process). Each command writes the file named last in its argv.
 */
export function timeInAlternation(commands: { name: string; argv: string[]; output: string }[], runs = 5): CommandTiming[] {
  const results = commands.map((c) => ({ name: c.name, seconds: [] as number[], peakKb: undefined as number | undefined }));
  for (let round = -1; round < runs; round++) {
    commands.forEach((command, i) => {
      rmSync(command.output, { force: true });
      const { seconds, peakKb } = runOnce(command.argv);
      if (round >= 0) {
        results[i].seconds.push(seconds);
        results[i].peakKb = peakKb;
      }
    });
  }
  return results.map((r, i) => ({ ...r, median: median(r.seconds), outputBytes: statSync(commands[i].output).size }));
}

/**
 * `nnimg decode FILE --width W` against the sharp script on a JPEG (quality 75) of IMAGE at the
 * same width: both write a PNG. Prints the figures and returns the ratio nnimg / sharp.
 */
export async function compareDecodeCommand(image: string, file: string, width = 4096, runs = 5, bin = join(root, 'bin', 'nnimg.js')): Promise<number> {
  const folder = mkdtempSync(join(tmpdir(), 'nnimg-cli-bench-'));
  try {
    const jpeg = join(folder, 'source.jpg');
    await sharp(image).jpeg({ quality: 75 }).toFile(jpeg);
    const ours = join(folder, 'nnimg.png');
    const theirs = join(folder, 'sharp.png');
    const [nnimg, reference] = timeInAlternation(
      [
        { name: 'nnimg', argv: [process.execPath, bin, 'decode', file, '-o', ours, '--width', String(width), '--quiet'], output: ours },
        { name: 'sharp', argv: [process.execPath, join(root, 'bench', 'support', 'sharp-decode.mjs'), jpeg, theirs, String(width)], output: theirs },
      ],
      runs,
    );
    const { height } = await sharp(ours).metadata();
    const memory = (t: CommandTiming) => (t.peakKb === undefined ? '' : `, peak ${(t.peakKb / 1024).toFixed(0)} MB`);
    const line = (t: CommandTiming, what: string) =>
      `  ${what}: median ${t.median.toFixed(2)} s of ${t.seconds.map((s) => s.toFixed(2)).join(', ')}${memory(t)}, PNG ${(t.outputBytes / 1e6).toFixed(2)} MB`;
    console.log(`whole command, PNG at ${width}x${height}, ${runs} runs each in alternation (fresh process each):`);
    console.log(line(nnimg, `nnimg decode ${file} --width ${width}`));
    console.log(line(reference, `sharp: JPEG q75 decode + Lanczos 3 resize + PNG (bench/support/sharp-decode.mjs)`));
    const ratio = nnimg.median / reference.median;
    console.log(`  ratio nnimg / sharp: ${ratio.toFixed(2)}`);
    return ratio;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Builds dist/ and build/kernels.wasm from the current sources, as bin/nnimg.js runs them. */
export function buildCommandLine(): void {
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number) => {
    const at = args.indexOf(name);
    return at >= 0 ? Number(args.splice(at, 2)[1]) : fallback;
  };
  const binAt = args.indexOf('--bin');
  const bin = binAt >= 0 ? args.splice(binAt, 2)[1] : undefined;
  const width = option('--width', 4096);
  const runs = option('--runs', 5);
  const [image, file] = args;
  if (!image || !file) throw new Error('usage: tsx bench/cli-decode.ts IMAGE FILE.nnimg [--width W] [--runs N]');
  await compareDecodeCommand(image, file, width, runs, bin);
}
