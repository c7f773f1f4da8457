/**
 * The context of a latent value: how busy its already-decoded neighbours (left, top, top-left,
 * top-right, in raster order) are. Each context has its own Laplace scale, so a latent next to
 * zeros is cheap to code as zero and one next to an edge is expected to be large.
 */
import { CONTEXT_COUNT } from './kernel-constants.js';

export { CONTEXT_COUNT };

const ACTIVITY_LIMITS = [0, 2, 5, 10, 20]; // activity <= ACTIVITY_LIMITS[c] gives context c

function contextOfActivity(activity: number): number {
  for (let c = 0; c < ACTIVITY_LIMITS.length; c++) if (activity <= ACTIVITY_LIMITS[c]) return c;
  return CONTEXT_COUNT - 1;
}

/** Context of cell (x, y) of a grid `width` wide, from integer values already known before it. */
export function latentContext(values: Int32Array, width: number, x: number, y: number): number {
  const i = y * width + x;
  let activity = 0;
  if (x > 0) activity += 2 * Math.abs(values[i - 1]);
  if (y > 0) {
    activity += 2 * Math.abs(values[i - width]);
    if (x > 0) activity += Math.abs(values[i - width - 1]);
    if (x + 1 < width) activity += Math.abs(values[i - width + 1]);
  }
  return contextOfActivity(activity);
}

/** Contexts of every cell of a grid at once (encoder and training). */
export function latentContexts(values: Int32Array, width: number, height: number, out: Uint8Array): void {
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = latentContext(values, width, x, y);
}
