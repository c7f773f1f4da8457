/**
 * The latent entropy model's sizes that its WebAssembly rate kernel (assembly/latents.ts) compiles
 * in. They live here, not in linear-context-model.ts or rate.ts, because AssemblyScript compiles
 * this file too: plain constants only. Everything else the kernel needs (scales, the rate table,
 * the context of each activity) the host hands it at run time, from those two files.
 */

/** Activity contexts per grid, each with its own Laplace scale index (spec/nnimg.md 6.2). */
export const CONTEXT_COUNT = 6;
/** Prediction coefficients per grid, in the order left, top, top-left, top-right (spec/nnimg.md 6.3). */
export const PREDICTION_TAPS = 4;
/** Laplace tables' frequencies are out of 2^FREQ_BITS (laplace.ts). */
export const FREQ_BITS = 16;
/** An escaped value's Elias-gamma code has at most this many magnitude bits (laplace.ts). */
export const MAX_ESCAPE_BITS = 24;
/** A distribution's mean is given in 1/MEAN_OFFSETS of a unit (laplace.ts, latent-model.ts). */
export const MEAN_OFFSETS = 16;
/** Decoded latent values beyond this magnitude make a stream invalid (latent-model.ts). */
export const MAX_LATENT_MAGNITUDE = 67108864; // 2^26

/** The training's rate table (rate.ts) spans |value| from 0 to 1/2 in this many equal steps. */
export const RATE_TABLE_STEPS = 256;
/** Per context: (bits, dBits/d|value|, dBits/dLogScale) at each of the RATE_TABLE_STEPS + 1 points. */
export const RATE_TABLE_STRIDE = 3 * (RATE_TABLE_STEPS + 1);
