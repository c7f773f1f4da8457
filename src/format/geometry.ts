/** Where the latent grids sit relative to the image, and how a continuous coordinate samples them. */

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

/**
 * Linear interpolation taps along one axis: output sample i of `outputLength` (pixel centres at
 * (i + 0.5) / outputLength of the image) reads grid cells first[i] and first[i] + step[i] with
 * weight 1 - frac[i] and frac[i]. Cell centres sit at (j + 0.5) / gridLength; outside the outermost
 * centres the edge value is held.
 */
export interface AxisTaps {
  readonly first: Int32Array;
  readonly second: Int32Array;
  readonly frac: Float32Array;
}

export function axisTaps(outputLength: number, gridLengthCells: number, start = 0, count = outputLength): AxisTaps {
  const first = new Int32Array(count);
  const second = new Int32Array(count);
  const frac = new Float32Array(count);
  const ratio = gridLengthCells / outputLength;
  for (let k = 0; k < count; k++) {
    let position = (start + k + 0.5) * ratio - 0.5;
    if (position < 0) position = 0;
    if (position > gridLengthCells - 1) position = gridLengthCells - 1;
    const lower = Math.floor(position);
    first[k] = lower;
    second[k] = Math.min(lower + 1, gridLengthCells - 1);
    frac[k] = position - lower;
  }
  return { first, second, frac };
}
