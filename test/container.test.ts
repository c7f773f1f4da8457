import { crc32 as zlibCrc32 } from 'node:zlib';
import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../src/format/crc32.js';
import {
  FORMAT_VERSION,
  MAGIC,
  MAX_PIXELS,
  NnimgFormatError,
  NnimgHeader,
  readContainer,
  writeContainer,
} from '../src/format/container.js';
import { prng } from '../bench/support/prng.js';

const SMALL: NnimgHeader = { model: 'latent-grid', width: 64, height: 48, channels: 3, levels: 6, hidden: [6] };


function randomBytes(n: number, seed: number): Uint8Array {
  const random = prng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
}

/** Builds a file by hand around raw header bytes, with a correct CRC. */
function rawFile(headerBytes: Uint8Array | number[], payload: Uint8Array = new Uint8Array([1, 2, 3]), lengthBytes?: number[]): Uint8Array {
  const header = Uint8Array.from(headerBytes);
  const length = lengthBytes ?? leb128(header.length);
  const body = Uint8Array.from([...MAGIC, FORMAT_VERSION, ...length, ...header, ...payload]);
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  new DataView(out.buffer).setUint32(body.length, zlibCrc32(body) >>> 0);
  return out;
}

function leb128(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function formatError(f: () => unknown): NnimgFormatError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(NnimgFormatError);
    return error as NnimgFormatError;
  }
  return expect.fail('expected an NnimgFormatError');
}

describe('CRC-32', () => {
  it('is the IEEE CRC-32 of PNG and zlib', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array())).toBe(0);
    const data = randomBytes(5000, 1);
    expect(crc32(data)).toBe(zlibCrc32(data) >>> 0);
    expect(crc32(data, 1234)).toBe(zlibCrc32(data.subarray(0, 1234)) >>> 0);
  });
});

