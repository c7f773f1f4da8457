/**
 * The parts of io.ts that need no sharp: the command line loads these before it knows whether
 * it needs sharp at all (a decode to PNG does not; loading sharp costs ~0.2 s of start-up).
 */

/**
 * Why an input image was refused: 'empty' file, 'unsupported' format, 'corrupt' or truncated data,
 * 'too-large' (over the pixel limit; `pixels` and `limit` say by how much), 'alpha' (transparent
 * pixels, which nnimg v1 cannot code).
 */
export type ImageInputErrorCode = 'empty' | 'unsupported' | 'corrupt' | 'too-large' | 'alpha';

export class ImageInputError extends Error {
  constructor(
    message: string,
    readonly code: ImageInputErrorCode = 'corrupt',
    readonly pixels?: number,
    readonly limit?: number,
  ) {
    super(message);
    this.name = 'ImageInputError';
  }
}

/**
 * 2^25 pixels (33.5 megapixels, a 7100x4700 photo). Training needs some 50 bytes a pixel and
 * minutes per megapixel, so larger inputs are rarely meant.
 */
export const DEFAULT_MAX_INPUT_PIXELS = 2 ** 25;

export type OutputFormat = 'png' | 'jpeg' | 'webp';

export function outputFormatFor(path: string): OutputFormat | null {
  const ext = path.toLowerCase().split('.').pop();
  if (ext === 'png') return 'png';
  if (ext === 'jpg' || ext === 'jpeg') return 'jpeg';
  if (ext === 'webp') return 'webp';
  return null;
}
