/** bench/ab.ts (npm run ab): the arm syntax and the report's arithmetic (the encodes themselves are a benchmark). */
import { describe, expect, it } from 'vitest';
import { Sample, parseArm, report } from '../bench/ab.js';

const sample = (arm: string, image: string, seed: number, psnr: number, bytes = 3900, budget = 4000, seconds = 10): Sample => ({ arm, image, budget, seed, bytes, psnr, seconds });

describe('npm run ab', () => {
  it('reads an arm as a folder and its environment', () => {
    expect(parseArm('base=.')).toMatchObject({ name: 'base', env: {} });
    const arm = parseArm('relax=/work/exp:RELAX=2:RELAX_END=0.3');
    expect(arm).toEqual({ name: 'relax', dir: '/work/exp', env: { RELAX: '2', RELAX_END: '0.3' } });
    expect(() => parseArm('no-folder')).toThrow(/name=DIR/);
  });

  it('averages the seeds per image, then reports mean and median differences, wins, spread and time', () => {
    const samples = [
      sample('a', 'x.png', 1, 20, 3900, 4000, 10), sample('a', 'x.png', 2, 22, 3900, 4000, 10),
      sample('b', 'x.png', 1, 22, 3900, 4000, 12), sample('b', 'x.png', 2, 22, 3900, 4000, 12),
      sample('a', 'y.png', 1, 30), sample('a', 'y.png', 2, 30),
      sample('b', 'y.png', 1, 29.5), sample('b', 'y.png', 2, 29.7),
      sample('a', 'z.png', 1, 25), sample('a', 'z.png', 2, 25),
      sample('b', 'z.png', 1, 25.3), sample('b', 'z.png', 2, 25.1),
      // Incomplete: arm b lacks seed 2, so w.png is left out of the comparison.
      sample('a', 'w.png', 1, 10), sample('a', 'w.png', 2, 10), sample('b', 'w.png', 1, 40),
    ];
    const text = report(samples, ['a', 'b']);
    expect(text).toContain('## 4000 bytes (3 images, seeds 1, 2)');
    expect(text).toContain('| x.png | 21.00 (3900) | 22.00 (3900), +1.00 |');
    expect(text).toContain('| y.png | 30.00 (3900) | 29.60 (3900), -0.40 |');
    expect(text).not.toContain('w.png');
    // Differences +1.00, -0.40, +0.20: mean +0.267, median +0.200; 2 better, 1 worse.
    expect(text).toContain('- b against a: mean +0.267 dB, median +0.200 dB, 2 better / 1 worse of 3; time 1.07x');
    // Spread: a (2 + 0 + 0) / 3, b (0 + 0.2 + 0.2) / 3.
    expect(text).toContain('spread between seeds (mean over images of best - worst): a 0.67 dB, b 0.13 dB');
  });
});
