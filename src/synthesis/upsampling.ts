/**
 * The upsampling of the latent grids to the pixels (spec section 8): every level's grid is
 * interpolated linearly along each axis at the output's pixel centres, whatever the output size.
 * axisTaps says which cells each output row or column reads, and with what weights; each variant
 * applies the taps in its own inner loop, where its speed is made:
 *  - decoding (render.ts, render-wasm.ts with assembly/synthesis.ts): the two grid rows a pixel
 *    row falls between are blended first, then each pixel interpolates its two columns of the
 *    blend, in the same operations and order in every variant (the pixels are normative);
 *  - training (distortion.ts, distortion-generated.ts, distortion-wasm.ts with
 *    assembly/distortion.ts): each pixel interpolates its four cells, and spreads its gradient
 *    back over them with the same weights.
 */

/**
 * Linear interpolation taps along one axis: output sample i of `outputLength` (pixel centres at
 * (i + 0.5) / outputLength of the image) reads grid cells first[i] and second[i] (the next cell,
 * or the same at the last) with weight 1 - frac[i] and frac[i]. Cell centres sit at
 * (j + 0.5) / gridLength; outside the outermost centres the edge value is held.
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
