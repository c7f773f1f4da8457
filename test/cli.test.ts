/**
 * End-to-end tests of the `nnimg` command: spawns `node bin/nnimg.js` on a small crop of
 * corpus/coffee.png with few training iterations, so the whole file runs in well under a minute.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, parseNnimg } from '../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'nnimg.js');
const ITERATIONS = ['--iterations', '20'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dir: string;

function nnimg(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Usage and runtime errors are one "nnimg: ..." line on stderr, without a stack trace. */
function expectOneLineError(run: Run, code: number, pattern?: RegExp): void {
  expect(run.code, run.stderr).toBe(code);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^nnimg: /);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  if (pattern) expect(lines[0]).toMatch(pattern);
}

function tempFiles(): string[] {
  return readdirSync(dir).filter((name) => name.includes('nnimg-tmp'));
}

async function imageSize(path: string): Promise<{ width?: number; height?: number; format?: string; channels?: number }> {
  const { width, height, format, channels } = await sharp(join(dir, path)).metadata();
  return { width, height, format, channels };
}

beforeAll(async () => {
  // The command runs from dist/: build it from the current sources first.
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
    cwd: root,
    stdio: 'pipe',
  });
  dir = mkdtempSync(join(tmpdir(), 'nnimg-cli-'));
  await sharp(join(root, 'corpus', 'coffee.png')).extract({ left: 300, top: 150, width: 48, height: 32 }).png().toFile(join(dir, 'crop.png'));
  const encoded = await nnimg('encode', 'crop.png', '-o', 'crop.nnimg', '--bytes', '600', ...ITERATIONS, '--quiet');
  expect(encoded.code, encoded.stderr).toBe(0);
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('nnimg encode', () => {
  it('meets a byte budget and prints a summary', async () => {
    const run = await nnimg('encode', 'crop.png', '-o', 'budget.nnimg', '--bytes', '600', ...ITERATIONS);
    expect(run.code, run.stderr).toBe(0);
    const size = statSync(join(dir, 'budget.nnimg')).size;
    expect(size).toBeLessThanOrEqual(600);
    expect(run.stdout).toContain(`${size}`);
    expect(run.stdout).toMatch(/bits\/pixel/);
    expect(run.stdout).toMatch(/PSNR\s+\d+\.\d+ dB/);
    expect(run.stdout).toMatch(/time\s+\d/);
    expect(run.stderr).not.toMatch(/encoding \|/); // no progress bar when stderr is not a terminal
    expect(parseNnimg(readFileSync(join(dir, 'budget.nnimg'))).header).toMatchObject({ width: 48, height: 32, channels: 3 });
  });

  it('--json prints one JSON object', async () => {
    const run = await nnimg('encode', 'crop.png', '-o', 'json.nnimg', '--bytes', '600', '--seed', '7', ...ITERATIONS, '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ output: 'json.nnimg', width: 48, height: 32, channels: 3, budgetBytes: 600, seed: 7, iterations: 20 });
    expect(summary.bytes).toBe(statSync(join(dir, 'json.nnimg')).size);
    expect(summary.bytes).toBeLessThanOrEqual(600);
    expect(summary.bitsPerPixel).toBeCloseTo((summary.bytes * 8) / (48 * 32), 10);
    expect(typeof summary.psnr).toBe('number');
    expect(summary.model.levels).toBeGreaterThan(0);
  });

  it('defaults the output to the input with extension .nnimg, and --quiet prints nothing', async () => {
    copyFileSync(join(dir, 'crop.png'), join(dir, 'default.png'));
    const run = await nnimg('encode', 'default.png', '--quality', '40', ...ITERATIONS, '--quiet');
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(existsSync(join(dir, 'default.nnimg'))).toBe(true);
  });

  it('reports the minimum when the budget is too small', async () => {
    const run = await nnimg('encode', 'crop.png', '-o', 'tiny.nnimg', '--bytes', '5', ...ITERATIONS);
    expectOneLineError(run, 1, /--bytes 5 .*\b\d{2,} bytes/);
    expect(existsSync(join(dir, 'tiny.nnimg'))).toBe(false);
  });

  it('fails with exit 1 on a missing or unreadable input', async () => {
    expectOneLineError(await nnimg('encode', 'missing.png', '-o', 'm.nnimg'), 1, /missing\.png/);
    writeFileSync(join(dir, 'text.png'), 'not an image');
    expectOneLineError(await nnimg('encode', 'text.png', '-o', 't.nnimg'), 1, /text\.png: not a supported image/);
  });

  it('refuses transparent images', async () => {
    await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 0.5 } } })
      .png()
      .toFile(join(dir, 'alpha.png'));
    expectOneLineError(await nnimg('encode', 'alpha.png', '-o', 'alpha.nnimg'), 1, /transparent/);
  });

  it('refuses to write over its input', async () => {
    // A PNG named .nnimg: the default output (same name, extension .nnimg) is the input itself.
    copyFileSync(join(dir, 'crop.png'), join(dir, 'odd.nnimg'));
    const before = readFileSync(join(dir, 'odd.nnimg'));
    expectOneLineError(await nnimg('encode', 'odd.nnimg', ...ITERATIONS), 2, /is the input/);
    expectOneLineError(await nnimg('encode', 'odd.nnimg', '-o', `../${basename(dir)}/odd.nnimg`, ...ITERATIONS), 2, /is the input/);
    expect(readFileSync(join(dir, 'odd.nnimg')).equals(before)).toBe(true);
  });

  it('stops on SIGINT with exit 130 and writes nothing', async () => {
    const frames = join(dir, 'sigint-frames');
    const child = spawn(process.execPath, [bin, 'encode', 'crop.png', '-o', 'stopped.nnimg', '--iterations', '1000000', '--json', '--frames', frames, '--every', '1'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Training has begun (the handler is in place) once the first snapshot is written; a fixed wait
    // was too short on a loaded machine.
    while (!existsSync(join(frames, 'frame-00002.png'))) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGINT');
    // A million iterations would outlast the test's timeout: exit 130 means it stopped between two
    // (how promptly is timed by npm run bench, not asserted here).
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/^nnimg: interrupted/);
    expect(existsSync(join(dir, 'stopped.nnimg'))).toBe(false);
    expect(tempFiles()).toEqual([]);
  });
});

