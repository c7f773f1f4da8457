/**
 * A/B comparison of encoder variants over images x budgets x seeds (`npm run ab -- ...`).
 *
 *   npm run ab -- --arm base=. --arm relax=../exp:RELAX=2 --bytes 4000,16000 --seeds 1,2 \
 *     --out ab.jsonl ../shared/corpus/kodak/kodim01.png ...
 *
 * An arm is `name=DIR`, a built nnimg folder (its bin/nnimg.js runs), optionally followed by
 * `:KEY=VALUE` environment settings for the variant. Every encode is `nnimg encode IMAGE --bytes B
 * --seed S --threads 1 --json` in its own process; the arms of one (budget, seed, image) run one
 * after another, first arm alternating, so that a change in the machine's load falls on all arms.
 *
 * Why seeds: at small budgets the seed alone moves a Kodak file by up to 2 dB (docs/decisions.md,
 * "How far one seed is from another"), so a one-seed comparison mostly measures which trainings
 * happen to be trapped. The report gives, per budget, each image's PSNR averaged over the seeds,
 * every arm's difference from the first, the mean and median difference, wins and losses, the
 * spread between seeds, and the time ratio.
 *
 * Results go to --out as JSON lines; a run with the same --out skips what is already there, so a
 * long comparison resumes after an interruption.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { Command } from 'commander';

export interface Arm {
  name: string;
  dir: string;
  env: Record<string, string>;
}

export interface Sample {
  arm: string;
  image: string;
  budget: number;
  seed: number;
  bytes: number;
  psnr: number;
  seconds: number;
}

/** `name=DIR[:KEY=VALUE...]`. */
export function parseArm(spec: string): Arm {
  const match = /^([\w.-]+)=([^:]+)((?::[A-Za-z_]\w*=[^:]*)*)$/.exec(spec);
  if (!match) throw new Error(`an arm is name=DIR[:KEY=VALUE...], not '${spec}'`);
  const env: Record<string, string> = {};
  for (const pair of match[3].split(':').slice(1)) {
    const at = pair.indexOf('=');
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return { name: match[1], dir: resolve(match[2]), env };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** The Markdown report of the samples: one table per budget. */
export function report(samples: readonly Sample[], arms: readonly string[]): string {
  const lines: string[] = [];
  const budgets = [...new Set(samples.map((s) => s.budget))].sort((a, b) => a - b);
  for (const budget of budgets) {
    const here = samples.filter((s) => s.budget === budget);
    const images = [...new Set(here.map((s) => s.image))];
    const seeds = [...new Set(here.map((s) => s.seed))].sort((a, b) => a - b);
    // Only what every arm has for every seed: a partial run compares like with like.
    const complete = images.filter((image) => arms.every((arm) => seeds.every((seed) => here.some((s) => s.arm === arm && s.image === image && s.seed === seed))));
    if (complete.length === 0) continue;
    const of = (arm: string, image: string) => here.filter((s) => s.arm === arm && s.image === image);
    lines.push(`## ${budget} bytes (${complete.length} images, seeds ${seeds.join(', ')})`, '');
    lines.push(`| image | ${arms.map((a, k) => (k === 0 ? `${a}: dB (bytes)` : `${a}: dB (bytes), difference`)).join(' | ')} |`);
    lines.push(`|---|${arms.map(() => '---').join('|')}|`);
    const differences = arms.map(() => [] as number[]);
    for (const image of complete) {
      const base = mean(of(arms[0], image).map((s) => s.psnr));
      const cells = arms.map((arm, k) => {
        const runs = of(arm, image);
        const psnr = mean(runs.map((s) => s.psnr));
        const bytes = Math.round(mean(runs.map((s) => s.bytes)));
        differences[k].push(psnr - base);
        return k === 0 ? `${psnr.toFixed(2)} (${bytes})` : `${psnr.toFixed(2)} (${bytes}), ${(psnr - base >= 0 ? '+' : '') + (psnr - base).toFixed(2)}`;
      });
      lines.push(`| ${image} | ${cells.join(' | ')} |`);
    }
    lines.push('');
    for (let k = 1; k < arms.length; k++) {
      const d = differences[k];
      const wins = d.filter((x) => x > 0.005).length;
      const losses = d.filter((x) => x < -0.005).length;
      const seconds = (arm: string) => here.filter((s) => s.arm === arm && complete.includes(s.image)).reduce((n, s) => n + s.seconds, 0);
      lines.push(
        `- ${arms[k]} against ${arms[0]}: mean ${mean(d) >= 0 ? '+' : ''}${mean(d).toFixed(3)} dB, median ${median(d) >= 0 ? '+' : ''}${median(d).toFixed(3)} dB, ` +
          `${wins} better / ${losses} worse of ${d.length}; time ${(seconds(arms[k]) / seconds(arms[0])).toFixed(2)}x`,
      );
    }
    if (seeds.length > 1) {
      // The noise floor: how far apart the seeds of one arm land on the same image.
      const spread = (arm: string) => mean(complete.map((image) => { const p = of(arm, image).map((s) => s.psnr); return Math.max(...p) - Math.min(...p); }));
      lines.push(`- spread between seeds (mean over images of best - worst): ${arms.map((a) => `${a} ${spread(a).toFixed(2)} dB`).join(', ')}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

function encodeOnce(arm: Arm, image: string, budget: number, seed: number, iterations: string | undefined, folder: string): Promise<Sample> {
  const output = join(folder, `${arm.name}.nnimg`);
  const args = [join(arm.dir, 'bin', 'nnimg.js'), 'encode', image, '-o', output, '--bytes', String(budget), '--seed', String(seed), '--threads', '1', '--json', '--quiet'];
  if (iterations !== undefined) args.push('--iterations', iterations);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...arm.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      if (code !== 0) return fail(new Error(`${arm.name} on ${image} at ${budget} B, seed ${seed}: exit ${code}\n${stderr}`));
      const result = JSON.parse(stdout) as { bytes: number; psnr: number; seconds: number };
      done({ arm: arm.name, image: basename(image), budget, seed, bytes: result.bytes, psnr: result.psnr, seconds: result.seconds });
    });
  });
}

async function main(): Promise<void> {
  const program = new Command('ab')
    .argument('<images...>', 'images to encode')
    .requiredOption('--arm <name=DIR[:KEY=VALUE...]>', 'an encoder variant: a built nnimg folder and its environment (twice or more)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--bytes <list>', 'budgets, comma-separated', '4000,16000')
    .option('--seeds <list>', 'seeds, comma-separated', '1,2')
    .option('--iterations <n>', 'training iterations (default: the encoder default)')
    .option('--out <file.jsonl>', 'results, one JSON line per encode; resumed if it exists', 'ab.jsonl')
    .parse();
  const options = program.opts<{ arm: string[]; bytes: string; seeds: string; iterations?: string; out: string }>();
  const arms = options.arm.map(parseArm);
  if (arms.length < 2 || new Set(arms.map((a) => a.name)).size !== arms.length) throw new Error('give two or more --arm with different names');
  for (const arm of arms) if (!existsSync(join(arm.dir, 'dist', 'cli', 'main.js'))) throw new Error(`${arm.dir} is not built: run npm run build there`);
  const budgets = options.bytes.split(',').map(Number);
  const seeds = options.seeds.split(',').map(Number);
  const images = program.args;
  const samples: Sample[] = existsSync(options.out) ? readFileSync(options.out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Sample) : [];
  const have = (arm: string, image: string, budget: number, seed: number) => samples.some((s) => s.arm === arm && s.image === basename(image) && s.budget === budget && s.seed === seed);
  const folder = mkdtempSync(join(tmpdir(), 'nnimg-ab-'));
  try {
    let turn = 0;
    for (const budget of budgets) {
      for (const seed of seeds) {
        for (const image of images) {
          const order = arms.map((_, k) => arms[(k + turn) % arms.length]);
          turn++;
          for (const arm of order) {
            if (have(arm.name, image, budget, seed)) continue;
            const sample = await encodeOnce(arm, image, budget, seed, options.iterations, folder);
            samples.push(sample);
            appendFileSync(options.out, JSON.stringify(sample) + '\n');
            console.error(`${sample.arm} ${sample.image} ${budget} B seed ${seed}: ${sample.bytes} B, ${sample.psnr.toFixed(2)} dB, ${sample.seconds.toFixed(1)} s`);
          }
        }
      }
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  console.log(report(samples, arms.map((a) => a.name)));
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main().catch((error: Error) => {
    console.error(`ab: ${error.message}`);
    process.exit(1);
  });
}
