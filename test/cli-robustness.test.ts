/**
 * The command line on bad input, tried as a new user would: every mistake ends in one
 * "nnimg: ..." line, a usage hint for usage errors, and a non-zero exit code; failed or interrupted
 * runs leave existing files as they were and no temporary files behind. Runs the program in
 * process (runCli with captured streams), so it needs no build; test/cli.test.ts covers the real
 * process.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.js';
import { Streams } from '../src/cli/output.js';
import { MAX_PIXELS, writeContainer } from '../src/format/container.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let dir: string;
const at = (name: string) => join(dir, name);

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `nnimg ...args` in this process; names are taken relative to the test folder. */
async function nnimg(...args: string[]): Promise<Run> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli(['node', 'nnimg', ...args], { stdout, stderr } as unknown as Streams);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

function expectError(run: Run, code: number, pattern: RegExp): void {
  expect(run.code, run.stderr).toBe(code);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^nnimg: /);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/\n\s+at |internal error/);
  if (code === 2) expect(lines[0]).toMatch(/\(see 'nnimg \w+ --help'\)$/);
}

const tempFiles = () => readdirSync(dir).filter((name) => name.includes('nnimg-tmp'));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nnimg-robust-'));
  await sharp(join(root, 'corpus', 'coffee.png')).extract({ left: 300, top: 150, width: 24, height: 16 }).png().toFile(at('crop.png'));
  const encoded = await nnimg('encode', at('crop.png'), '-o', at('crop.nnimg'), '--bytes', '200', '--iterations', '10', '--quiet');
  expect(encoded.code, encoded.stderr).toBe(0);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('usage errors: exit 2, one line, a hint', () => {
  const cases: [string, () => string[], RegExp][] = [
    ['--bytes 0', () => ['encode', at('crop.png'), '--bytes', '0'], /--bytes must be a positive whole number, not '0'/],
    ['--bytes -5', () => ['encode', at('crop.png'), '--bytes', '-5'], /--bytes must be a positive whole number, not '-5'/],
    ['--bytes abc', () => ['encode', at('crop.png'), '--bytes', 'abc'], /--bytes must be a positive whole number, not 'abc'/],
    ['--bytes empty', () => ['encode', at('crop.png'), '--bytes', ''], /--bytes must be a positive whole number, not an empty value/],
    ['--bytes 1e3', () => ['encode', at('crop.png'), '--bytes', '1e3'], /--bytes/],
    ['--bytes without a value', () => ['encode', at('crop.png'), '--bytes'], /option '--bytes <n>' argument missing/],
    ['--quality 50.5', () => ['encode', at('crop.png'), '--quality', '50.5'], /--quality must be a whole number from 1 to 100/],
    ['encode --max-pixels 0', () => ['encode', at('crop.png'), '--max-pixels', '0'], /--max-pixels must be a whole number from 1 to 134217728/],
    ['encode --max-pixels over the most nnimg encodes', () => ['encode', at('crop.png'), '--max-pixels', String(2 ** 27 + 1)], /--max-pixels must be a whole number from 1 to 134217728/],
    ['decode --max-pixels over the format limit', () => ['decode', at('crop.nnimg'), '--max-pixels', String(MAX_PIXELS + 1)], /--max-pixels must be a whole number from 1 to 134217728/],
    ['unknown flag', () => ['encode', at('crop.png'), '--turbo'], /unknown option '--turbo'/],
    ['a decode flag given to encode', () => ['encode', at('crop.png'), '--width', '10'], /unknown option '--width'/],
    ['encode without input', () => ['encode'], /missing required argument 'input'/],
    ['decode without input', () => ['decode'], /missing required argument 'input'/],
    ['info without input', () => ['info'], /missing required argument 'input'/],
    ['--width 0', () => ['decode', at('crop.nnimg'), '--width', '0'], /--width must be a whole number from 1 to 65536, not '0'/],
    ['--width -3', () => ['decode', at('crop.nnimg'), '--width', '-3'], /--width must be a whole number from 1 to 65536/],
    ['absurd --width', () => ['decode', at('crop.nnimg'), '--width', '99999999999999999999'], /--width must be a whole number from 1 to 65536/],
    ['--width 1e5', () => ['decode', at('crop.nnimg'), '--width', '1e5'], /--width/],
    ['--height abc', () => ['decode', at('crop.nnimg'), '--height', 'abc'], /--height must be a whole number/],
    ['--scale 0', () => ['decode', at('crop.nnimg'), '--scale', '0'], /--scale must be a positive number/],
    ['--scale NaN', () => ['decode', at('crop.nnimg'), '--scale', 'NaN'], /--scale must be a positive number/],
    ['absurd --scale', () => ['decode', at('crop.nnimg'), '--scale', '1e300'], /--scale .* each side must be from 1 to 65536/],
    ['decode --max-pixels abc', () => ['decode', at('crop.nnimg'), '--max-pixels', 'abc'], /--max-pixels must be a whole number/],
    ['info --max-pixels -1', () => ['info', at('crop.nnimg'), '--max-pixels', '-1'], /--max-pixels must be a whole number/],
    ['encode into a folder that does not exist', () => ['encode', at('crop.png'), '-o', at('no/such/folder/out.nnimg')], /the folder .*no\/such\/folder does not exist/],
    ['decode into a folder that does not exist', () => ['decode', at('crop.nnimg'), '-o', at('missing/out.png')], /the folder .*missing does not exist/],
    ['output under a file', () => ['decode', at('crop.nnimg'), '-o', at('crop.png/out.png')], /crop\.png is not a folder/],
    ['output is a folder', () => ['encode', at('crop.png'), '-o', dir], /it is a folder/],
    ['output equal to the input (decode)', () => ['decode', at('crop.png'), '-o', at('crop.png')], /is the input file/],
    ['output equal to the input (encode)', () => ['encode', at('crop.nnimg'), '-o', at('crop.nnimg')], /is the input file/],
    ['output equal to the input by another path', () => ['decode', at('crop.png'), '-o', `${dir}/./sub/../crop.png`], /is the input file/],
  ];
  it.each(cases)('%s', async (_name, args, pattern) => {
    expectError(await nnimg(...args()), 2, pattern);
  });

  it('none of them wrote anything', () => {
    expect(existsSync(at('no'))).toBe(false);
    expect(existsSync(at('missing'))).toBe(false);
    expect(tempFiles()).toEqual([]);
  });
});

