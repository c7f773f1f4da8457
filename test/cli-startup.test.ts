/**
 * Start-up of the command line (issue 14): a decode to PNG loads neither sharp, nor vega (the
 * compare command's plots), nor the encoder (it takes the decoder through nnimg/decode alone);
 * their loading took most of a short decode's time.
 * Checked from the modules a real run loads (a module hook lists them), not from timings.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encode } from '../src/index.js';
import { moduleUrl, modulesLoadedBy } from './support/loaded-modules.js';

describe('nnimg decode start-up', () => {
  it('a decode to PNG loads no sharp, vega or encoder; a decode to JPEG loads sharp', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'nnimg-startup-'));
    try {
      const image = { width: 16, height: 12, channels: 3 as const, data: new Uint8Array(16 * 12 * 3).map((_, i) => (i * 5) % 256) };
      writeFileSync(join(folder, 'small.nnimg'), (await encode(image, { bytes: 300, iterations: 2, threads: 1 })).file);
      const modules = (output: string) =>
        modulesLoadedBy(
          `const { runCli } = await import(${JSON.stringify(moduleUrl('src/cli/main.ts'))}); process.exitCode = await runCli(['node', 'nnimg', 'decode', ${JSON.stringify(join(folder, 'small.nnimg'))}, '-o', ${JSON.stringify(join(folder, output))}, '--quiet']);`,
        );
      const png = modules('out.png');
      expect(png.some((url) => url.includes('/src/api/decode.ts'))).toBe(true);
      expect(png.some((url) => url.includes('/src/decoder/decode.ts'))).toBe(true);
      expect(png.some((url) => url.includes('/src/image/png-writer.ts'))).toBe(true);
      // The whole API (src/index.ts) and nnimg/encode load sharp and the encoder.
      const heavy = /node_modules\/(sharp|vega)|\/src\/encoder\/encode\.ts|\/src\/image\/io\.ts|\/src\/index\.ts|\/src\/api\/encode\.ts/;
      expect(png.filter((url) => heavy.test(url))).toEqual([]);
      expect(modules('out.jpg').some((url) => url.includes('node_modules/sharp/'))).toBe(true);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
