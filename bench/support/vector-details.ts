/**
 * What bench/make-vectors.ts adds to each vector besides the pixel hash (the decoded model's digest
 * and a few raw pixels), and the negative vectors: damaged and crafted files with the error a reader
 * must report.
 */
import { NnimgDecodeError, NnimgFormatError, type RasterImage, parseNnimg } from '../../src/api/decode.js';
import { crc32 } from '../../src/internals.js';
import { DigestModel, NegativeVector, modelDigest } from '../../spec/vectors.js';
import { prng } from './prng.js';

/** The digest (spec section 13) of the model a file decodes to. */
export function decodedModelDigest(bytes: Uint8Array): string {
  const parsed = parseNnimg(bytes);
  const q = parsed.quantized;
  const tensors = q.layers.flatMap((l) => [l.weights, l.biases]);
  const model: DigestModel =
    parsed.kind === 'latent-grid'
      ? {
          latentStepIndex: parsed.quantized.latentStepIndex,
          tensors,
          grids: parsed.quantized.grids.map((g) => (g.scaleIndices && g.coefficients ? { coefficients: g.coefficients, scaleIndices: g.scaleIndices, values: g.values } : null)),
        }
      : { latentStepIndex: -1, tensors, grids: [] };
  return modelDigest(model);
}

/** Corners and centre: [x, y, samples]. */
export function pixelSamples(image: RasterImage): [number, number, number[]][] {
  const { width, height, channels, data } = image;
  const points: [number, number][] = [[0, 0], [width - 1, 0], [width >> 1, height >> 1], [0, height - 1], [width - 1, height - 1]];
  const unique = [...new Map(points.map((p) => [`${p[0]},${p[1]}`, p])).values()];
  return unique.map(([x, y]) => [x, y, Array.from(data.subarray((y * width + x) * channels, (y * width + x + 1) * channels))]);
}

/** A file with its CRC recomputed over everything before it. */
function withCrc(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  new DataView(out.buffer).setUint32(body.length, crc32(out, body.length));
  return out;
}

/** The body (everything but the CRC) of a file. */
const bodyOf = (file: Uint8Array) => file.subarray(0, file.length - 4);

/** The error code a reader reports for a file, or null when it decodes. */
export function errorOf(file: Uint8Array): string | null {
  try {
    parseNnimg(file);
    return null;
  } catch (error) {
    if (error instanceof NnimgFormatError || error instanceof NnimgDecodeError) return error.code;
    throw error;
  }
}

/**
 * Damaged and crafted versions of the vectors in the folder (read through `read`), each with the
 * error it must give; made deterministically, and checked against the reference as they are made.
 */
export function negativeVectors(read: (file: string) => Uint8Array): (NegativeVector & { bytes: Uint8Array })[] {
  const coffee = read('coffee-16x12-rgb.nnimg');
  const zero = read('zero-64x48-grey.nnimg');
  const headerStart = 6; // magic, version, one length byte
  const headerLength = zero[5];
  const list: (NegativeVector & { bytes: Uint8Array })[] = [];
  const add = (file: string, error: NegativeVector['error'], note: string, bytes: Uint8Array) => {
    const got = errorOf(bytes);
    if (got !== error) throw new Error(`${file}: the reference reports ${got}, not ${error}`);
    list.push({ file, error, note, bytes });
  };
  add('truncated-3.nnimg', 'truncated', 'the first 3 bytes of a file', coffee.slice(0, 3));
  add('truncated-9.nnimg', 'truncated', 'the first 9 bytes of a file: shorter than any file', coffee.slice(0, 9));
  add('magic.nnimg', 'magic', 'a valid file with its 4th byte changed', Uint8Array.from(coffee, (b, i) => (i === 3 ? b ^ 0x20 : b)));
  add('version-0.nnimg', 'version', 'version byte 0 (valid CRC)', withCrc(Uint8Array.from(bodyOf(coffee), (b, i) => (i === 4 ? 0 : b))));
  add('version-255.nnimg', 'version', 'version byte 255, a future version (valid CRC)', withCrc(Uint8Array.from(bodyOf(coffee), (b, i) => (i === 4 ? 255 : b))));
  add('checksum.nnimg', 'checksum', 'one payload bit flipped, CRC not updated', Uint8Array.from(coffee, (b, i) => (i === coffee.length - 6 ? b ^ 1 : b)));
  add('truncated-end.nnimg', 'checksum', 'a valid file without its last byte: the CRC then fails', coffee.slice(0, coffee.length - 1));
  const header = (fields: number[], rest: Uint8Array) => withCrc(Uint8Array.from([...zero.subarray(0, 5), fields.length, ...fields, ...rest]));
  const payload = zero.subarray(headerStart + headerLength, zero.length - 4);
  // MessagePack: 0x95 is an array of 5; 0x96 of 6; 0x90 an empty array.
  add('header-fields.nnimg', 'header', 'a header array of 5 fields (valid CRC)', header([0x95, 0x00, 0x40, 0x30, 0x01, 0x06], payload));
  add('header-width-0.nnimg', 'header', 'width 0 (valid CRC)', header([0x96, 0x00, 0x00, 0x30, 0x01, 0x06, 0x91, 0x06], payload));
  add('header-channels-2.nnimg', 'header', '2 channels (valid CRC)', header([0x96, 0x00, 0x40, 0x30, 0x02, 0x06, 0x91, 0x06], payload));
  add('header-levels-13.nnimg', 'header', '13 latent levels, one more than allowed (valid CRC)', header([0x96, 0x00, 0x40, 0x30, 0x01, 0x0d, 0x91, 0x06], payload));
  add('header-length.nnimg', 'truncated', 'a header length running past the CRC (valid CRC)', withCrc(Uint8Array.from([...zero.subarray(0, 5), 0x7f, ...zero.subarray(6, zero.length - 4)])));
  // Payloads of random bytes under the zero model's header until one is invalid, for each kind of
  // payload error: a latent out of range after prediction, and an escape code over 24 zeros.
  const random = prng(13);
  const found = new Set<string>();
  for (let attempt = 0; attempt < 100000 && found.size < 2; attempt++) {
    const bytes = Uint8Array.from({ length: 8 + Math.floor(random() * 24) }, () => (random() < 0.5 ? 0xff : Math.floor(random() * 256)));
    const file = withCrc(Uint8Array.from([...zero.subarray(0, headerStart + headerLength), ...bytes]));
    if (errorOf(file) !== 'payload') continue;
    let message = '';
    try {
      parseNnimg(file);
    } catch (error) {
      message = (error as Error).message;
    }
    const kind = /escape/.test(message) ? 'escape' : /out of range/.test(message) ? 'range' : 'other';
    if (found.has(kind) || kind === 'other') continue;
    found.add(kind);
    add(
      `payload-${kind}.nnimg`,
      'payload',
      kind === 'escape' ? 'a crafted payload with an escape code of more than 24 leading zeros (valid CRC)' : 'a crafted payload whose latent value exceeds 2^26 in magnitude (valid CRC)',
      file,
    );
  }
  return list;
}