describe('nnimg decode', () => {
  it('--width keeps the aspect ratio, and the PNG matches the library decoder', async () => {
    const run = await nnimg('decode', 'crop.nnimg', '-o', 'w100.png', '--width', '100');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/w100\.png.*100x67/);
    expect(await imageSize('w100.png')).toMatchObject({ width: 100, height: 67, format: 'png' });
    const expected = decode(readFileSync(join(dir, 'crop.nnimg')), { width: 100 });
    const { data, info } = await sharp(join(dir, 'w100.png')).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(expected.channels);
    expect(Buffer.compare(data, Buffer.from(expected.data))).toBe(0);
  });

  it('--width and --height together give the exact size', async () => {
    const run = await nnimg('decode', 'crop.nnimg', '-o', 'exact.png', '--width', '60', '--height', '61');
    expect(run.code, run.stderr).toBe(0);
    expect(await imageSize('exact.png')).toMatchObject({ width: 60, height: 61 });
  });

  it('--height alone keeps the aspect ratio', async () => {
    const run = await nnimg('decode', 'crop.nnimg', '-o', 'h.png', '--height', '64');
    expect(run.code, run.stderr).toBe(0);
    expect(await imageSize('h.png')).toMatchObject({ width: 96, height: 64 });
  });

  it('--scale 1.5', async () => {
    const run = await nnimg('decode', 'crop.nnimg', '-o', 'scaled.png', '--scale', '1.5');
    expect(run.code, run.stderr).toBe(0);
    expect(await imageSize('scaled.png')).toMatchObject({ width: 72, height: 48 });
  });

  it('defaults to the native size and the input name with .png', async () => {
    const run = await nnimg('decode', 'crop.nnimg', '--quiet');
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await imageSize('crop.png')).toMatchObject({ width: 48, height: 32, format: 'png' });
  });

  it('writes JPEG and WebP by extension', async () => {
    expect((await nnimg('decode', 'crop.nnimg', '-o', 'out.jpg', '--width', '96')).code).toBe(0);
    expect(await imageSize('out.jpg')).toMatchObject({ width: 96, height: 64, format: 'jpeg' });
    expect((await nnimg('decode', 'crop.nnimg', '-o', 'out.webp')).code).toBe(0);
    expect(await imageSize('out.webp')).toMatchObject({ width: 48, height: 32, format: 'webp' });
    expect(tempFiles()).toEqual([]);
  });

  it('fails with exit 1 on damaged, foreign or missing files, leaving no output', async () => {
    const bytes = readFileSync(join(dir, 'crop.nnimg'));
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(join(dir, 'damaged.nnimg'), bytes);
    expectOneLineError(await nnimg('decode', 'damaged.nnimg', '-o', 'damaged.png'), 1, /damaged\.nnimg: checksum/);
    expectOneLineError(await nnimg('decode', 'crop.png', '-o', 'foreign.png'), 1, /not an \.nnimg file/);
    expectOneLineError(await nnimg('decode', 'nothing.nnimg', '-o', 'nothing.png'), 1, /nothing\.nnimg/);
    for (const name of ['damaged.png', 'foreign.png', 'nothing.png']) expect(existsSync(join(dir, name))).toBe(false);
    expect(tempFiles()).toEqual([]);
  });

  it('refuses to write over its input', async () => {
    expectOneLineError(await nnimg('decode', 'crop.png', '-o', 'crop.png'), 2, /is the input/);
  });
});

