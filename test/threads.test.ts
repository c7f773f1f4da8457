/** Worker threads: the same file and pixels whatever the thread count, and no worker left behind. */
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli as runProgram } from '../src/cli/main.js';
import { decode, parseNnimg } from '../src/decoder/decode.js';
import { decodeInThreads, renderStripsInThreads } from '../src/decoder/decode-threads.js';
import { encode } from '../src/encoder/encode.js';
import { EncodeCancelledError } from '../src/encoder/types.js';
import { RasterImage, readImage } from '../src/image/io.js';
import { runningWorkerCount } from '../src/threads.js';

let coffee: RasterImage; // 64x48 RGB

/** Runs the nnimg program in this process; returns its exit code and what it wrote to stderr. */
async function runCli(args: string[]): Promise<{ code: number; stderr: string }> {
  const stderr = new PassThrough();
  let text = '';
  stderr.on('data', (chunk) => (text += chunk));
  const code = await runProgram(['node', 'nnimg', ...args], { stdout: new PassThrough(), stderr });
  return { code, stderr: text };
}

beforeAll(async () => {
  const png = await sharp(fileURLToPath(new URL('../corpus/coffee.png', import.meta.url))).extract({ left: 260, top: 150, width: 64, height: 48 }).png().toBuffer();
  coffee = await readImage(new Uint8Array(png));
});

describe('encode', () => {
  it('writes the same file with 1, 2 and 3 threads, and leaves no worker running', async () => {
    const files = [];
    for (const threads of [1, 2, 3]) files.push((await encode(coffee, { iterations: 12, bytes: 600, seed: 5, threads })).file);
    expect(files[1]).toEqual(files[0]);
    expect(files[2]).toEqual(files[0]);
    expect(runningWorkerCount()).toBe(0);
  });

  it('ends its workers when cancelled', async () => {
    let checks = 0;
    await expect(encode(coffee, { iterations: 50, threads: 3, shouldStop: () => ++checks > 3 })).rejects.toThrow(EncodeCancelledError);
    expect(runningWorkerCount()).toBe(0);
  });

  it('refuses a thread count outside 1..8', async () => {
    await expect(encode(coffee, { iterations: 1, threads: 0 })).rejects.toThrow(RangeError);
  });
});

describe('decode', () => {
  it('gives the same pixels with 1, 2 and 3 threads, strips in order, and leaves no worker running', async () => {
    const { file } = await encode(coffee, { iterations: 5, bytes: 600, threads: 1 });
    // 2000 wide: several strips, so every worker renders some.
    const reference = decode(file, { width: 2000 });
    for (const threads of [1, 2, 3]) {
      // Buffer.equals: toEqual on millions of elements takes minutes.
      expect(Buffer.from((await decodeInThreads(file, { width: 2000, threads })).data).equals(reference.data)).toBe(true);
    }
    expect(runningWorkerCount()).toBe(0);
  });

  it('ends its workers when the consumer stops early', async () => {
    const { file } = await encode(coffee, { iterations: 5, bytes: 600, threads: 1 });
    const { model } = parseNnimg(file);
    for await (const strip of renderStripsInThreads(model, 2000, 1500, 2)) {
      expect(strip.length).toBeGreaterThan(0);
      break;
    }
    expect(runningWorkerCount()).toBe(0);
  });
});

describe('nnimg --threads', () => {
  it.each(['encode', 'decode'])('%s refuses --threads 0 and abc with one line and exit 2', async (command) => {
    for (const value of ['0', 'abc']) {
      const { code, stderr } = await runCli([command, 'missing-input', '--threads', value]);
      expect(code).toBe(2);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toContain('--threads must be a whole number from 1 to 8');
    }
  });
});
