/** The in-memory image type, apart from io.ts (sharp) so that the browser decoder's types need no Node. */

/** 8-bit pixels, channels interleaved: 1 (grey) or 3 (RGB, sRGB). */
export interface RasterImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly data: Uint8Array;
}