describe('nnimg encode --model mlp', () => {
  it('encodes a coordinate MLP with a timelapse; decode and info read it', async () => {
    const run = await nnimg(
      'encode', 'crop.png', '-o', 'mlp.nnimg', '--model', 'mlp', '--layers', '8,8', '--optimizer', 'adam', '--bytes', '400',
      ...ITERATIONS, '--frames', 'frames', '--every', '5', '--timelapse', 'mlp.webp', '--json',
    );
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.model).toMatchObject({ kind: 'coordinate-mlp', hidden: [8, 8] });
    expect(summary.bytes).toBeLessThanOrEqual(400);
    expect(readdirSync(join(dir, 'frames')).sort()).toEqual(['frame-00001.png', 'frame-00002.png', 'frame-00003.png', 'frame-00004.png']);
    expect(await sharp(join(dir, 'mlp.webp')).metadata()).toMatchObject({ format: 'webp', pages: 4 });
    const decoded = await nnimg('decode', 'mlp.nnimg', '--width', '96', '-o', 'mlp.png');
    expect(decoded.code, decoded.stderr).toBe(0);
    expect(await imageSize('mlp.png')).toMatchObject({ width: 96, height: 64 });
    const info = await nnimg('info', 'mlp.nnimg');
    expect(info.stdout).toMatch(/coordinate-mlp: inputs x, y; sigmoid hidden widths \[8, 8\]/);
    expect(info.stdout).not.toMatch(/latent/);
  });

  it('a budget the layers cannot fit fails with exit 1 and says so', async () => {
    expectOneLineError(
      await nnimg('encode', 'crop.png', '-o', 'big.nnimg', '--model', 'mlp', '--layers', '64,64,64', '--bytes', '200', '--iterations', '3'),
      1,
      /cannot hold a 2-64-64-64-3 MLP/,
    );
  });
});

describe('nnimg info', () => {
  it('describes the file', async () => {
    const run = await nnimg('info', 'crop.nnimg');
    expect(run.code, run.stderr).toBe(0);
    const size = statSync(join(dir, 'crop.nnimg')).size;
    expect(run.stdout).toMatch(/version 2/);
    expect(run.stdout).toMatch(/48x32/);
    expect(run.stdout).toMatch(/multiply-adds per pixel/);
    expect(run.stdout).toContain(`${size} bytes`);
    expect(run.stdout).toMatch(/level 0/);
  });

  it('--json adds up', async () => {
    const run = await nnimg('info', 'crop.nnimg', '--json');
    expect(run.code, run.stderr).toBe(0);
    const info = JSON.parse(run.stdout);
    expect(info).toMatchObject({ formatVersion: 2, width: 48, height: 32, channels: 3 });
    expect(info.bytes.overhead + info.bytes.payload).toBe(info.bytes.file);
    expect(info.bytes.file).toBe(statSync(join(dir, 'crop.nnimg')).size);
    const bits = info.payloadBits;
    expect(bits.latentStep + bits.weights + bits.latents).toBeCloseTo(bits.estimated, 6);
    // The entropy model's estimate is within a few bytes of what the range coder stored.
    expect(Math.abs(bits.estimated - bits.stored)).toBeLessThan(64);
    expect(bits.levels).toHaveLength(info.model.levels);
  });

  it('costs a version 1 file (no prediction coefficients) by its own layout', async () => {
    const v1 = join(root, 'spec', 'vectors', 'v1', 'chelsea-20x14-rgb.nnimg');
    const run = await nnimg('info', v1, '--json');
    expect(run.code, run.stderr).toBe(0);
    const info = JSON.parse(run.stdout);
    expect(info.formatVersion).toBe(1);
    expect(Math.abs(info.payloadBits.estimated - info.payloadBits.stored)).toBeLessThan(64);
  });
});

