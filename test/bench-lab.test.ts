/** bench/lab.ts (npm run lab) on one tiny photo: it writes the report and its pictures. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'nnimg-lab-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lab(...args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'bench', 'lab.ts'), ...args], { cwd: root, timeout: 120_000 }, (error, _stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
    );
  });
}

describe('npm run lab', () => {
  it('answers the five questions on a tiny photo: tables, commands and pictures', async () => {
    const photo = join(dir, 'tiny.png');
    await sharp(join(root, 'corpus', 'chelsea.png')).extract({ left: 200, top: 100, width: 64, height: 48 }).png().toFile(photo);
    const report = join(dir, 'experiments.md');
    const run = await lab(photo, '--seconds', '0.1', '--side', '16', '--iterations', '5', '--out', report);
    expect(run.code, run.stderr).toBe(0);
    const text = readFileSync(report, 'utf8');
    for (const heading of ['## 1.', '## 2.', '## 3.', '## 4.', '## 5.']) expect(text).toContain(heading);
    expect(text).toContain('--only 4 --out bench-out/lab-q4.md');
    expect(text).toMatch(/\| tiny \| Rprop \| \d+ \| [\d.]+ \|/);
    for (const picture of ['q1-tiny.png', 'q2-tiny.png', 'q4-tiny.png', 'q5-tiny.png']) {
      expect(existsSync(join(dir, 'experiments', picture))).toBe(true);
      expect(text).toContain(`experiments/${picture}`);
    }
    expect(await sharp(join(dir, 'experiments', 'q1-tiny.png')).metadata()).toMatchObject({ format: 'png', width: 3 * 16 * 3 + 2 * 4, height: 12 * 3 });
  });

  it('refuses a bad --seconds with exit 2', async () => {
    const run = await lab(join(root, 'corpus', 'coffee.png'), '--seconds', '0', '--out', join(dir, 'x.md'));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--seconds must be a positive number/);
  });
});
