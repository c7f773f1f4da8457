/**
 * The mean of each latent value's distribution is predicted from its already-decoded neighbours
 * (left, top, top-left, top-right) with four per-grid integer coefficients in sixteenths:
 * neighbouring latents are strongly correlated, so a Laplace centred on the prediction codes them
 * in fewer bits than one centred on zero. Integer arithmetic only, so every decoder predicts
 * exactly what the encoder did.
 */

import { PREDICTION_TAPS } from './kernel-constants.js';
import { MEAN_OFFSETS } from './laplace.js';

export { PREDICTION_TAPS };
/** Coefficients are multiples of 1/16. */
export const COEFFICIENT_DENOMINATOR = MEAN_OFFSETS;
/** Each coefficient is stored in 6 bits as c + 32: from -32/16 to +31/16. */
export const COEFFICIENT_BITS = 6;
export const MIN_COEFFICIENT = -32;
export const MAX_COEFFICIENT = 31;
/**
 * Decoded latent values beyond this magnitude make a stream invalid: above the largest escape
 * (section 5.2), so only a prediction can get there, and far beyond anything the encoder writes.
 */
export const MAX_LATENT_MAGNITUDE = 2 ** 26;

/**
 * The predicted mean of cell (x, y) in sixteenths: the sum of coefficient x neighbour, neighbours
 * outside the grid counting as 0. An integer, exact in doubles (every term is far below 2^53).
 */
export function predictedMean(values: Int32Array, width: number, x: number, y: number, coefficients: ArrayLike<number>): number {
  const i = y * width + x;
  let sum = 0;
  if (x > 0) sum += coefficients[0] * values[i - 1];
  if (y > 0) {
    sum += coefficients[1] * values[i - width];
    if (x > 0) sum += coefficients[2] * values[i - width - 1];
    if (x + 1 < width) sum += coefficients[3] * values[i - width + 1];
  }
  return sum;
}

/** The integer nearest a mean given in sixteenths (halves round up): values are coded relative to it. */
export function meanCentre(meanSixteenths: number): number {
  return Math.floor((meanSixteenths + COEFFICIENT_DENOMINATOR / 2) / COEFFICIENT_DENOMINATOR);
}

/** Where the mean sits from its centre, in sixteenths: -8 .. 7, selecting the Laplace table. */
export function meanOffset(meanSixteenths: number, centre: number): number {
  return meanSixteenths - centre * COEFFICIENT_DENOMINATOR;
}

/** The nearest representable coefficient to a real-valued one. */
export function quantizeCoefficient(coefficient: number): number {
  return Math.min(MAX_COEFFICIENT, Math.max(MIN_COEFFICIENT, Math.round(coefficient * COEFFICIENT_DENOMINATOR)));
}
