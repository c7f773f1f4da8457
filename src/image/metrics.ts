/** Peak signal-to-noise ratio of 8-bit samples, dB (Infinity when identical). */
export function psnr(reference: Uint8Array, test: Uint8Array): number {
  if (reference.length !== test.length) throw new RangeError('psnr: images differ in size');
  let sum = 0;
  for (let i = 0; i < reference.length; i++) {
    const d = reference[i] - test[i];
    sum += d * d;
  }
  if (sum === 0) return Infinity;
  return 10 * Math.log10((255 * 255 * reference.length) / sum);
}
