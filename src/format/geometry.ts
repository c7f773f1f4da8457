/**
 * The latent grids' sizes, which the payload's syntax follows (spec section 6): how many levels and
 * cells an image has. How the grids are sampled at the pixels is the synthesis's upsampling
 * (src/synthesis/upsampling.ts).
 */

/** Latent grid `level` covers the image with ceil(size / 2^level) cells per axis. */
export function gridLength(imageLength: number, level: number): number {
  return Math.ceil(imageLength / 2 ** level);
}

export interface GridSize {
  readonly width: number;
  readonly height: number;
}

export function gridSizes(width: number, height: number, levels: number): GridSize[] {
  const sizes: GridSize[] = [];
  for (let level = 0; level < levels; level++) {
    sizes.push({ width: gridLength(width, level), height: gridLength(height, level) });
  }
  return sizes;
}

/** The default number of levels: 1/1 down to 1/64, fewer for images too small to need them. */
export function defaultLevelCount(width: number, height: number): number {
  let levels = 1;
  while (levels < 7 && 2 ** levels < Math.max(width, height)) levels++;
  return levels;
}
