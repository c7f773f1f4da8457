/**
 * Centre-aligned separable upscaling (pixel centres at (i + 0.5) / size, the convention nnimg
 * samples at), with edge pixels repeated. sharp cannot serve here: when enlarging, libvips applies
 * one bicubic interpolator whatever kernel is asked for, and puts output pixel 2k+1 on input
 * pixel k, a quarter of an input pixel off the centre-aligned position (about 3 dB lost on a 2x
 * enlargement of a photo).
 */

export interface UpscaleKernel {
  readonly radius: number;
  readonly weight: (x: number) => number;
}

export const LANCZOS3: UpscaleKernel = {
  radius: 3,
  weight: (x) => (x === 0 ? 1 : Math.abs(x) >= 3 ? 0 : (3 * Math.sin(Math.PI * x) * Math.sin((Math.PI * x) / 3)) / (Math.PI * Math.PI * x * x)),
};

/** Catmull-Rom (Keys, a = -0.5): the usual "bicubic". */
export const BICUBIC: UpscaleKernel = {
  radius: 2,
  weight: (x) => {
    const t = Math.abs(x);
    return t < 1 ? 1.5 * t ** 3 - 2.5 * t ** 2 + 1 : t < 2 ? -0.5 * t ** 3 + 2.5 * t ** 2 - 4 * t + 2 : 0;
  },
};

/** For each output position along an axis: the input indices it reads and their weights. */
function axisTaps(inLength: number, outLength: number, kernel: UpscaleKernel): { index: Int32Array; weight: Float64Array; taps: number } {
  const taps = 2 * kernel.radius;
  const index = new Int32Array(outLength * taps);
  const weight = new Float64Array(outLength * taps);
  for (let o = 0; o < outLength; o++) {
    const p = ((o + 0.5) * inLength) / outLength - 0.5;
    const first = Math.floor(p) - kernel.radius + 1;
    let sum = 0;
    for (let t = 0; t < taps; t++) {
      sum += weight[o * taps + t] = kernel.weight(p - (first + t));
      index[o * taps + t] = Math.min(inLength - 1, Math.max(0, first + t));
    }
    for (let t = 0; t < taps; t++) weight[o * taps + t] /= sum;
  }
  return { index, weight, taps };
}

export interface Pixels {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: Uint8Array;
}

/** `image` enlarged (or reduced) to width x height with `kernel`, rounded to 8 bits. */
export function upscaleCentred(image: Pixels, width: number, height: number, kernel: UpscaleKernel): Pixels {
  const { channels } = image;
  const columns = axisTaps(image.width, width, kernel);
  const rows = axisTaps(image.height, height, kernel);
  const wide = new Float64Array(width * image.height * channels);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < width; x++) {
      for (let t = 0; t < columns.taps; t++) {
        const w = columns.weight[x * columns.taps + t];
        const from = (y * image.width + columns.index[x * columns.taps + t]) * channels;
        for (let c = 0; c < channels; c++) wide[(y * width + x) * channels + c] += w * image.data[from + c];
      }
    }
  }
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        let v = 0;
        for (let t = 0; t < rows.taps; t++) v += rows.weight[y * rows.taps + t] * wide[(rows.index[y * rows.taps + t] * width + x) * channels + c];
        data[(y * width + x) * channels + c] = Math.min(255, Math.max(0, Math.round(v)));
      }
    }
  }
  return { width, height, channels, data };
}