describe('encoder input: exit 1 with the reason', () => {
  it('an empty file', async () => {
    writeFileSync(at('empty.png'), new Uint8Array(0));
    expectError(await nnimg('encode', at('empty.png'), '-o', at('empty.nnimg')), 1, /empty\.png: the file is empty$/);
  });

  it('not an image', async () => {
    writeFileSync(at('notes.jpg'), 'shopping list: eggs, milk');
    expectError(await nnimg('encode', at('notes.jpg'), '-o', at('notes.nnimg')), 1, /notes\.jpg: not a supported image/);
  });

  it('a truncated PNG', async () => {
    const png = readFileSync(at('crop.png'));
    writeFileSync(at('cut.png'), png.subarray(0, png.length >> 1));
    expectError(await nnimg('encode', at('cut.png'), '-o', at('cut.nnimg')), 1, /cut\.png: the image is damaged or truncated \(/);
  });

  it('an image over the pixel limit names the flag that raises it, and the flag does', async () => {
    // crop.png is 24x16 = 384 pixels.
    const refused = await nnimg('encode', at('crop.png'), '-o', at('limit.nnimg'), '--max-pixels', '383');
    expectError(refused, 1, /crop\.png: the image is 24x16 \(384 pixels\), over the limit of 383 pixels; raise the limit with --max-pixels 384/);
    const accepted = await nnimg('encode', at('crop.png'), '-o', at('limit.nnimg'), '--max-pixels', '384', '--iterations', '5', '--quiet');
    expect(accepted.code, accepted.stderr).toBe(0);
  });

  it('an image too wide for the format is refused before training', async () => {
    await sharp({ create: { width: 70000, height: 1, channels: 3, background: '#808080' } }).png().toFile(at('wide.png'));
    const run = await nnimg('encode', at('wide.png'), '-o', at('wide.nnimg'), '--iterations', '1000000');
    // Before training: a million iterations would outlast the test's timeout.
    expectError(run, 1, /wide\.png: the image is 70000x1; \.nnimg files hold at most 65535 pixels a side/);
  });

  it('an animated GIF: the first frame is encoded, and a note on stderr says so (not with --quiet)', async () => {
    const frame = (background: string) => sharp({ create: { width: 8, height: 8, channels: 3, background } }).png().toBuffer();
    await sharp([await frame('#ff0000'), await frame('#00ff00')], { join: { animated: true } }).gif().toFile(at('anim.gif'));
    const run = await nnimg('encode', at('anim.gif'), '-o', at('anim.nnimg'), '--iterations', '5', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^nnimg: note: .*anim\.gif: the GIF has 2 frames; only the first is encoded\n$/);
    expect(JSON.parse(run.stdout)).toMatchObject({ width: 8, height: 8 });
    const quiet = await nnimg('encode', at('anim.gif'), '-o', at('anim.nnimg'), '--iterations', '5', '--quiet');
    expect(quiet).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });
});

describe('decoder input: exit 1 with the reason', () => {
  it('an empty, foreign or damaged .nnimg file', async () => {
    writeFileSync(at('empty.nnimg'), new Uint8Array(0));
    expectError(await nnimg('decode', at('empty.nnimg'), '-o', at('e.png')), 1, /empty\.nnimg: file is 0 bytes: too short to be \.nnimg/);
    expectError(await nnimg('info', at('crop.png')), 1, /crop\.png: not an \.nnimg file/);
    const bytes = readFileSync(at('crop.nnimg'));
    writeFileSync(at('short.nnimg'), bytes.subarray(0, bytes.length - 3));
    expectError(await nnimg('decode', at('short.nnimg'), '-o', at('s.png')), 1, /short\.nnimg: checksum mismatch/);
  });

  it('a tiny file claiming 2^27 pixels is refused at once; --max-pixels names and moves the limit', async () => {
    const claim = (width: number, height: number) =>
      writeContainer({ model: 'latent-grid', width, height, channels: 3, levels: 12, hidden: [64, 64] }, new Uint8Array(0));
    writeFileSync(at('huge.nnimg'), claim(65535, 2048));
    const run = await nnimg('decode', at('huge.nnimg'), '-o', at('huge.png'));
    expectError(run, 1, /huge\.nnimg: the image is 65535x2048 \(134215680 pixels\), over the decoder's limit of 67108864 pixels; raise the limit with --max-pixels 134215680/);
    expect(existsSync(at('huge.png'))).toBe(false);
    expectError(await nnimg('info', at('huge.nnimg')), 1, /over the decoder's limit/);
    writeFileSync(at('wide.nnimg'), claim(300, 200));
    expectError(await nnimg('decode', at('wide.nnimg'), '-o', at('wide.png'), '--max-pixels', '59999'), 1, /--max-pixels 60000/);
    const raised = await nnimg('decode', at('wide.nnimg'), '-o', at('wide.png'), '--max-pixels', '60000', '--quiet');
    expect(raised.code, raised.stderr).toBe(0);
    expect((await sharp(at('wide.png')).metadata()).width).toBe(300);
    expect((await nnimg('info', at('wide.nnimg'), '--max-pixels', '60000', '--json')).code).toBe(0);
  });
});

describe('writes', () => {
  it('a failing encode leaves an existing output untouched and no temporary file', async () => {
    writeFileSync(at('keep.nnimg'), 'precious');
    expectError(await nnimg('encode', at('crop.png'), '-o', at('keep.nnimg'), '--bytes', '5', '--iterations', '5'), 1, /--bytes 5 is below/);
    expect(readFileSync(at('keep.nnimg'), 'utf8')).toBe('precious');
    expect(tempFiles()).toEqual([]);
  });

  it('a failing decode leaves an existing output untouched', async () => {
    writeFileSync(at('keep.png'), 'precious');
    const damaged = readFileSync(at('crop.nnimg'));
    damaged[damaged.length - 6] ^= 1;
    writeFileSync(at('damaged.nnimg'), damaged);
    expectError(await nnimg('decode', at('damaged.nnimg'), '-o', at('keep.png')), 1, /checksum/);
    expect(readFileSync(at('keep.png'), 'utf8')).toBe('precious');
    expect(tempFiles()).toEqual([]);
  });

  const longRuns: [string, string, () => string[]][] = [
    ['encode', 'long.nnimg', () => ['encode', at('crop.png'), '-o', at('long.nnimg'), '--iterations', '10000000', '--quiet']],
    ['decode', 'poster.png', () => ['decode', at('crop.nnimg'), '-o', at('poster.png'), '--width', '30000', '--quiet']],
  ];
  it.each(longRuns)('Ctrl-C during a long %s stops promptly, exit 130, and keeps the existing output', async (_, output, args) => {
    writeFileSync(at(output), 'precious');
    const running = nnimg(...args());
    await new Promise((resolve) => setTimeout(resolve, 300));
    process.emit('SIGINT');
    // Exit 130 and no output: it stopped before the end (ten million iterations, or a 30000-wide
    // decode); how promptly is timed by npm run bench, not asserted here.
    const run = await running;
    expectError(run, 130, /interrupted; no output written/);
    expect(readFileSync(at(output), 'utf8')).toBe('precious');
    expect(tempFiles()).toEqual([]);
  });
});
