/**
 * The .nnimg container (spec/nnimg.md, "Container"):
 *
 *   magic "nnim" | version u8 | header length (LEB128) | header (MessagePack array) | payload | CRC-32 (BE)
 *
 * The CRC covers every byte before it, so damage anywhere is reported before decoding starts.
 */
import { Packr } from 'msgpackr';
import { crc32 } from './crc32.js';

export const MAGIC = Uint8Array.from([0x6e, 0x6e, 0x69, 0x6d]); // "nnim"
export const FORMAT_VERSION = 2;
/** The oldest version this decoder reads (version 1 is version 2 without latent prediction). */
export const OLDEST_READABLE_VERSION = 1;
const CHECKSUM_BYTES = 4;
/** Limits a decoder applies before allocating anything (spec/nnimg.md, "Limits"). */
export const MAX_DIMENSION = 65535;
export const MAX_PIXELS = 2 ** 27;
export const MAX_HIDDEN_LAYERS = 4;
export const MAX_HIDDEN_WIDTH = 64;
export const MAX_LEVELS = 12;

export const MODEL_KINDS = ['latent-grid', 'coordinate-mlp'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

export interface NnimgHeader {
  model: ModelKind;
  width: number;
  height: number;
  /** 1 (grey) or 3 (RGB). */
  channels: number;
  /** Number of latent grids (level 0 is full resolution, level l is 1/2^l); 0 for a coordinate MLP. */
  levels: number;
  /** Widths of the synthesis network's hidden layers. */
  hidden: number[];
}

export type FormatErrorCode = 'truncated' | 'magic' | 'version' | 'checksum' | 'header';

export class NnimgFormatError extends Error {
  constructor(
    readonly code: FormatErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'NnimgFormatError';
  }
}

// Plain arrays of integers, no record extension: the header carries no key strings.
const packr = new Packr({ useRecords: false, variableMapSize: true });

export function headerFields(header: NnimgHeader): unknown[] {
  return [MODEL_KINDS.indexOf(header.model), header.width, header.height, header.channels, header.levels, header.hidden];
}

export function writeContainer(header: NnimgHeader, payload: Uint8Array): Uint8Array {
  validateHeader(header);
  const packedHeader = packr.pack(headerFields(header));
  const length = leb128(packedHeader.length);
  const total = MAGIC.length + 1 + length.length + packedHeader.length + payload.length + CHECKSUM_BYTES;
  const out = new Uint8Array(total);
  let at = 0;
  out.set(MAGIC, at);
  at += MAGIC.length;
  out[at++] = FORMAT_VERSION;
  out.set(length, at);
  at += length.length;
  out.set(packedHeader, at);
  at += packedHeader.length;
  out.set(payload, at);
  at += payload.length;
  new DataView(out.buffer).setUint32(at, crc32(out, at));
  return out;
}

export interface ContainerParts {
  /** The file's format version (OLDEST_READABLE_VERSION .. FORMAT_VERSION). */
  version: number;
  header: NnimgHeader;
  payload: Uint8Array;
  /** Bytes taken by everything but the payload. */
  overheadBytes: number;
}

export function readContainer(bytes: Uint8Array): ContainerParts {
  const minimum = MAGIC.length + 1 + 1 + CHECKSUM_BYTES;
  for (let i = 0; i < MAGIC.length; i++) {
    if (i >= bytes.length) throw new NnimgFormatError('truncated', `file is ${bytes.length} bytes: too short to be .nnimg`);
    if (bytes[i] !== MAGIC[i]) throw new NnimgFormatError('magic', 'not an .nnimg file (wrong magic bytes)');
  }
  if (bytes.length < minimum) throw new NnimgFormatError('truncated', `file is ${bytes.length} bytes: truncated`);
  const version = bytes[MAGIC.length];
  if (version < OLDEST_READABLE_VERSION || version > FORMAT_VERSION) {
    throw new NnimgFormatError(
      'version',
      version > FORMAT_VERSION
        ? `.nnimg format version ${version} is newer than this decoder supports (${FORMAT_VERSION}); upgrade nnimg`
        : `.nnimg format version ${version} is not valid`,
    );
  }
  const bodyEnd = bytes.length - CHECKSUM_BYTES;
  const stored = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(bodyEnd);
  if (crc32(bytes, bodyEnd) !== stored) {
    throw new NnimgFormatError('checksum', 'checksum mismatch: the file is damaged or truncated');
  }
  let at = MAGIC.length + 1;
  const { value: headerLength, next } = readLeb128(bytes, at, bodyEnd);
  at = next;
  if (at + headerLength > bodyEnd) throw new NnimgFormatError('truncated', 'header runs past the end of the file');
  let fields: unknown;
  try {
    fields = packr.unpack(bytes.subarray(at, at + headerLength));
  } catch {
    throw new NnimgFormatError('header', 'header is not valid MessagePack');
  }
  const header = parseHeader(fields);
  at += headerLength;
  return { version, header, payload: bytes.subarray(at, bodyEnd), overheadBytes: bytes.length - (bodyEnd - at) };
}

function isCount(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function parseHeader(fields: unknown): NnimgHeader {
  const bad = (what: string) => new NnimgFormatError('header', `invalid header: ${what}`);
  if (!Array.isArray(fields) || fields.length !== 6) throw bad('expected 6 fields');
  const [kind, width, height, channels, levels, hidden] = fields as unknown[];
  if (!isCount(kind, 0, MODEL_KINDS.length - 1)) throw bad(`unknown model kind ${String(kind)}`);
  const header = { model: MODEL_KINDS[kind], width, height, channels, levels, hidden } as NnimgHeader;
  validateHeader(header);
  return header;
}

/** Every rule a header must meet, for writers and readers alike. */
function validateHeader(h: NnimgHeader): void {
  const bad = (what: string) => new NnimgFormatError('header', `invalid header: ${what}`);
  if (!MODEL_KINDS.includes(h.model)) throw bad(`unknown model kind ${String(h.model)}`);
  if (!isCount(h.width, 1, MAX_DIMENSION) || !isCount(h.height, 1, MAX_DIMENSION)) throw bad(`image size ${h.width}x${h.height} out of range`);
  if (!Array.isArray(h.hidden) || h.hidden.length > MAX_HIDDEN_LAYERS || !h.hidden.every((w) => isCount(w, 1, MAX_HIDDEN_WIDTH))) {
    throw bad(`hidden layer widths must be 0 to ${MAX_HIDDEN_LAYERS} numbers from 1 to ${MAX_HIDDEN_WIDTH}`);
  }
  if (h.width * h.height > MAX_PIXELS) throw bad(`${h.width}x${h.height} exceeds ${MAX_PIXELS} pixels`);
  if (h.channels !== 1 && h.channels !== 3) throw bad(`channels must be 1 or 3, not ${h.channels}`);
  // A coordinate MLP has no latent grids.
  if (h.model === 'coordinate-mlp' ? h.levels !== 0 : !isCount(h.levels, 1, MAX_LEVELS)) throw bad(`latent levels out of range`);
}

function leb128(value: number): Uint8Array {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return Uint8Array.from(out);
}

function readLeb128(bytes: Uint8Array, at: number, end: number): { value: number; next: number } {
  let value = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (at >= end) throw new NnimgFormatError('truncated', 'header length runs past the end of the file');
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { value, next: at };
  }
  throw new NnimgFormatError('header', 'header length is not a valid LEB128 number');
}
