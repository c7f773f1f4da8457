/** What every model kind renders through: an output of any size, a strip of rows at a time. */
export interface Renderer {
  /** Writes rows [rowStart, rowStart + rowCount) as 8-bit interleaved channels into out. */
  renderRows(rowStart: number, rowCount: number, out: Uint8Array): void;
}
