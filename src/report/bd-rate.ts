/**
 * Bjontegaard-delta rate (VCEG-M33): the average difference in bit rate between two
 * rate-distortion curves over the quality range they share.
 *
 * Each curve's log-rate is fitted as a polynomial of its PSNR (cubic, least squares, as numpy's
 * polyfit(psnr, log(rate), 3) in the reference scripts), both fits are integrated over the
 * overlapping PSNR interval, and the mean log-rate difference d gives (e^d - 1) * 100 %.
 * Negative: the test curve needs fewer bits than the anchor for the same PSNR.
 */

export interface RdPoint {
  /** Any rate unit (bytes, bits per pixel): only ratios matter. Must be positive. */
  rate: number;
  /** Quality in dB. */
  psnr: number;
}

export interface BdRateResult {
  /** Percent; negative when `test` needs fewer bits than `anchor`. */
  percent: number;
  /** The PSNR interval both curves cover, over which the fits were integrated. */
  psnrLow: number;
  psnrHigh: number;
  /** Polynomial degree used: 3, or less when a curve has fewer than 4 points. */
  degree: number;
}

export type BdRateOutcome = ({ ok: true } & BdRateResult) | { ok: false; reason: string };

/** Least-squares polynomial fit y = sum c[k] * t^k with t = (x - center) / scale (well conditioned). */
export interface Polynomial {
  coefficients: number[];
  center: number;
  scale: number;
}

export function polyfit(x: readonly number[], y: readonly number[], degree: number): Polynomial {
  if (x.length !== y.length) throw new RangeError('polyfit: x and y differ in length');
  if (x.length < degree + 1) throw new RangeError(`polyfit: degree ${degree} needs at least ${degree + 1} points`);
  const center = x.reduce((a, b) => a + b, 0) / x.length;
  const spread = Math.max(...x.map((v) => Math.abs(v - center)));
  const scale = spread > 0 ? spread : 1;
  const n = degree + 1;
  // Normal equations A c = b with A[i][j] = sum t^(i+j), b[i] = sum y t^i.
  const a = Array.from({ length: n }, () => new Array<number>(n + 1).fill(0));
  for (let p = 0; p < x.length; p++) {
    const t = (x[p] - center) / scale;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) a[i][j] += t ** (i + j);
      a[i][n] += y[p] * t ** i;
    }
  }
  // Gaussian elimination with partial pivoting.
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let row = col + 1; row < n; row++) if (Math.abs(a[row][col]) > Math.abs(a[pivot][col])) pivot = row;
    if (Math.abs(a[pivot][col]) < 1e-300) throw new RangeError('polyfit: the points do not determine the polynomial (repeated PSNR values)');
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let row = 0; row < n; row++) {
      if (row === col) continue;
      const factor = a[row][col] / a[col][col];
      for (let k = col; k <= n; k++) a[row][k] -= factor * a[col][k];
    }
  }
  return { coefficients: a.map((row, i) => row[n] / row[i]), center, scale };
}

export function polyval(poly: Polynomial, x: number): number {
  const t = (x - poly.center) / poly.scale;
  let value = 0;
  for (let k = poly.coefficients.length - 1; k >= 0; k--) value = value * t + poly.coefficients[k];
  return value;
}

/** The integral of the polynomial over [low, high] in x. */
export function polyIntegral(poly: Polynomial, low: number, high: number): number {
  const antiderivative = (x: number) => {
    const t = (x - poly.center) / poly.scale;
    let value = 0;
    for (let k = poly.coefficients.length - 1; k >= 0; k--) value = value * t + poly.coefficients[k] / (k + 1);
    return value * t * poly.scale;
  };
  return antiderivative(high) - antiderivative(low);
}

/**
 * BD-rate of `test` against `anchor`. Needs at least 2 points per curve with distinct PSNRs and
 * rates > 0, and a PSNR overlap of positive width; otherwise says why not.
 */
export function bdRate(anchor: readonly RdPoint[], test: readonly RdPoint[]): BdRateOutcome {
  const clean = (points: readonly RdPoint[]) =>
    points.filter((p) => Number.isFinite(p.psnr) && Number.isFinite(p.rate) && p.rate > 0).sort((a, b) => a.psnr - b.psnr);
  const a = clean(anchor);
  const t = clean(test);
  const distinct = (points: RdPoint[]) => new Set(points.map((p) => p.psnr)).size;
  if (distinct(a) < 2 || distinct(t) < 2) return { ok: false, reason: 'fewer than 2 points on a curve' };
  const psnrLow = Math.max(a[0].psnr, t[0].psnr);
  const psnrHigh = Math.min(a[a.length - 1].psnr, t[t.length - 1].psnr);
  if (!(psnrHigh > psnrLow)) return { ok: false, reason: 'the curves share no PSNR range' };
  const degree = Math.min(3, distinct(a) - 1, distinct(t) - 1);
  const fitA = polyfit(
    a.map((p) => p.psnr),
    a.map((p) => Math.log(p.rate)),
    degree,
  );
  const fitT = polyfit(
    t.map((p) => p.psnr),
    t.map((p) => Math.log(p.rate)),
    degree,
  );
  const meanDifference = (polyIntegral(fitT, psnrLow, psnrHigh) - polyIntegral(fitA, psnrLow, psnrHigh)) / (psnrHigh - psnrLow);
  return { ok: true, percent: (Math.exp(meanDifference) - 1) * 100, psnrLow, psnrHigh, degree };
}
