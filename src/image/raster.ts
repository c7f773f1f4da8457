/** The in-memory image types, apart from io.ts (sharp) so that the browser decoder's types need no Node. */

/** 8-bit pixels, channels interleaved: 1 (grey) or 3 (RGB, sRGB). */
export interface RasterImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly data: Uint8Array;
}

/**
 * What every model kind renders through (src/kinds/): an output of any size, a strip of rows at a
 * time, so that memory stays bounded whatever the output size.
 */
export interface Renderer {
  /** Writes rows [rowStart, rowStart + rowCount) as 8-bit interleaved channels into out. */
  renderRows(rowStart: number, rowCount: number, out: Uint8Array): void;
}
