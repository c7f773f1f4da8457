/**
 * nnimg's public API: read an image, encode it into a .nnimg file, parse and render .nnimg files
 * at any size. The command line (src/cli/) uses nothing else (and src/report/ for `compare`).
 *
 *   import { readImage, encode, decode } from 'nnimg';
 *   const result = await encode(await readImage('photo.png'), { bytes: 2000 });
 *   const image = decode(result.file, { width: 4096 });
 *
 * It is the union of its parts, each an entry of its own that loads only what it needs:
 * `nnimg/decode` (parse, render, PNG writing: no encoder, no sharp), `nnimg/encode` (readImage,
 * encode: loads sharp and the encoder) and `nnimg/limits` (the limits and the errors, which both
 * re-export).
 */
export * from './api/decode.js';
export * from './api/encode.js';