describe('container', () => {
  it('round trips headers and payloads', () => {
    const headers: NnimgHeader[] = [
      SMALL,
      { model: 'latent-grid', width: 1, height: 1, channels: 1, levels: 1, hidden: [] },
      { model: 'latent-grid', width: 65535, height: 2048, channels: 3, levels: 12, hidden: [64, 64, 64, 64] },
      { model: 'latent-grid', width: 600, height: 400, channels: 3, levels: 7, hidden: [16, 16] },
      { model: 'latent-grid', width: 300, height: 127, channels: 1, levels: 3, hidden: [1, 200 - 199, 33] },
    ];
    for (const [i, header] of headers.entries()) {
      for (const size of [0, 1, 7, 1000, 70_000]) {
        const payload = randomBytes(size, i * 100 + size);
        const file = writeContainer(header, payload);
        const parts = readContainer(file);
        expect(parts.header).toEqual(header);
        expect(Array.from(parts.payload)).toEqual(Array.from(payload));
        expect(parts.overheadBytes).toBe(file.length - payload.length);
      }
    }
  });

  it('lays the file out as magic, version, LEB128 header length, MessagePack header, payload, CRC-32 (big-endian)', () => {
    const payload = Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0x00]);
    const file = writeContainer({ model: 'latent-grid', width: 600, height: 400, channels: 3, levels: 7, hidden: [16, 16] }, payload);
    const expectedHeader = [0x96, 0x00, 0xcd, 0x02, 0x58, 0xcd, 0x01, 0x90, 0x03, 0x07, 0x92, 0x10, 0x10];
    expect(Array.from(file.subarray(0, 4))).toEqual([0x6e, 0x6e, 0x69, 0x6d]); // "nnim"
    expect(file[4]).toBe(2);
    expect(file[5]).toBe(expectedHeader.length);
    expect(Array.from(file.subarray(6, 6 + expectedHeader.length))).toEqual(expectedHeader);
    expect(Array.from(file.subarray(19, 24))).toEqual(Array.from(payload));
    expect(file.length).toBe(28);
    const crc = zlibCrc32(file.subarray(0, 24)) >>> 0;
    expect(new DataView(file.buffer).getUint32(24, false)).toBe(crc);
  });

  it('reads from a view with a non-zero byteOffset', () => {
    const file = writeContainer(SMALL, randomBytes(50, 3));
    const padded = new Uint8Array(file.length + 13);
    padded.set(file, 7);
    const parts = readContainer(padded.subarray(7, 7 + file.length));
    expect(parts.header).toEqual(SMALL);
    expect(parts.payload.length).toBe(50);
  });

  it('measures the container overhead (magic + version + length + header + CRC)', () => {
    const cases: [NnimgHeader, number][] = [
      [SMALL, 18],
      [{ model: 'latent-grid', width: 40, height: 40, channels: 1, levels: 6, hidden: [6] }, 18],
      [{ model: 'latent-grid', width: 600, height: 400, channels: 3, levels: 7, hidden: [16] }, 22],
      [{ model: 'latent-grid', width: 4000, height: 3000, channels: 3, levels: 7, hidden: [16, 16] }, 23],
      [{ model: 'latent-grid', width: 65535, height: 2048, channels: 3, levels: 12, hidden: [64, 64, 64, 64] }, 25],
    ];
    const report: string[] = [];
    for (const [header, expected] of cases) {
      const overhead = writeContainer(header, new Uint8Array()).length;
      expect(readContainer(writeContainer(header, new Uint8Array(10))).overheadBytes).toBe(overhead);
      report.push(`${header.width}x${header.height}x${header.channels} hidden [${header.hidden}]: ${overhead} bytes`);
      expect(overhead, report[report.length - 1]).toBe(expected);
    }
    console.log(`container overhead:\n  ${report.join('\n  ')}`);
  });

  it('rejects every truncation of a file', () => {
    const file = writeContainer(SMALL, randomBytes(40, 4));
    for (let length = 0; length < file.length; length++) {
      const error = formatError(() => readContainer(file.subarray(0, length)));
      // Below 10 bytes (magic, version, 1 length byte, CRC) the reader knows the file is cut short;
      // beyond that only the CRC can tell.
      expect(error.code, `length ${length}`).toBe(length < 10 ? 'truncated' : 'checksum');
    }
  });

  it('rejects every single flipped bit, with the code of the part that was hit', () => {
    const file = writeContainer({ model: 'latent-grid', width: 9, height: 5, channels: 1, levels: 3, hidden: [2] }, randomBytes(12, 5));
    expect(file.length).toBeLessThan(40);
    for (let bit = 0; bit < file.length * 8; bit++) {
      const damaged = Uint8Array.from(file);
      damaged[bit >>> 3] ^= 0x80 >>> (bit & 7);
      const error = formatError(() => readContainer(damaged));
      const byte = bit >>> 3;
      expect(error.code, `bit ${bit}`).toBe(byte < 4 ? 'magic' : byte === 4 ? 'version' : 'checksum');
    }
  });

  it('rejects wrong magic bytes', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    expect(formatError(() => readContainer(png)).code).toBe('magic');
    const file = writeContainer(SMALL, new Uint8Array(5));
    for (const [i, v] of [[0, 0x4e], [3, 0x4d], [2, 0x00]] as const) {
      const wrong = Uint8Array.from(file);
      wrong[i] = v;
      expect(formatError(() => readContainer(wrong)).code).toBe('magic');
    }
    expect(formatError(() => readContainer(Uint8Array.from([0x6e, 0x6e, 0x69, 0x6e]))).code).toBe('magic');
    expect(formatError(() => readContainer(Uint8Array.from([0x00]))).code).toBe('magic');
  });

  it('rejects a future version with a message naming it, and version 0', () => {
    const file = writeContainer(SMALL, randomBytes(20, 6));
    for (const version of [3, 4, 17, 255]) {
      const future = Uint8Array.from(file);
      future[4] = version;
      const error = formatError(() => readContainer(future));
      expect(error.code).toBe('version');
      expect(error.message).toMatch(new RegExp(`\\bversion ${version}\\b`));
      expect(error.message).toMatch(/newer|upgrade/);
    }
    const zero = Uint8Array.from(file);
    zero[4] = 0;
    expect(formatError(() => readContainer(zero)).code).toBe('version');
  });

  it('reads version 1 files (nnimg 0.1.0) as well as version 2', () => {
    const file = writeContainer(SMALL, randomBytes(20, 7));
    const old = Uint8Array.from(file);
    old[4] = 1;
    const body = old.length - 4;
    new DataView(old.buffer).setUint32(body, zlibCrc32(old.subarray(0, body)) >>> 0);
    expect(readContainer(old)).toMatchObject({ version: 1, header: SMALL });
    expect(readContainer(file)).toMatchObject({ version: 2, header: SMALL });
  });

  it('checks the version before the checksum, so a future file with another layout is still named as such', () => {
    const future = Uint8Array.from([...MAGIC, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(formatError(() => readContainer(future)).code).toBe('version');
  });

  it('rejects invalid headers that carry a valid CRC', () => {
    const valid = [0, 64, 48, 3, 6, [6]];
    const cases: [string, unknown][] = [
      ['unknown model kind', [2, 64, 48, 3, 6, [6]]],
      ['coordinate MLP with latent levels', [1, 64, 48, 3, 6, [6]]],
      ['negative kind', [-1, 64, 48, 3, 6, [6]]],
      ['width 0', [0, 0, 48, 3, 6, [6]]],
      ['height 65536', [0, 64, 65536, 3, 6, [6]]],
      ['non-integer width', [0, 64.5, 48, 3, 6, [6]]],
      ['too many pixels', [0, 65535, 2049, 3, 6, [6]]],
      ['2 channels', [0, 64, 48, 2, 6, [6]]],
      ['0 channels', [0, 64, 48, 0, 6, [6]]],
      ['4 channels', [0, 64, 48, 4, 6, [6]]],
      ['0 levels', [0, 64, 48, 3, 0, [6]]],
      ['13 levels', [0, 64, 48, 3, 13, [6]]],
      ['5 hidden layers', [0, 64, 48, 3, 6, [6, 6, 6, 6, 6]]],
      ['hidden width 0', [0, 64, 48, 3, 6, [0]]],
      ['hidden width 65', [0, 64, 48, 3, 6, [65]]],
      ['hidden not an array', [0, 64, 48, 3, 6, 6]],
      ['string field', [0, '64', 48, 3, 6, [6]]],
      ['5 fields', [0, 64, 48, 3, 6]],
      ['7 fields', [...valid, 0]],
      ['a map', { model: 0, width: 64 }],
      ['a number', 7],
    ];
    for (const [what, fields] of cases) {
      const error = formatError(() => readContainer(rawFile(pack(fields))));
      expect(error.code, what).toBe('header');
    }
    expect(MAX_PIXELS).toBe(2 ** 27);
    // The same construction with the valid fields is accepted.
    expect(readContainer(rawFile(pack(valid))).header).toEqual(SMALL);
  });

  it('accepts the wider MessagePack integer forms up to 32 bits (spec section 2)', () => {
    // [0, 64, 48, 3, 6, [6]] with width as uint 32, height as uint 16, channels as int 8, levels as int 32.
    const wide = [0x96, 0x00, 0xce, 0, 0, 0, 64, 0xcd, 0, 48, 0xd0, 3, 0xd2, 0, 0, 0, 6, 0x91, 0xcc, 6];
    expect(readContainer(rawFile(wide)).header).toEqual(SMALL);
    // The reference reader rejects the 64-bit forms (msgpackr gives a BigInt); the spec forbids writing them.
    const wide64 = [0x96, 0x00, 0xcf, 0, 0, 0, 0, 0, 0, 0, 64, 48, 3, 6, 0x91, 6];
    expect(formatError(() => readContainer(rawFile(wide64))).code).toBe('header');
  });

  it('rejects header bytes that are not exactly one MessagePack value', () => {
    const header = Array.from(pack([0, 64, 48, 3, 6, [6]]));
    expect(formatError(() => readContainer(rawFile([...header, 0x00]))).code).toBe('header'); // trailing byte
    expect(formatError(() => readContainer(rawFile(header.slice(0, -1)))).code).toBe('header'); // cut short
    expect(formatError(() => readContainer(rawFile([0xc1]))).code).toBe('header'); // never-used byte
    expect(formatError(() => readContainer(rawFile([]))).code).toBe('header');
  });

  it('rejects a header length running past the end, or longer than 4 LEB128 bytes', () => {
    const header = Array.from(pack([0, 64, 48, 3, 6, [6]]));
    expect(formatError(() => readContainer(rawFile(header, new Uint8Array(), leb128(header.length + 1)))).code).toBe('truncated');
    expect(formatError(() => readContainer(rawFile(header, new Uint8Array(), leb128(2 ** 27)))).code).toBe('truncated');
    expect(formatError(() => readContainer(rawFile(header, new Uint8Array(), [0x80, 0x80, 0x80, 0x80, 0x00]))).code).toBe('header');
    // Non-minimal LEB128 is accepted.
    expect(readContainer(rawFile(header, new Uint8Array(), [header.length | 0x80, 0x00])).header).toEqual(SMALL);
    // A header length that fills the whole rest of the file leaves an empty payload.
    expect(readContainer(rawFile(header, new Uint8Array())).payload.length).toBe(0);
  });

  it('writeContainer refuses headers a reader would reject', () => {
    for (const bad of [
      { ...SMALL, channels: 2 },
      { ...SMALL, levels: 0 },
      { ...SMALL, levels: 13 },
      { ...SMALL, width: 65535, height: 65535 },
    ]) {
      expect(() => writeContainer(bad, new Uint8Array())).toThrow(NnimgFormatError);
    }
  });

  // BUG (certain): writeContainer only checks pixels, channels and levels, so it writes files with a
  // model kind, width, height or hidden widths that readContainer then rejects. encode() passes the
  // user's `hidden` option straight through: encode(img, { hidden: [100] }) trains for the full
  // time, writes the file, then fails in its own final decode with NnimgFormatError('header').
  it('writeContainer refuses every header that readContainer would reject', () => {
    for (const bad of [
      { ...SMALL, width: 70_000, height: 1 },
      { ...SMALL, width: 0 },
      { ...SMALL, hidden: [65] },
      { ...SMALL, hidden: [0] },
      { ...SMALL, hidden: [1, 1, 1, 1, 1] },
      { ...SMALL, model: 'other' as unknown as NnimgHeader['model'] },
    ]) {
      let file: Uint8Array | undefined;
      try {
        file = writeContainer(bad, new Uint8Array());
      } catch {
        continue; // refused: fine
      }
      expect(() => readContainer(file)).not.toThrow();
    }
  });
});
