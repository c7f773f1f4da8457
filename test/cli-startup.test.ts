/**
 * Start-up of the command line (issue 14): a decode to PNG loads neither sharp, nor vega (the
 * compare command's plots), nor the encoder; their loading took most of a short decode's time.
 * Checked from the modules a real run loads (a module hook lists them), not from timings.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encode } from '../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('nnimg decode start-up', () => {
  it('a decode to PNG loads no sharp, vega or encoder; a decode to JPEG loads sharp', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'nnimg-startup-'));
    try {
      const image = { width: 16, height: 12, channels: 3 as const, data: new Uint8Array(16 * 12 * 3).map((_, i) => (i * 5) % 256) };
      writeFileSync(join(folder, 'small.nnimg'), (await encode(image, { bytes: 300, iterations: 2, threads: 1 })).file);
      // A load hook that prints each module's URL, registered before the command's modules load.
      const hook = join(folder, 'hook.mjs');
      writeFileSync(hook, "export async function load(url, context, next) { process.stderr.write(`LOADED ${url}\\n`); return next(url, context); }\n");
      const register = join(folder, 'register.mjs');
      writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`);
      const modules = (output: string) => {
        const script = `const { runCli } = await import(${JSON.stringify(pathToFileURL(join(root, 'src/cli/main.ts')).href)}); process.exitCode = await runCli(['node', 'nnimg', 'decode', ${JSON.stringify(join(folder, 'small.nnimg'))}, '-o', ${JSON.stringify(join(folder, output))}, '--quiet']);`;
        const args = ['--import', 'tsx', '--import', pathToFileURL(register).href, '--input-type=module', '-e', script];
        // From the package folder, where --import finds tsx.
        const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
        expect(result.status, result.stderr).toBe(0);
        return result.stderr
          .split('\n')
          .filter((line) => line.startsWith('LOADED '))
          .map((line) => line.slice('LOADED '.length));
      };
      const png = modules('out.png');
      expect(png.some((url) => url.includes('/src/decoder/decode.ts'))).toBe(true);
      expect(png.some((url) => url.includes('/src/image/png-writer.ts'))).toBe(true);
      expect(png.filter((url) => /node_modules\/(sharp|vega)|\/src\/encoder\/encode\.ts|\/src\/image\/io\.ts/.test(url))).toEqual([]);
      expect(modules('out.jpg').some((url) => url.includes('node_modules/sharp/'))).toBe(true);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