describe.concurrent('usage errors exit 2 with a one-line message', () => {
  const cases: [string, string[], RegExp][] = [
    ['non-numeric --bytes', ['encode', 'crop.png', '--bytes', 'abc'], /--bytes must be a positive whole number/],
    ['zero --bytes', ['encode', 'crop.png', '--bytes', '0'], /--bytes/],
    ['fractional --bytes', ['encode', 'crop.png', '--bytes', '12.5'], /--bytes/],
    ['--quality above 100', ['encode', 'crop.png', '--quality', '101'], /--quality must be a whole number from 1 to 100/],
    ['--quality 0', ['encode', 'crop.png', '--quality', '0'], /--quality/],
    ['--bytes with --quality', ['encode', 'crop.png', '--bytes', '600', '--quality', '50'], /either --bytes or --quality/],
    ['negative --seed', ['encode', 'crop.png', '--seed', '-1'], /--seed/],
    ['zero --iterations', ['encode', 'crop.png', '--iterations', '0'], /--iterations/],
    ['image extension for the .nnimg output', ['encode', 'crop.png', '-o', 'out.jpg'], /name the output \.nnimg/],
    ['unknown option', ['encode', 'crop.png', '--fast'], /unknown option '--fast'/],
    ['missing input', ['encode'], /missing required argument/],
    ['extra argument', ['decode', 'crop.nnimg', 'more'], /too many arguments/],
    ['unknown command', ['squash', 'crop.png'], /unknown command/],
    ['--width 0', ['decode', 'crop.nnimg', '--width', '0'], /--width must be a whole number from 1 to 65536/],
    ['--width too large', ['decode', 'crop.nnimg', '--width', '65537'], /--width/],
    ['--height not a number', ['decode', 'crop.nnimg', '--height', '1e3x'], /--height/],
    ['negative --scale', ['decode', 'crop.nnimg', '--scale', '-1'], /--scale must be a positive number/],
    ['infinite --scale', ['decode', 'crop.nnimg', '--scale', 'Infinity'], /--scale/],
    ['--scale with --width', ['decode', 'crop.nnimg', '--scale', '2', '--width', '10'], /either --scale or --width/],
    ['--scale too large', ['decode', 'crop.nnimg', '--scale', '5000', '-o', 'huge.png'], /65536/],
    ['unknown output format', ['decode', 'crop.nnimg', '-o', 'out.gif'], /output format/],
    ['WebP too large', ['decode', 'crop.nnimg', '-o', 'big.webp', '--width', '20000'], /WebP/],
    ['--optimizer genetic with the latent-grid model', ['encode', 'crop.png', '--optimizer', 'genetic'], /--optimizer genetic needs --model mlp/],
    ['unknown --optimizer', ['encode', 'crop.png', '--model', 'mlp', '--optimizer', 'sgd'], /--optimizer must be rprop, adam, genetic/],
    ['unknown --model', ['encode', 'crop.png', '--model', 'cnn'], /--model must be latent-grid, mlp, coordinate-mlp, not 'cnn'/],
    ['--layers with a zero width', ['encode', 'crop.png', '--model', 'mlp', '--layers', '15,0,15'], /--layers must be 1 to 4 hidden layer widths/],
    ['--layers too wide', ['encode', 'crop.png', '--model', 'mlp', '--layers', '65'], /--layers/],
    ['--layers too many', ['encode', 'crop.png', '--model', 'mlp', '--layers', '4,4,4,4,4'], /--layers/],
    ['--layers not numbers', ['encode', 'crop.png', '--model', 'mlp', '--layers', 'big'], /--layers/],
    ['--child-steps without genetic', ['encode', 'crop.png', '--model', 'mlp', '--child-steps', '3'], /--child-steps needs --optimizer genetic/],
    ['--every without frames', ['encode', 'crop.png', '--every', '5'], /--every needs --frames or --timelapse/],
    ['--every 0', ['encode', 'crop.png', '--frames', 'f', '--every', '0'], /--every/],
    ['--timelapse of another format', ['encode', 'crop.png', '--timelapse', 'movie.mp4'], /\.webp or \.gif/],
  ];
  it.each(cases)('%s', async (_name, args, pattern) => {
    const run = await nnimg(...args);
    expectOneLineError(run, 2, pattern);
    expect(run.stderr).toMatch(/--help/);
  });

  it('no arguments prints the help on stderr', async () => {
    const run = await nnimg();
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Usage: nnimg/);
  });

  it('--help and --version exit 0', async () => {
    const help = await nnimg('decode', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--width/);
    const version = await nnimg('--version');
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
